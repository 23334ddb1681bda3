"""Typed answers count (issue #15): "ja" at a triage question answers it, a new situation is
routed anew and says so, anything else asks the same question again. Never silently the menu."""

from __future__ import annotations

import pytest

from bot.conversation import typed_answers
from bot.conversation.engine import Decision, Engine
from bot.conversation.router import Router
from bot.conversation.state import ConversationState, View
from bot.events import ButtonPressed, Command, TextMessage
from bot.messages import Reply, Tone
from bot.playbooks.library import load_library
from tests.conftest import PLAYBOOKS
from tests.unit.conversation.helpers import KEY, USER

LIBRARY, _ = load_library(PLAYBOOKS)
ENGINE = Engine(LIBRARY, Router(LIBRARY), jurisdiction="nl")


def at_first_question(playbook: str, lang: str = "nl") -> Decision:
    return ENGINE.decide(ConversationState(lang=lang, jurisdiction="nl"),
                         ButtonPressed(KEY, USER, f"pw1:0:pick:{playbook}"))


def say(state: ConversationState, text: str) -> Decision:
    return ENGINE.decide(state, TextMessage(KEY, USER, text))


def body(reply: Reply) -> str:
    return "\n".join(f"{s.title}\n{s.text}" for s in reply.sections)


@pytest.mark.parametrize(("typed", "option"), [
    ("ja", "yes"), ("Ja!", "yes"), ("JA.", "yes"), ("jep", "yes"), ("yes", "yes"), ("ja, ze huilt heel erg", "yes"),
    ("nee", "no"), ("neen", "no"), ("ni", "no"), ("no", "no"),
    ("weet niet", "unknown"), ("k weet het niet", "unknown"), ("geen idee", "unknown"), ("don't know", "unknown"),
    ("1", "yes"), ("2", "unknown"), ("optie 3", "no"), ("Weet ik niet", "unknown"),
])
def test_typed_yes_no_unknown_and_numbers_answer_the_distress_question(typed: str, option: str) -> None:
    start = at_first_question("naaktbeeld-sexting")
    assert start.state.view is View.QUESTION and "acute nood" in body(start.replies[0])
    decision = say(start.state, typed)
    assert decision.state.answers == {"distress": option}
    [reply] = decision.replies
    label = {"yes": "Ja", "no": "Nee", "unknown": "Weet ik niet"}[option]
    assert reply.sections[0].text == f"Je antwoord: **{label}**" and reply.sections[0].tone is Tone.INFO
    assert not reply.replace and reply.choices  # the next question, as a new message under the typed text


def test_typed_ja_at_acute_distress_brings_the_112_advice() -> None:
    """The issue's case: "ja" at "Zijn er signalen van acute nood?" gave the menu, no 112 advice."""
    start = at_first_question("naaktbeeld-sexting")
    [reply] = say(start.state, "ja").replies
    notice = LIBRARY.get("naaktbeeld-sexting").question("distress").options[0].notice
    assert notice is not None and notice.nl in body(reply)
    assert "112" in body(reply) and "Dit herken ik niet" not in body(reply)


def test_an_answer_that_names_two_options_asks_again_with_the_same_buttons() -> None:
    state = ConversationState(jurisdiction="nl", view=View.QUESTION, playbook="cyberpesten", version=4,
                              answers={"threat": "no", "images": "none", "distress": "no"})
    [question] = ENGINE.decide(state, Command(KEY, USER, "resume")).replies
    assert "Is bekend wie pest?" in body(question)
    decision = say(state, "ja")  # "Ja, leerling(en) van onze school" or "Ja, van een andere school"
    assert decision.state == state
    [again] = decision.replies
    assert again.sections[0].tone is Tone.WARNING and "Tik op een knop" in again.sections[0].text
    assert [b.payload for b in again.choices] == [b.payload for b in question.choices]
    # The buttons above the typed text keep working: the version did not change.
    pressed = ENGINE.decide(state, ButtonPressed(KEY, USER, question.choices[0].payload))
    assert pressed.state.answers["bully-known"] == "our-school"


@pytest.mark.parametrize("typed", ["hmm", "wat bedoel je", "ok", "uh...",
                                   "dat weet ik nog niet zo goed eigenlijk hoor"])
def test_anything_else_asks_the_same_question_again_never_the_menu(typed: str) -> None:
    start = at_first_question("naaktbeeld-sexting")
    decision = say(start.state, typed)
    [reply] = decision.replies
    assert decision.state.view is View.QUESTION and decision.state.playbook == "naaktbeeld-sexting"
    assert "acute nood" in body(reply) and "Dit herken ik niet" not in body(reply)


def test_a_new_situation_is_routed_anew_and_says_so() -> None:
    start = at_first_question("cyberpesten")
    decision = say(start.state, "een collega stuurt al weken privéberichten met flirterige opmerkingen naar een "
                                "leerling van 15, wat moet ik doen?")
    [reply] = decision.replies
    assert decision.state.playbook != "cyberpesten" or decision.state.view is View.SUGGEST
    assert reply.sections[0].text.startswith("Dit lijkt een nieuwe vraag")


def test_typed_answers_in_english() -> None:
    start = at_first_question("naaktbeeld-sexting", lang="en")
    decision = say(start.state, "yes")
    assert decision.state.answers == {"distress": "yes"}
    assert decision.replies[0].sections[0].text == "Your answer: **Yes**"


def test_every_label_and_number_of_every_question_chooses_its_own_option() -> None:
    problems = []
    for playbook in LIBRARY:
        for question in playbook.questions:
            for number, option in enumerate(question.options, 1):
                for typed in (option.label.nl, option.label.en, str(number)):
                    if typed_answers.match_option(question, typed) != option.id:
                        problems.append(f"{playbook.id}/{question.id}: {typed!r}")
    assert not problems, problems


def test_typed_number_picks_from_bedoel_je() -> None:
    state = ConversationState(jurisdiction="nl", view=View.SUGGEST, suggestions=("cyberpesten", "beeldpesten"),
                              version=3)
    decision = say(state, "2")
    assert decision.state.playbook == "beeldpesten" and decision.state.view is View.QUESTION


def test_earlier_warnings_fold_so_the_next_question_stays_near_the_top() -> None:
    """Issue #15: every answer's warning was shown in full when it was given; on later screens only
    the latest stays open, the earlier ones fold into one line (and "Meer" shows them)."""
    state = at_first_question("naaktbeeld-sexting").state
    for typed in ("ja", "ja"):  # acute distress, then fear of the family: both carry a warning
        state = say(state, typed).state
    [reply] = ENGINE.decide(state, Command(KEY, USER, "resume")).replies
    playbook = LIBRARY.get("naaktbeeld-sexting")
    distress, honour = (playbook.question(q).options[0].notice for q in ("distress", "honour"))
    assert distress is not None and honour is not None
    open_texts = [s.text for s in reply.sections if not s.collapsed]
    assert honour.nl in open_texts and distress.nl not in open_texts
    [folded] = [s for s in reply.sections if s.title.startswith("Waarschuwingen bij je eerdere antwoorden")]
    assert folded.collapsed and distress.nl in folded.text and folded.more is not None
    shown = ENGINE.decide(state, ButtonPressed(KEY, USER, folded.more.payload)).replies[0]
    assert distress.nl in shown.sections[0].text
