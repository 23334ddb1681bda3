"""The core's small markup as Adaptive Card TextBlock markdown, with everything else inert.

A TextBlock (and a FactSet's title and value) understands a subset of markdown: ``**bold**``,
``_italic_``, ``- `` and ``1. `` lists and ``[label](url)`` links; headings, tables, images,
code and HTML are documented as unsupported in Teams. Teams renders it with different
parsers on desktop/web (CommonMark-like) and on phones (the Adaptive Cards shared C++
parser), and the two disagree on backslash escapes: the phone parser does not honour
``\\[`` at all and older phone clients print the backslash. So escaping uses the mechanism
each construct really yields to:

* emphasis and code (``*``, ``_``, `````): a backslash, the only thing both parsers honour;
* links (``[x](u)``, ``[x][y]``, ``[x]: u`` definitions): an invisible U+2060 WORD JOINER
  between ``]`` and what follows, so ``](`` never forms (works in every parser, shows
  nothing and, unlike a zero-width space, never lets a line break there);
* tags, autolinks and ``<at>`` mentions: U+2060 after ``<``. HTML is not rendered in cards
  and a mention needs an ``msteams.entities`` entry the cards never carry, so this is
  belt and braces; ``<``, ``>`` and ``&`` are *not* HTML-escaped, because the phone parser
  escapes them itself and would show ``&lt;`` literally;
* block syntax at the start of a line (``#`` headings, ``>`` quotes, ``1.``/``+`` lists,
  ``---``/``===`` rules and setext underlines, ``|`` tables): U+2060 in front of the line;
  lines are stripped so indentation never makes a code block;
* ``~~`` (strikethrough) and ``{{`` (the card's DATE()/TIME() functions): U+2060 between the pair.

The core's ``**bold**`` and ``- `` bullets are produced after escaping, as in the Slack and
HTML renderers, so nothing a user or a playbook author wrote can become formatting.
"""

from __future__ import annotations

import functools
import re

JOINER = "\u2060"
_BOLD = re.compile(r"\*\*(.+?)\*\*")
#: Backslash before ASCII punctuation (it would escape it), ``*``, ``_`` except inside a word
#: (``a_b`` is never emphasis), backticks, ``]`` that would close a link, ``<`` that would open a
#: tag, and the first of ``~~`` or ``{{``.
_SPECIAL = re.compile(r"\\(?=[!-/:-@\[-`{-~])|[*`]|(?<![^\W_])_|_(?![^\W_])|\](?=[(\[:])|<(?=[^\W_]|[/!?])|~(?=~)|"
                      r"\{(?=\{)")
#: A line that CommonMark or the phone parser would read as block syntax.
_BLOCK_START = re.compile(r"[#>|]|[+-](?: |$)|\d{1,9}[.)](?: |$)|=+\s*$|-{2,}|:-")


def plain(text: str) -> str:
    """Core markup as plain text (labels, button titles, notifications): bold marks dropped."""
    return _BOLD.sub(r"\1", text)


def escape(text: str) -> str:
    """One line of plain text as TextBlock markdown that shows exactly these characters."""
    return _SPECIAL.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    char = match.group(0)
    if char == "\\":
        return "\\\\"
    if char in "*_`":
        return "\\" + char
    return char + JOINER


def inline(line: str) -> str:
    """One line of core markup: escaped, with its ``**bold**`` kept as bold."""
    parts: list[str] = []
    last = 0
    for match in _BOLD.finditer(line):
        parts.append(escape(line[last:match.start()]))
        inner = match.group(1)
        core = inner.strip()
        if core:
            lead, trail = inner[: len(inner) - len(inner.lstrip())], inner[len(inner.rstrip()):]
            parts.append(f"{lead}**{escape(core)}**{trail}")
        else:
            parts.append(escape(match.group(0)))
        last = match.end()
    parts.append(escape(line[last:]))
    return _guard_start("".join(parts))


def _guard_start(line: str) -> str:
    return JOINER + line if _BLOCK_START.match(line) else line


def bullet(line: str) -> str:
    """A core ``- `` line as a markdown list item (its own text guarded like any line)."""
    return "- " + inline(line[2:].strip())


@functools.lru_cache(maxsize=4096)
def blocks(text: str, limit: int) -> tuple[tuple[str, ...], ...]:
    """Core markup as paragraphs (blank-line separated) of TextBlock texts, each at most
    ``limit`` characters of source: a run of ``- `` lines is one list, every other line its
    own block (a single newline inside a TextBlock is not a visible break in Teams).
    Cached: the same playbook texts are drawn again and again."""
    paragraphs: list[tuple[str, ...]] = []
    for paragraph in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n").strip()):
        rendered: list[str] = []
        items: list[str] = []
        for raw in paragraph.split("\n"):
            line = raw.strip()
            if not line:
                continue
            if line.startswith("- ") and line[2:].strip():
                items.append(line)
                continue
            rendered.extend(_list_blocks(items, limit))
            items = []
            rendered.extend(inline(part) for part in split_text(line, limit))
        rendered.extend(_list_blocks(items, limit))
        if rendered:
            paragraphs.append(tuple(rendered))
    return tuple(paragraphs)


def _list_blocks(items: list[str], limit: int) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    size = 0
    for item in items:
        for part in split_text(item, limit):
            part = part if part.startswith("- ") else "- " + part
            if current and size + len(part) + 1 > limit:
                out.append("\n".join(current))
                current, size = [], 0
            current.append(bullet(part))
            size += len(part) + 1
    if current:
        out.append("\n".join(current))
    return out


def split_text(text: str, limit: int) -> list[str]:
    """A long line in pieces of at most ``limit`` characters, cut at spaces where possible
    (cut before markup is converted, so an escape or a bold pair is never torn apart)."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts
