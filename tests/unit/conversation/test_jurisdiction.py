"""The school directory's jurisdiction answers the jurisdiction question and picks the
Flemish or Dutch variant of every text."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.conversation.engine import Engine
from bot.conversation.router import Router
from bot.conversation.state import ConversationState
from bot.events import ButtonPressed, TextMessage
from bot.playbooks.library import PlaybookLibrary
from tests.unit.conversation.helpers import KEY, USER, body, library_from_text
from tests.unit.playbooks.sample import VALID

BOTH = VALID.replace(
    'do_now: {nl: "Doe dit nu.", en: "Do this now."}',
    'do_now: {nl: "Nederland: bel 0900-8844.", en: "Netherlands: call 0900-8844.",\n'
    '         vl: {nl: "Bel de lokale politie.", en: "Call the local police."}}',
).replace(
    "questions:\n",
    "questions:\n  - id: jurisdiction\n    ask: {nl: 'Waar?', en: 'Where?'}\n    options:\n"
    "      - {id: nl, label: {nl: Nederland, en: Netherlands}}\n"
    "      - {id: vl, label: {nl: Vlaanderen, en: Flanders}}\n",
).replace(
    "    sources: [S-073, C-01]\n",
    "    sources: [S-073, C-01]\n  - id: dutch-duty\n    title: {nl: Meldplicht, en: Duty}\n    actor: bestuur\n"
    "    when: {jurisdiction: [nl]}\n    text: {nl: Bestuur meldt., en: Board reports.}\n    sources: [S-053]\n",
)
DUTCH_ONLY = VALID.replace("id: sample", "id: dutch").replace("[voorbeeldwoord]", "[nederlandwoord]")


@pytest.fixture
def library(tmp_path: Path) -> PlaybookLibrary:
    (tmp_path / "_contacts.yaml").write_text(
        'phones:\n  - {number: "0900-8844", use: Politie, jurisdiction: [nl]}\n', encoding="utf-8")
    return library_from_text(tmp_path, sample=BOTH.replace("jurisdiction: [nl]\n", "jurisdiction: [nl, vl]\n"),
                             dutch=DUTCH_ONLY)


def start(library: PlaybookLibrary, jurisdiction: str | None) -> tuple[Engine, ConversationState, str]:
    engine = Engine(library, Router(library), jurisdiction=jurisdiction)
    decision = engine.decide(ConversationState(), TextMessage(KEY, USER, "voorbeeldwoord"))
    return engine, decision.state, body(decision.replies[0])


def press(engine: Engine, state: ConversationState, *labels: str) -> tuple[ConversationState, str]:
    """Press buttons by label, starting from the view ``state`` shows."""
    reply = engine.decide(state, TextMessage(KEY, USER, "opnieuw"))
    state, current = reply.state, reply.replies[0]
    for label in labels:
        payload = next(b.payload for b in current.all_buttons() if b.label == label)
        decision = engine.decide(state, ButtonPressed(KEY, USER, payload))
        state, current = decision.state, decision.replies[0]
    return state, "\n".join(s.title for s in current.sections)


def test_unknown_jurisdiction_asks_and_shows_the_main_text(library: PlaybookLibrary) -> None:
    _, _, text = start(library, None)
    assert "Waar?" in text and "Nederland: bel 0900-8844." in text


def test_flemish_school_is_not_asked_and_gets_flemish_text(library: PlaybookLibrary) -> None:
    engine, state, text = start(library, "vl")
    assert "Waar?" not in text and "Jonger dan 18?" in text
    assert "Bel de lokale politie." in text and "0900-8844" not in text
    assert state.answers == {}  # the directory's answer is not the user's
    _, titles = press(engine, state, "Ja", "Veel")
    assert "Veel" in titles and "Meldplicht" not in titles


def test_dutch_school_gets_the_dutch_duty(library: PlaybookLibrary) -> None:
    engine, state, text = start(library, "nl")
    assert "Waar?" not in text
    _, titles = press(engine, state, "Nee")
    assert "Meldplicht" in titles


def test_a_dutch_only_playbook_is_hidden_for_a_flemish_school(library: PlaybookLibrary) -> None:
    engine = Engine(library, Router(library), jurisdiction="vl")
    menu = engine.decide(ConversationState(), TextMessage(KEY, USER, "menu")).replies[0]
    assert [b.label for b in menu.choices] == ["Voorbeeld"]
    assert engine.decide(ConversationState(), TextMessage(KEY, USER, "nederlandwoord")).state.playbook is None
