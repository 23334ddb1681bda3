"""The first answer to a nude-image question carries the no-copy rule (C-01), in both
languages, before any button is pressed. Issue 3 extends these checks to every path."""

from __future__ import annotations

import pytest

from bot.conversation.engine import Engine
from bot.conversation.router import Router
from bot.conversation.state import ConversationState
from bot.events import TextMessage
from bot.playbooks.library import load_library
from tests.conftest import PLAYBOOKS
from tests.unit.conversation.helpers import KEY, USER

LIBRARY, _ = load_library(PLAYBOOKS)
ENGINE = Engine(LIBRARY, Router(LIBRARY))

NO_COPY = {
    "nl": ["kopieer het niet", "maak geen screenshot", "stuur het niet door", "print het niet",
           "bewaar het niet", "ook niet als bewijs"],
    "en": ["do not copy", "screenshot", "forward", "print", "store", "not even as evidence"],
}


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("er gaat een naaktfoto rond van een leerling uit 3B, wat moet ik doen?", "nl"),
        ("A nude photo of a 14-year-old student is going around the school. What are the first steps?", "en"),
    ],
)
def test_first_answer_carries_the_no_copy_rule(question: str, lang: str) -> None:
    decision = ENGINE.decide(ConversationState(), TextMessage(KEY, USER, question))
    [reply] = decision.replies
    assert decision.state.playbook == "naaktbeeld-sexting" and reply.lang == lang
    # A question that speaks of a nude: the no-copy rule before anything else, then 112.
    first_section = reply.sections[0].text.lower()
    assert reply.sections[0].title in ("Doe nu", "Do now")
    assert "112" in reply.sections[1].text
    for phrase in NO_COPY[lang]:
        assert phrase in first_section, phrase
    assert reply.choices, "the first triage question comes with the first answer"
