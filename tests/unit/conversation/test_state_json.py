"""The stored form of a conversation: every field survives the trip through JSON, and the JSON
shares nothing mutable with the state it came from."""

from __future__ import annotations

import json
from dataclasses import fields

from bot.conversation.state import ConversationState, View


def _every_field_set() -> ConversationState:
    state = ConversationState(lang="en", jurisdiction="vl", view=View.STEPS, playbook="cyberpesten",
                              answers={"acute": "nee", "target": "leerling"}, suggestions=("a", "b"), version=7,
                              sexual_hint=True, name_warned=True, reported="2026-0042")
    defaults = ConversationState()
    unset = [f.name for f in fields(state) if getattr(state, f.name) == getattr(defaults, f.name)]
    assert unset == [], f"set these fields too, so the round trip covers them: {unset}"
    return state


def test_every_field_survives_the_round_trip() -> None:
    state = _every_field_set()
    assert ConversationState.from_json(json.loads(json.dumps(state.to_json()))) == state


def test_the_json_is_a_copy() -> None:
    state = _every_field_set()
    data = state.to_json()
    data["answers"]["acute"] = "ja"
    assert state.answers["acute"] == "nee"
    assert data["view"] == "steps" and data["suggestions"] == ["a", "b"]
