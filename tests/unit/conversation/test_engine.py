"""The engine as a chat transcript: routing, triage, navigation, stale buttons."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.conversation.state import View
from bot.messages import Tone
from tests.unit.conversation.helpers import Chat, body, library_from_text
from tests.unit.playbooks.sample import VALID


@pytest.fixture
def chat(tmp_path: Path) -> Chat:
    return Chat(library_from_text(tmp_path, sample=VALID))


def test_first_answer_carries_do_now_and_first_question(chat: Chat) -> None:
    reply = chat.say("er is een voorbeeldwoord gebeurd")
    assert reply.text == "Voorbeeld"
    assert "**112**" in reply.sections[0].text and reply.sections[0].tone is Tone.DANGER  # acute danger first
    assert reply.sections[1].title == "Doe nu" and reply.sections[1].tone is Tone.WARNING
    assert "Doe dit nu." in reply.sections[1].text
    assert "Jonger dan 18?" in body(reply)
    assert [b.label for b in reply.choices] == ["Ja", "Nee"]
    assert not reply.replace


def test_answers_filter_the_steps(chat: Chat) -> None:
    chat.say("voorbeeldwoord")
    reply = chat.press("Ja")
    assert reply.replace and "Verspreid?" in body(reply)
    reply = chat.press("Veel")
    assert "Stappen die passen bij jouw antwoorden" in reply.text
    titles = [s.title.split(" · ")[0] for s in reply.sections]
    assert "1. Altijd" in titles and "2. Veel" in titles

    chat.press("Opnieuw")
    reply = chat.press("Nee")  # the conditional question is skipped
    titles = [s.title.split(" · ")[0] for s in reply.sections]
    assert "1. Altijd" in titles and not any("Veel" in t for t in titles)


def test_do_now_is_on_every_screen_and_folded_after_the_first(chat: Chat) -> None:
    replies = [chat.say("voorbeeldwoord"), chat.press("Ja"), chat.press("Weinig")]
    # In full on the first screen; folded to its title later, one tap ("Meer") away (issue #15).
    assert [next(s.collapsed for s in r.sections if s.title == "Doe nu") for r in replies] == [False, True, True]
    assert all(next(s.more for s in r.sections if s.title == "Doe nu") for r in replies[1:])
    # A compact 112 line leads every screen of the flow, once (issue 10, research A.4 rule 2).
    assert [("112" in r.sections[0].text) for r in replies] == [True, True, True]
    assert all(sum(s.text.count("112") for s in r.sections) == 1 for r in replies)


def test_button_pressed_twice_acts_once(chat: Chat) -> None:
    chat.say("voorbeeldwoord")
    yes = chat.last_interactive().choices[0].payload
    first = chat.press_payload(yes)
    state_after_first = chat.state
    second = chat.press_payload(yes)
    assert not first.ephemeral and second.ephemeral
    assert "eerder bericht" in second.text
    assert chat.state == state_after_first


def test_button_from_an_old_message_is_refused(chat: Chat) -> None:
    chat.say("voorbeeldwoord")
    old_menu = chat.command("menu").choices[0].payload
    chat.press("Voorbeeld")
    chat.press("Ja")
    before = chat.state
    assert chat.press_payload(old_menu).ephemeral
    assert chat.state == before


@pytest.mark.parametrize("payload", ["", "hello", "pw1:x:ans:minor=yes", "pw1:1:rm-rf", "pw2:1:menu", "pw1:-1:menu"])
def test_forged_payloads_are_refused_politely(chat: Chat, payload: str) -> None:
    chat.say("voorbeeldwoord")
    before = chat.state
    reply = chat.press_payload(payload)
    assert reply.ephemeral and chat.state == before


def test_answer_for_a_question_that_is_not_pending_is_refused(chat: Chat) -> None:
    chat.say("voorbeeldwoord")
    forged = f"pw1:{chat.state.version}:ans:spread=many"
    assert chat.press_payload(forged).ephemeral
    assert chat.state.answers == {}


def test_back_undoes_the_last_answer(chat: Chat) -> None:
    chat.say("voorbeeldwoord")
    chat.press("Ja")
    chat.press("Veel")
    reply = chat.press("← Terug")
    assert "Verspreid?" in body(reply) and chat.state.answers == {"minor": "yes"}
    reply = chat.press("← Terug")
    assert "Jonger dan 18?" in body(reply) and chat.state.answers == {}


def test_language_switch_keeps_the_place(chat: Chat) -> None:
    chat.say("voorbeeldwoord")
    chat.press("Ja")
    reply = chat.press("English")
    assert reply.replace and reply.lang == "en"
    assert "Spread?" in body(reply) and [b.label for b in reply.choices] == ["Few", "Many"]
    reply = chat.press("Nederlands")
    assert "Verspreid?" in body(reply)


def test_typed_language_command(chat: Chat) -> None:
    reply = chat.say("English")
    assert reply.lang == "en" and "English from now on" in body(reply)


def test_english_question_gets_an_english_answer(chat: Chat) -> None:
    reply = chat.say("what should I do about this sampleword")
    assert reply.lang == "en" and reply.text == "Sample"


def test_all_steps_shows_every_step_with_its_condition(chat: Chat) -> None:
    chat.say("voorbeeldwoord")
    reply = chat.press("Alle stappen")
    assert chat.state.view is View.ALL_STEPS
    text = "\n".join(s.footnote for s in reply.sections)
    assert "Geldt altijd" in text
    assert "Alleen als: Jonger dan 18? → Ja; Verspreid? → Veel" in text
    reply = chat.press("← Terug")  # back to the pending question
    assert "Jonger dan 18?" in body(reply)


def test_not_understood_offers_the_menu_never_a_dead_end(chat: Chat) -> None:
    reply = chat.say("hoe laat begint het eerste lesuur morgen")
    assert reply.choices and reply.choices[0].label == "Voorbeeld"
    assert "herken ik niet" in body(reply)


def test_menu_and_restart_commands(chat: Chat) -> None:
    chat.say("voorbeeldwoord")
    chat.press("Ja")
    assert "Waar gaat het over?" in chat.say("menu").text
    assert chat.state.playbook is None
    chat.press("Voorbeeld")
    chat.press("Ja")
    reply = chat.say("opnieuw")
    assert "Jonger dan 18?" in body(reply) and chat.state.answers == {}


def test_resume_shows_where_the_user_is_without_changing_state(chat: Chat) -> None:
    chat.say("voorbeeldwoord")
    chat.press("Ja")
    before = chat.state
    reply = chat.command("resume")
    assert "Verspreid?" in body(reply) and chat.state == before


def test_steps_show_role_and_escalation_but_no_inventory_ids(chat: Chat) -> None:
    chat.say("voorbeeldwoord")
    chat.press("Ja")
    reply = chat.press("Veel")
    wide = next(s for s in reply.sections if s.title.startswith("2. Veel"))
    # One line per step, what and who; the details folded behind "Meer" (issue #15).
    assert wide.title == "2. Veel · Vertrouwenspersoon / anti-pestcoördinator, Directie (schoolleiding)"
    assert wide.collapsed and wide.more is not None and wide.more.label == "Meer"
    assert "**Direct melden bij:** Directie (schoolleiding)" in wide.text
    # Inventory ids are for reviewers (show, the coordinator's card), not a teacher's screen.
    assert "S-137" not in wide.footnote and "S-137" not in wide.text


def test_question_numbering_counts_conditional_questions_until_ruled_out(chat: Chat) -> None:
    reply = chat.say("voorbeeldwoord")
    assert any(s.title == "Vraag 1 van 2" for s in reply.sections)
    reply = chat.press("Ja")
    assert any(s.title == "Vraag 2 van 2" for s in reply.sections)
