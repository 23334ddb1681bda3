"""The production engine on PostgreSQL: a pooled connection that died while idle (a database
restart, a proxy's idle timeout) is replaced before anyone uses it, without a ping on every
checkout (``bot.store.db._ping_when_idle``)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.store import db
from tests.conftest import postgres_unreachable
from tests.db.conftest import DEFAULT_PG_URL

URL = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL)


async def _pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _kill(pid: int) -> None:
    admin = create_async_engine(URL)
    try:
        async with admin.begin() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    finally:
        await admin.dispose()


@pytest.fixture
async def engine():
    made = db.make_engine(URL)
    try:
        await _pid(made)
    except (OSError, SQLAlchemyError) as exc:
        await made.dispose()
        postgres_unreachable(URL, exc)
    yield made
    await made.dispose()


async def test_a_connection_killed_while_idle_is_replaced_unseen(engine, monkeypatch) -> None:
    first = await _pid(engine)
    await _kill(first)
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # it has waited "long enough"
    second = await _pid(engine)
    assert second != first


async def test_a_connection_in_steady_use_is_not_pinged(engine, monkeypatch) -> None:
    """Within the idle window the pool hands the connection out as it is: the dead one
    fails once (and the pool is renewed), which is what shows that no ping ran."""
    first = await _pid(engine)
    await _kill(first)
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 3600.0)
    with pytest.raises(DBAPIError):
        await _pid(engine)
    assert await _pid(engine) != first
