"""The privacy-safe team briefing (DESIGN safety rule 4, research C-03 and C.11).

The draft is built only from the playbook's briefing template (the case that fits the
triage answers) and general facts (the type of incident, its number, who coordinates).
It never uses what the reporter typed. The owner may edit the draft before it is posted;
:func:`leaked_terms` then refuses an edit that adds anything that could identify a pupil:
names, initials or class codes from the report form (also a name typed in lower case),
and, whatever the form said, a name after a title ("meneer Jansen"), a class or year
("havo 3", "groep 7", "2B") or a gender with a class ("een meisje uit de brugklas").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot import texts
from bot.conversation import textnorm
from bot.playbooks import paths
from bot.playbooks.contacts import texts_of, variants
from bot.playbooks.library import PlaybookLibrary
from bot.playbooks.schema import Playbook, Text

_WORD = re.compile(r"[A-Za-zÀ-ÿ0-9][\wÀ-ÿ'.-]*")
_INITIALS = re.compile(r"^([A-Z]\.){1,3}$|^[A-Z]{2,3}$")
_CLASS_CODE = re.compile(r"^\d+[a-zA-Z]{1,4}$|^[a-zA-Z]{1,4}\d+$")
#: Platforms identify no one and a briefing may name them ("let op in de groepsapp op Snapchat").
_PLATFORMS = frozenset({"snapchat", "instagram", "insta", "tiktok", "whatsapp", "facebook", "youtube", "discord",
                        "telegram", "smartschool", "magister", "teams", "messenger", "twitter", "bereal", "roblox"})

_TITLE = r"(?:meneer|mevrouw|mevr\.?|dhr\.?|mw\.?|juf|juffrouw|meester|mr\.?|mrs\.?|ms\.?|miss|sir|madam|dokter|dr\.?)"
_LEVEL = r"(?:havo|vwo|vmbo|mavo|gymnasium|atheneum|lyceum|brugklas|aso|bso|tso|kso|mbo|kader|basis|tl|gl|bb|kb)"
_GENDER = r"(?:meisje|meid|jongen|knul|leerlinge|dochter|zoon|girl|boy|son|daughter)s?"
_YEAR = (r"(?:brugklas|brugklasser|eerste|tweede|derde|vierde|vijfde|zesde|1e|2e|3e|4e|5e|6e|eindexamenklas|"
         r"examenklas|first|second|third|fourth|fifth|sixth)")
#: Identifying patterns, whatever the form said.
_IDENTIFYING = [
    re.compile(rf"\b{_TITLE}\s+(?!de\b|het\b|een\b|the\b|a\b)[A-Za-zÀ-ÿ][\wÀ-ÿ'-]+", re.IGNORECASE),
    re.compile(rf"\b{_LEVEL}[\s-]*\d\b|\b\d[\s-]*{_LEVEL}\b", re.IGNORECASE),
    re.compile(r"\b(?:groep|klas|class|year|grade|form|leerjaar|jaar)\s*\d{1,2}[a-z]?\b", re.IGNORECASE),
    re.compile(r"\b\d{1,2}\s*(?:e|ste|de)?\s*(?:klas|leerjaar|jaar|graad)\b", re.IGNORECASE),
    re.compile(r"(?<![\w-])\d{1,2}[a-zA-Z](?![\w-])"),
    re.compile(rf"\b{_GENDER}\b(?:\W+\w+){{0,4}}?\W+(?:uit|in|van|from|of)\s+(?:de\s+|het\s+|the\s+)?{_YEAR}\b",
               re.IGNORECASE),
]


def template(playbook: Playbook, answers: dict[str, str]) -> Text:
    """The briefing template for these answers: the first case that holds, else the default."""
    if playbook.briefing is None:
        raise ValueError(f"playbook {playbook.id} has no briefing template")
    return next((case.include for case in playbook.briefing.cases if paths.holds(case.when, answers)),
                playbook.briefing.include)


def draft(playbook: Playbook, *, number: str, coordinator_role: str, lang: str, jurisdiction: str | None,
          answers: dict[str, str] | None = None) -> str:
    """The briefing the owner previews: template plus general facts, nothing identifying."""
    header = texts.briefing_header(lang, playbook.title.get(lang, jurisdiction), number,
                                   texts.role_name(coordinator_role, lang))
    return f"{header}\n\n{template(playbook, answers or {}).get(lang, jurisdiction)}"


def vocabulary(library: PlaybookLibrary) -> frozenset[str]:
    """Every word the playbooks and the concept lexicon use: ordinary words, not names, for
    the leak check (a lower-case word from the form outside it may be a name)."""
    words = {w.lower() for playbook in library for _, text in texts_of(playbook)
             for variant in variants(text) for w in _WORD.findall(variant)}
    words |= {w.lower() for concept in library.concepts.values() for lang in ("nl", "en")
              for phrase in concept.get(lang) for w in _WORD.findall(phrase)}
    return frozenset(words)


def leaked_terms(briefing: str, form_texts: list[str], *, template: str = "",
                 known_words: Iterable[str] = ()) -> list[str]:
    """What ``briefing`` adds that could identify someone: terms from the report form and
    identifying patterns (a title with a name, a class or year, a gender with a class).

    From the form, initials (``J.``, ``AB``) and class codes (``3B``, ``havo4``) always
    count; a capitalised word counts unless it is a common word or also written in lower
    case in the form; a lower-case word counts when it is neither a common word nor one
    of ``known_words`` (the playbook's own vocabulary), so "jan" is caught and "filmpje"
    is not. Terms and patterns the generated ``template`` already has are the owner's
    starting point, not something they added, and do not count.
    """
    common = textnorm.STOPWORDS["nl"] | textnorm.STOPWORDS["en"] | _PLATFORMS
    known = {w.lower() for w in known_words} | common
    lowercase = {w for text in form_texts for w in _WORD.findall(text) if w.islower()}
    suspects: set[str] = set()
    for text in form_texts:
        for token in _WORD.findall(text):
            bare = token if _INITIALS.match(token) else token.rstrip(".,")
            if _INITIALS.match(bare) or _CLASS_CODE.match(bare):
                suspects.add(bare)
            elif bare[:1].isupper() and len(bare) > 2 and bare.lower() not in common | lowercase:
                suspects.add(bare)
            elif bare.islower() and len(bare) > 2 and known_words and bare not in known and not bare.isdigit():
                suspects.add(bare)
    lowered, generated = briefing.lower(), template.lower()
    found = [term for term in sorted(suspects)
             if _contains(lowered, term) and not (generated and _contains(generated, term))]
    for pattern in _IDENTIFYING:
        for match in pattern.finditer(briefing):
            phrase = match.group(0).strip()
            if _contains(generated, phrase) or any(_contains(phrase.lower(), term) or _contains(term.lower(), phrase)
                                                   for term in found):
                continue
            found.append(phrase)
    return found


def _contains(haystack: str, term: str) -> bool:
    return bool(re.search(rf"(?<![\w]){re.escape(term.lower())}(?![\w])", haystack))
