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


async def test_the_store_uses_its_own_asyncpg_pool_and_agrees_with_sqlalchemy(pg_engine: AsyncEngine) -> None:
    """On PostgreSQL the conversation statements go through bot/store/direct.py: what it writes,
    SQLAlchemy reads as the same JSON, and the other way round (one table, one definition)."""
    from sqlalchemy import select

    from bot.store.conversations import TABLE

    store = ConversationStore(session_factory(pg_engine))
    assert store._direct is not None
    state = ConversationState(lang="en", view=View.STEPS, playbook="roddelaccount", answers={"q": "ja"}, version=2)
    await store.save("direct", state, expected=None)
    async with pg_engine.connect() as connection:
        row = (await connection.execute(select(TABLE.c.state, TABLE.c.version).where(TABLE.c.key == "direct"))).one()
    assert ConversationState.from_json(row.state) == state and row.version == 2
    async with pg_engine.begin() as connection:
        await connection.execute(TABLE.update().where(TABLE.c.key == "direct")
                                 .values(state=state.evolve(answers={"q": "nee"}).to_json(), version=3))
    loaded = await store.load("direct")
    assert loaded is not None and loaded.answers == {"q": "nee"}
    with pytest.raises(StoreConflict):
        await store.save("direct", state.evolve(version=3), expected=state)  # version 2 is gone
    await store.close()


@pytest.mark.parametrize("first", ["load", "save"])
@pytest.mark.parametrize("wait", [0.2, 0.0])
async def test_a_dropped_connection_costs_no_answer(pg_engine: AsyncEngine, wait: float, first: str) -> None:
    """PostgreSQL restarted or an idle timeout closed the store's connection: the next statement
    is tried again on a new connection, and the teacher sees nothing of it. With no wait the
    server's notice arrives as the statement starts (asyncpg's InternalClientError; found by
    killing the backends under a real ``serve``)."""
    from sqlalchemy import text

    store = ConversationStore(session_factory(pg_engine))
    assert store._direct is not None
    await store.save("dropped", ConversationState(version=1), expected=None)
    pid = await store._direct.fetchval("SELECT pg_backend_pid()")
    async with pg_engine.connect() as connection:
        assert (await connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})).scalar()
    await asyncio.sleep(wait)
    state = ConversationState(version=1)
    if first == "save":
        await store.save("dropped", state.evolve(version=2), expected=state)
        state = state.evolve(version=2)
    loaded = await store.load("dropped")
    assert loaded is not None and loaded.version == state.version
    await store.save("dropped", loaded.evolve(version=loaded.version + 1), expected=loaded)
    assert await store._direct.fetchval("SELECT pg_backend_pid()") != pid
    await store.close()


async def test_disposing_of_the_engine_closes_the_store_s_connections(pg_engine: AsyncEngine) -> None:
    from sqlalchemy import text

    store = ConversationStore(session_factory(pg_engine))
    assert store._direct is not None
    await store.save("closing", ConversationState(version=1), expected=None)
    pid = await store._direct.fetchval("SELECT pg_backend_pid()")
    await pg_engine.dispose()
    async with pg_engine.connect() as connection:  # the engine opens new connections after dispose
        alive = (await connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"),
                                          {"p": pid})).scalar()
    assert alive == 0
