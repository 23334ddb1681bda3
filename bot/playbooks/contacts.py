"""Only verified phone numbers and web addresses may reach a teacher (safety rule 5).

``_contacts.yaml`` lists the numbers and addresses verified in the research (B.3). Every
text of every playbook, in both languages and both jurisdictions, is scanned for
anything that looks like a phone number or a web address; whatever is not on the list
is a lint problem with its ``file:line``. Numbers that are clearly not phone numbers
(``500 euro``, ``16 jaar``, a year) are recognised by the word that follows them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from bot.playbooks import schema
from bot.playbooks.problems import validation_problems
from bot.yamlmarks import load_marked

CONTACTS_FILE = "_contacts.yaml"

_PHONE = re.compile(r"(?<![\w.-])(\d[\d -]*\d)(?![\w-])")
_ADDRESS = re.compile(
    r"(?<![\w@.-])(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+(?:nl|be|com|org|eu|net|info|io))\b", re.IGNORECASE
)
#: Words after a number that show it is an amount, an age or a duration, not a phone number.
_UNITS = re.compile(
    r"^\s*(euro|eur|€|%|procent|percent|jaar|jaren|years?|year-olds?|uur|hours?|minuten|minutes?|dagen|days?|"
    r"weken|weeks?|maanden|months?|leerlingen|pupils|students|km|keer|times|volgers|followers)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"^(19|20)\d\d$")


class Contact(schema._Model):
    number: str | None = None
    address: str | None = None
    use: str
    jurisdiction: list[schema.Jurisdiction]
    source: str = ""


class ContactList(schema._Model):
    phones: list[Contact] = []
    web: list[Contact] = []

    def phone_digits(self) -> set[str]:
        return {digits(c.number) for c in self.phones if c.number}

    def addresses(self) -> set[str]:
        return {c.address.lower().removeprefix("www.") for c in self.web if c.address}


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def load_contacts(paths: list[Path]) -> tuple[ContactList | None, list[str]]:
    for path in paths:
        folder = path if path.is_dir() else path.parent
        candidate = folder / CONTACTS_FILE
        if candidate.exists():
            doc = load_marked(candidate)
            if doc.problems:
                return None, doc.problems
            try:
                return ContactList.model_validate(doc.data or {}), []
            except ValidationError as exc:
                return None, validation_problems(doc, exc)
    return None, []


def texts_of(playbook: schema.Playbook) -> Iterator[tuple[tuple[str | int, ...], schema.Text]]:
    """Every user-facing text with its path in the playbook."""
    yield ("title",), playbook.title
    yield ("summary",), playbook.summary
    yield ("do_now",), playbook.do_now
    for qi, q in enumerate(playbook.questions):
        yield ("questions", qi, "ask"), q.ask
        if q.help:
            yield ("questions", qi, "help"), q.help
        for oi, option in enumerate(q.options):
            yield ("questions", qi, "options", oi, "label"), option.label
            if option.notice:
                yield ("questions", qi, "options", oi, "notice"), option.notice
    for si, step in enumerate(playbook.steps):
        yield ("steps", si, "title"), step.title
        yield ("steps", si, "text"), step.text
    if playbook.briefing:
        yield ("briefing", "include"), playbook.briefing.include
        for ci, case in enumerate(playbook.briefing.cases):
            yield ("briefing", "cases", ci, "include"), case.include
    if playbook.report_hint:
        yield ("report_hint",), playbook.report_hint


def variants(text: schema.Text) -> Iterator[str]:
    yield text.nl
    yield text.en
    if text.vl:
        yield text.vl.nl
        yield text.vl.en


def unverified(text: str, contacts: ContactList | None) -> list[str]:
    """Phone numbers and web addresses in ``text`` that are not on the verified list."""
    phones = contacts.phone_digits() if contacts else set()
    addresses = contacts.addresses() if contacts else set()
    found = []
    for match in _ADDRESS.finditer(text):
        if match.group(1).lower() not in addresses:
            found.append(match.group(0))
    for match in _PHONE.finditer(text):
        number = match.group(1).strip(" -")
        if len(digits(number)) < 3 or digits(number) in phones or _YEAR.match(number):
            continue
        if _UNITS.match(text[match.end():]):
            continue
        found.append(number)
    return found
