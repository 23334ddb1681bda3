"""Conversation state on a real PostgreSQL: two replicas, one conversation."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.conversation.state import ConversationState, View
from bot.errors import StoreConflict
from bot.store.conversations import ConversationStore
from bot.store.db import session_factory

pytestmark = pytest.mark.postgres


async def test_state_round_trips(pg_engine: AsyncEngine) -> None:
    store = ConversationStore(session_factory(pg_engine))
    state = ConversationState(lang="en", view=View.QUESTION, playbook="cyberpesten",
                              answers={"threat": "no", "images": "none"}, version=3)
    await store.save("web:sim:u1", state, expected=None)
    loaded = await store.load("web:sim:u1")
    assert loaded == state and list(loaded.answers) == ["threat", "images"]


async def test_two_replicas_cannot_both_apply_the_same_step(pg_engine: AsyncEngine) -> None:
    replica_a = ConversationStore(session_factory(pg_engine))
    replica_b = ConversationStore(session_factory(pg_engine))
    start = ConversationState(version=1)
    await replica_a.save("k", start, expected=None)

    both_read = asyncio.Barrier(2)

    async def advance(store: ConversationStore, option: str) -> str:
        seen = await store.load("k")
        assert seen is not None
        await both_read.wait()  # both replicas hold the same version before either saves
        try:
            await store.save("k", seen.evolve(answers={"q": option}, version=seen.version + 1), expected=seen)
            return "saved"
        except StoreConflict:
            return "conflict"

    results = await asyncio.gather(advance(replica_a, "a"), advance(replica_b, "b"))
    assert sorted(results) == ["conflict", "saved"]
    final = await replica_a.load("k")
    assert final is not None and final.version == 2


async def test_first_insert_race_is_a_conflict_not_a_crash(pg_engine: AsyncEngine) -> None:
    store = ConversationStore(session_factory(pg_engine))
    results = await asyncio.gather(
        store.save("new", ConversationState(version=1), expected=None),
        store.save("new", ConversationState(version=1), expected=None),
        return_exceptions=True,
    )
    assert sum(1 for r in results if isinstance(r, StoreConflict)) == 1
    assert sum(1 for r in results if r is None) == 1
