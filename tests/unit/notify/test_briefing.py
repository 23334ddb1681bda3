"""The team briefing never carries what the reporter typed (safety rule 4)."""

from __future__ import annotations

import pytest

from bot.notify.briefing import draft, leaked_terms, template, vocabulary
from tests.safety.walk import library

FORM = [
    "Jan de Vries uit 3B heeft een foto van Sanne in de groepsapp gezet",
    "Snapchat, groep 'klas 3b'",
    "sinds gisteren",
]


@pytest.mark.parametrize("playbook_id", ["naaktbeeld-sexting", "cyberpesten", "sextortion-chantage"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_draft_uses_only_the_template_and_general_facts(playbook_id: str, lang: str) -> None:
    playbook = library().get(playbook_id)
    assert playbook is not None and playbook.briefing is not None
    text = draft(playbook, number="2026-0042", coordinator_role="vertrouwenspersoon", lang=lang, jurisdiction="nl")
    assert "2026-0042" in text and playbook.briefing.include.get(lang, "nl") in text
    assert leaked_terms(text, FORM) == []
    for word in ("Jan", "Vries", "Sanne", "3B"):
        assert word not in text


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ("Er speelt iets rond een leerling; let op in de lessen.", []),
        ("Het gaat om Sanne, let op.", ["Sanne"]),
        ("Vooral in klas 3b opletten.", ["3B"]),
        ("Jan heeft het verspreid.", ["Jan"]),
        ("Let op in de groepsapp en op snapchat.", []),  # ordinary words from the form are fine
    ],
)
def test_an_edit_that_carries_form_names_is_caught(edit: str, expected: list[str]) -> None:
    assert leaked_terms(edit, FORM) == expected


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ("Let op meneer Jansen en de klas.", ["meneer Jansen"]),
        ("Het gaat om een leerling uit havo 3.", ["havo 3"]),
        ("Een leerling uit 3 vwo is het doelwit.", ["3 vwo"]),
        ("Speelt in groep 7.", ["groep 7"]),
        ("Speelt in klas 1b.", ["klas 1b"]),
        ("Een meisje uit 2B.", ["2B"]),
        ("Een meisje uit de brugklas is het doelwit.", ["meisje uit de brugklas"]),
        ("Let vooral op in de lessen en in de pauzes.", []),
    ],
)
def test_identifying_patterns_are_refused_whatever_the_form_said(edit: str, expected: list[str]) -> None:
    assert leaked_terms(edit, ["iets in een groepsapp"]) == expected


def test_a_name_typed_in_lower_case_is_caught_but_ordinary_words_are_not() -> None:
    known = vocabulary(library())
    form = ["jan en fatima worden uitgescholden in de groepsapp"]
    assert leaked_terms("Let op jan, hij wordt uitgescholden in de groepsapp.", form, known_words=known) == ["jan"]
    assert leaked_terms("Let op in de groepsapp.", form, known_words=known) == []


def test_a_briefing_case_replaces_the_default_template() -> None:
    playbook = library().get("roddelaccount")
    assert playbook is not None and playbook.briefing is not None
    for case in playbook.briefing.cases:
        answers = {q: options[0] for q, options in case.when.items()}
        assert template(playbook, answers) == case.include
    assert template(playbook, {}) == playbook.briefing.include
