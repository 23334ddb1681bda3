"""Text for one jurisdiction: drop what is labelled for the other one.

A text shown without a known jurisdiction must be right for both, so authors label
Dutch-only and Flemish-only parts: ``Nederland: bel 0900-8844. Vlaanderen: de lokale
politie.`` Once the school's jurisdiction is known, a Dutch school should not read the
Flemish route (nor a Flemish school the Dutch duty): :func:`for_jurisdiction` removes the
other place's labelled parts and the school's own label. A labelled part runs from its
label to the next label or the end of the line, so authors end a line after it.
"""

from __future__ import annotations

import re

#: ``Nederland:``, ``**Flanders:**``, ``**Nederland (wettelijke meldplicht):**``.
_LABEL = re.compile(
    r"(?P<bold>\*\*)?\b(?P<place>Nederland|Vlaanderen|the Netherlands|Netherlands|Flanders)"
    r"(?: \((?P<note>[^)]*)\))?:(?(bold)\*\*)[ \t]*")
_PLACE = {"Nederland": "nl", "the Netherlands": "nl", "Netherlands": "nl", "Vlaanderen": "vl", "Flanders": "vl"}


def for_jurisdiction(text: str, jurisdiction: str | None) -> str:
    """``text`` as a school in ``jurisdiction`` (``nl`` or ``vl``) should read it."""
    if jurisdiction not in ("nl", "vl") or not _LABEL.search(text):
        return text
    lines = []
    for line in text.split("\n"):
        kept = _line(line, jurisdiction)
        if kept is not None:
            lines.append(kept)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _line(line: str, jurisdiction: str) -> str | None:
    labels = list(_LABEL.finditer(line))
    if not labels:
        return line
    out = line[:labels[0].start()]
    for index, label in enumerate(labels):
        end = labels[index + 1].start() if index + 1 < len(labels) else len(line)
        if _PLACE[label.group("place")] != jurisdiction:
            continue
        body = line[label.end():end]
        note = label.group("note")
        if note:
            out += f"**{note[0].upper()}{note[1:]}:** {body}"
        elif not out.strip(" -*") or out.rstrip().endswith((".", "!", "?")):
            out += body[:1].upper() + body[1:]
        else:
            out += body
    out = out.rstrip()
    return None if not out.strip(" -*") else out
