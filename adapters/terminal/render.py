"""Render a neutral Reply as plain terminal text with numbered buttons."""

from __future__ import annotations

import re
import textwrap

from bot.messages import Button, Reply, Tone

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_MARKERS = {Tone.WARNING: "! ", Tone.DANGER: "!! ", Tone.INFO: "", Tone.NORMAL: ""}


def _plain(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = _BOLD.sub(lambda m: m.group(1).upper() if len(m.group(1)) < 40 else m.group(1), paragraph)
        if paragraph.startswith("- "):
            lines.extend(textwrap.wrap(paragraph[2:], width, initial_indent="  • ", subsequent_indent="    ") or [""])
        else:
            lines.extend(textwrap.wrap(paragraph, width) or [""])
    return lines


def render(reply: Reply, *, width: int = 78) -> tuple[str, list[Button]]:
    """The text to print and the buttons in the order of their numbers."""
    text, buttons, _ = render_with_more(reply, width=width)
    return text, buttons


def render_with_more(reply: Reply, *, width: int = 78) -> tuple[str, list[Button], list[Button]]:
    """Also the "Meer" buttons of folded sections, numbered ``m1``, ``m2``… in the text: a folded
    step prints as its one-line title, like on a phone, and ``m2`` prints its details."""
    out: list[str] = []
    more: list[Button] = []
    if reply.ephemeral:
        return "\n".join(f"({line})" for line in _plain(reply.text, width)), [], []
    out.append("=" * min(width, len(reply.text) + 4))
    out.append(f"  {reply.text}")
    out.append("=" * min(width, len(reply.text) + 4))
    for section in reply.sections:
        if section.collapsed and section.more is not None and section.title:
            more.append(section.more)
            out.extend(textwrap.wrap(f"{_MARKERS[section.tone]}{section.title}  [m{len(more)}]", width,
                                     subsequent_indent="    "))
            continue
        if section.title:
            out.append("")
            out.append(f"{_MARKERS[section.tone]}{section.title}")
            out.append("-" * min(width, len(section.title) + len(_MARKERS[section.tone])))
        elif section.tone in (Tone.WARNING, Tone.DANGER):
            out.append("")
        if section.text:
            prefix = "" if section.title else _MARKERS[section.tone]
            body = _plain(section.text, width - len(prefix))
            out.extend(prefix + line if i == 0 else (" " * len(prefix)) + line for i, line in enumerate(body))
        for field in section.fields:
            out.extend(textwrap.wrap(f"{field.label}: {field.value}", width, subsequent_indent="    "))
        for item in section.checklist:
            out.append(f"  [{'x' if item.done else ' '}] {item.text}" + (f" ({item.owner})" if item.owner else ""))
        if section.footnote:
            out.extend(textwrap.wrap(f"({section.footnote})", width))
        for button in section.buttons:  # also among the numbered buttons below
            out.append(f"  [{1 + list(reply.all_buttons()).index(button)}] {button.label}"
                       if button in reply.all_buttons() else f"  {button.label}")
    buttons = list(reply.all_buttons())
    if buttons:
        out.append("")
        for number, button in enumerate(reply.choices, 1):
            out.append(f"  [{number}] {button.label}")
        nav = [f"[{number}] {button.label}" for number, button in enumerate(reply.actions, len(reply.choices) + 1)]
        if nav:
            out.extend(textwrap.wrap("  ".join(nav), width, initial_indent="  ", subsequent_indent="  "))
    return "\n".join(out), buttons, more
