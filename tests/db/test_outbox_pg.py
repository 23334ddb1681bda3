"""The outbox on a real PostgreSQL: two replicas deliver every message exactly once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.notify.outbox import OutboxMessage, OutboxWorker, enqueue
from bot.store.db import session_factory

pytestmark = pytest.mark.postgres


async def test_two_replicas_deliver_each_message_once(pg_engine: AsyncEngine) -> None:
    async with pg_engine.connect() as connection:
        search_path = str((await connection.execute(text("SHOW search_path"))).scalar_one())
    other = create_async_engine(pg_engine.url, connect_args={"server_settings": {"search_path": search_path}})
    delivered: list[str] = []

    async def deliver(message: OutboxMessage) -> None:
        await asyncio.sleep(0.001)
        delivered.append(message.key)

    try:
        async with session_factory(pg_engine)() as session, session.begin():
            for i in range(60):
                await enqueue(session, key=f"k{i}", kind="dm", target={"id": "u"}, payload={})
        workers = [OutboxWorker(session_factory(engine), deliver, batch=5) for engine in (pg_engine, other)]
        for _ in range(20):
            await asyncio.gather(*(worker.run_once() for worker in workers))
    finally:
        await other.dispose()
    assert sorted(delivered) == sorted(f"k{i}" for i in range(60))
