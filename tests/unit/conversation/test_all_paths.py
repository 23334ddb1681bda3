"""Every path through every playbook ends in steps, in both languages.

Two complementary walks: an exhaustive one that presses the buttons for every
complete answer path the playbook allows, and a Hypothesis one that presses any
button (navigation included) in any order and checks nothing ever dead-ends.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.conversation.engine import Engine
from bot.conversation.router import Router
from bot.conversation.state import ConversationState
from bot.events import ButtonPressed, Command
from bot.playbooks import paths
from bot.playbooks.library import PlaybookLibrary, load_library
from tests.conftest import PLAYBOOKS
from tests.unit.conversation.helpers import KEY, USER

LIBRARY, PROBLEMS = load_library(PLAYBOOKS)
ENGINE = Engine(LIBRARY, Router(LIBRARY))
REQUIRED = ("naaktbeeld-sexting", "cyberpesten", "medewerker-grensoverschrijdend")


def test_repository_playbooks_load_without_problems() -> None:
    assert PROBLEMS == []
    assert set(REQUIRED) <= set(LIBRARY.ids())


def _ids(library: PlaybookLibrary) -> list[str]:
    return library.ids() or ["<none>"]


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("playbook_id", _ids(LIBRARY))
def test_every_answer_path_ends_in_steps(playbook_id: str, lang: str) -> None:
    playbook = LIBRARY.get(playbook_id)
    assert playbook is not None
    for answers in paths.all_paths(playbook):
        state = ConversationState(lang=lang)
        decision = ENGINE.decide(state, ButtonPressed(KEY, USER, f"pw1:0:pick:{playbook_id}"))
        for question_id, option_id in answers.items():
            reply = decision.replies[0]
            payload = next(b.payload for b in reply.choices if b.payload.endswith(f":ans:{question_id}={option_id}"))
            decision = ENGINE.decide(decision.state, ButtonPressed(KEY, USER, payload))
        final = decision.replies[0]
        step_sections = [s for s in final.sections if s.collapsed and s.title[:1].isdigit() and " · " in s.title]
        assert step_sections, f"{playbook_id} {answers}: no steps"
        assert len(step_sections) == len(paths.applicable_steps(playbook, answers))
        assert final.lang == lang


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    playbook_index=st.integers(min_value=0, max_value=50),
    presses=st.lists(st.integers(min_value=0, max_value=20), max_size=25),
    lang=st.sampled_from(["nl", "en"]),
)
def test_random_button_sequences_never_dead_end(playbook_index: int, presses: list[int], lang: str) -> None:
    ids = LIBRARY.ids()
    state = ConversationState(lang=lang)
    decision = ENGINE.decide(state, ButtonPressed(KEY, USER, f"pw1:0:pick:{ids[playbook_index % len(ids)]}"))
    for press in presses:
        reply = decision.replies[0]
        buttons = reply.all_buttons()
        assert buttons, f"dead end: {reply.text}"
        decision = ENGINE.decide(decision.state, ButtonPressed(KEY, USER, buttons[press % len(buttons)].payload))
        assert not decision.replies[0].ephemeral, "a fresh button was treated as stale"
    # Wherever we ended, the user can always carry on.
    final = ENGINE.decide(decision.state, Command(KEY, USER, "resume")).replies[0]
    assert final.all_buttons()
