"""The privacy-safe team briefing (DESIGN safety rule 4, research C-03 and C.11).

The draft is built only from the playbook's briefing template and general facts (the
type of incident, its number, who coordinates). It never uses what the reporter typed.
The owner may edit the draft before it is posted; :func:`leaked_terms` then refuses an
edit that carries names, initials or class codes from the report form, so a name typed
in the form cannot reach the team channel by way of a careless edit.
"""

from __future__ import annotations

import re

from bot import texts
from bot.conversation import textnorm
from bot.playbooks.schema import Playbook

_WORD = re.compile(r"[A-Za-zÀ-ÿ0-9][\wÀ-ÿ'.-]*")
_INITIALS = re.compile(r"^([A-Z]\.){1,3}$|^[A-Z]{2,3}$")
_CLASS_CODE = re.compile(r"^\d+[a-zA-Z]{1,4}$|^[a-zA-Z]{1,4}\d+$")
#: Platforms identify no one and a briefing may name them ("let op in de groepsapp op Snapchat").
_PLATFORMS = frozenset({"snapchat", "instagram", "insta", "tiktok", "whatsapp", "facebook", "youtube", "discord",
                        "telegram", "smartschool", "magister", "teams", "messenger", "twitter", "bereal", "roblox"})


def draft(playbook: Playbook, *, number: str, coordinator_role: str, lang: str, jurisdiction: str | None) -> str:
    """The briefing the owner previews: template plus general facts, nothing identifying."""
    if playbook.briefing is None:
        raise ValueError(f"playbook {playbook.id} has no briefing template")
    header = texts.briefing_header(lang, playbook.title.get(lang, jurisdiction), number,
                                   texts.role_name(coordinator_role, lang))
    return f"{header}\n\n{playbook.briefing.include.get(lang, jurisdiction)}"


def leaked_terms(briefing: str, form_texts: list[str], *, template: str = "") -> list[str]:
    """Names, initials and class codes from the report form that appear in ``briefing``.

    A capitalised word counts as a possible name unless it is a common word or also
    written in lower case in the form; initials (``J.``, ``AB``) and class codes (``3B``,
    ``havo4``) always count. Words that ``template`` (the generated draft) already uses
    are the owner's starting point, not something they added, and do not count.
    """
    suspects: set[str] = set()
    common = textnorm.STOPWORDS["nl"] | textnorm.STOPWORDS["en"] | _PLATFORMS
    lowercase = {w for text in form_texts for w in _WORD.findall(text) if w.islower()}
    for text in form_texts:
        for token in _WORD.findall(text):
            bare = token if _INITIALS.match(token) else token.rstrip(".,")
            if _INITIALS.match(bare) or _CLASS_CODE.match(bare):
                suspects.add(bare)
            elif bare[:1].isupper() and len(bare) > 2 and bare.lower() not in common | lowercase:
                suspects.add(bare)
    found = []
    lowered = briefing.lower()
    generated = template.lower()
    for term in sorted(suspects):
        if generated and re.search(rf"(?<![\w]){re.escape(term.lower())}(?![\w])", generated):
            continue  # the template's own words ("Leerling", "Ouders") are not from the form
        if re.search(rf"(?<![\w]){re.escape(term.lower())}(?![\w])", lowered):
            found.append(term)
    return found
