"""Three answers, never a dead end: open, "Bedoel je…?" with up to three protocols and "Iets
anders", or the menu; the same decision on every platform because the engine makes it."""

from __future__ import annotations

from bot.conversation.engine import Engine
from bot.conversation.model import Model
from bot.conversation.router import Router
from bot.conversation.routing_decision import OUT_OF_SCOPE, Thresholds, decide
from bot.conversation.state import ConversationState, View
from bot.events import ButtonPressed, TextMessage
from bot.playbooks.library import load_library
from tests.conftest import PLAYBOOKS
from tests.unit.conversation.helpers import KEY, USER

LIBRARY, _ = load_library(PLAYBOOKS)
T = Thresholds(open=0.8, lead=0.4, choose=0.2, menu=0.5)
STAFF, STRANGER = "medewerker-grensoverschrijdend", "sextortion-chantage"


def test_a_confident_clear_leader_opens() -> None:
    assert decide({STAFF: 0.9, STRANGER: 0.05, OUT_OF_SCOPE: 0.05}, T) == ("open", [STAFF])


def test_a_close_runner_up_makes_it_a_choice_best_first() -> None:
    assert decide({STAFF: 0.5, STRANGER: 0.45, OUT_OF_SCOPE: 0.05}, T) == ("choose", [STAFF, STRANGER])


def test_a_likely_out_of_scope_question_gets_the_menu() -> None:
    assert decide({STAFF: 0.3, STRANGER: 0.1, OUT_OF_SCOPE: 0.6}, T) == ("menu", [])
    assert decide({STAFF: 0.1, STRANGER: 0.1, "cyberpesten": 0.1, OUT_OF_SCOPE: 0.3}, T) == ("menu", [])


def test_a_clear_favourite_is_offered_even_when_out_of_scope_is_likely() -> None:
    """A policy question shares its words with everyday ones: "out of scope" takes a fair share,
    yet one protocol clearly leads. With ``keep`` it is offered (Iets anders is one tap away)."""
    kept = Thresholds(open=0.8, lead=0.4, choose=0.2, menu=0.3, keep=0.6)
    probabilities = {STAFF: 0.62, STRANGER: 0.03, OUT_OF_SCOPE: 0.35}
    assert decide(probabilities, kept) == ("choose", [STAFF, STRANGER])
    assert decide(probabilities, Thresholds(open=0.8, lead=0.4, choose=0.2, menu=0.3)) == ("menu", [])
    assert decide({STAFF: 0.55, STRANGER: 0.05, OUT_OF_SCOPE: 0.4}, kept) == ("menu", [])


def test_a_model_file_without_keep_reads_as_before() -> None:
    assert Thresholds(open=0.8, lead=0.4, choose=0.2, menu=0.3).keep == 1.0


def test_at_most_three_buttons_and_none_for_the_unlikely() -> None:
    kind, offered = decide({"a": 0.3, "b": 0.25, "c": 0.2, "d": 0.2, "e": 0.01, OUT_OF_SCOPE: 0.04}, T)
    assert kind == "choose" and offered == ["a", "b", "c"]
    assert decide({"a": 0.6, "e": 0.01, OUT_OF_SCOPE: 0.39}, T) == ("choose", ["a"])


def test_a_protocol_the_school_does_not_have_is_never_offered() -> None:
    assert decide({STAFF: 0.9, STRANGER: 0.05, OUT_OF_SCOPE: 0.05}, T, {STRANGER}) == ("menu", [])


def _model(weights: dict[str, list[float]]) -> Model:
    labels = [STAFF, STRANGER, OUT_OF_SCOPE]
    return Model({"format": 1, "source_hash": "test", "labels": labels, "bias": [0.0, 0.0, 0.0],
                  "weights": weights, "thresholds": {"open": 0.8, "lead": 0.4, "choose": 0.2, "menu": 0.5}},
                 LIBRARY)


def test_the_engine_asks_bedoel_je_with_the_protocols_and_something_else_which_is_the_menu() -> None:
    engine = Engine(LIBRARY, Router(LIBRARY, _model({"s:groom": [3.0, 3.0, -3.0]})))
    decision = engine.decide(ConversationState(), TextMessage(KEY, USER, "grooming"))
    [reply] = decision.replies
    assert decision.state.view is View.SUGGEST
    assert reply.text == "Bedoel je een van deze protocollen?"
    labels = [choice.label for choice in reply.choices]
    assert labels[:2] == [LIBRARY.get(STAFF).title.nl, LIBRARY.get(STRANGER).title.nl]  # type: ignore[union-attr]
    assert labels[-1] == "Iets anders"
    menu = engine.decide(decision.state, ButtonPressed(KEY, USER, reply.choices[-1].payload))
    assert menu.state.view is View.MENU
    opened = engine.decide(decision.state, ButtonPressed(KEY, USER, reply.choices[1].payload))
    assert opened.state.playbook == STRANGER


def test_the_engine_opens_and_shows_the_menu_as_the_model_decides() -> None:
    engine = Engine(LIBRARY, Router(LIBRARY, _model({"s:docent": [6.0, -3.0, -3.0], "s:wifi": [-3.0, -3.0, 6.0]})))
    assert engine.decide(ConversationState(), TextMessage(KEY, USER, "docent")).state.playbook == STAFF
    menu = engine.decide(ConversationState(), TextMessage(KEY, USER, "wifi"))
    assert menu.state.view is View.MENU and menu.state.playbook is None
