"""The production engine on PostgreSQL: a pooled connection that died while idle (a database
restart, a proxy's idle timeout) is replaced before anyone uses it, without a ping on every
checkout (``bot.store.db._ping_when_idle``); and the background workers take a dropped connection
as a restart, not as an error, unless drops keep coming."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from logging import LogRecord

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.notify.workers import Workers
from bot.playbooks.library import PlaybookLibrary
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


@contextlib.asynccontextmanager
async def _workers(library: PlaybookLibrary, **server_settings: str) -> AsyncIterator[tuple[Workers, AsyncEngine]]:
    """The background workers, ticking every 50 ms, on an engine with one connection (so the test
    knows which one to kill) to a migrated schema of their own, with these server settings."""
    from bot.notify.delivery import Delivery
    from bot.notify.escalation import EscalationService
    from bot.notify.outbox import OutboxWorker
    from bot.store.db import session_factory
    from tests.conftest import Clock
    from tests.db.conftest import private_schema
    from tests.unit.notify.test_escalation import DIRECTORY

    async with private_schema() as migrated:
        async with migrated.connect() as connection:
            schema = (await connection.execute(text("SELECT current_schema()"))).scalar_one()
        engine = create_async_engine(URL, pool_size=1, max_overflow=0, connect_args={"server_settings": {
            "search_path": schema, **server_settings}})
        try:
            sessions = session_factory(engine)
            clock = Clock()
            escalation = EscalationService(sessions, DIRECTORY, clock=clock)
            delivery = Delivery({}, sessions, library, DIRECTORY, escalation)
            yield Workers(OutboxWorker(sessions, delivery, clock=clock), escalation, interval=0.05), engine
        finally:
            await engine.dispose()


async def _log_of_the_loop(workers: Workers, seconds: float, caplog: pytest.LogCaptureFixture) -> list[LogRecord]:
    caplog.set_level(logging.INFO, logger="bot.notify.workers")
    loop = asyncio.create_task(workers._loop())
    await asyncio.sleep(seconds)
    loop.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await loop
    return [r for r in caplog.records if r.name == "bot.notify.workers"]


async def test_a_background_round_on_a_dropped_connection_is_one_warning_and_the_next_round_works(
    sample_library: PlaybookLibrary, caplog: pytest.LogCaptureFixture,
) -> None:
    """PostgreSQL restarted between two rounds of the workers: the round that meets the dead
    connection logs one line without a traceback (an operator's restart is no error of ours),
    and the next round, on a new connection, works."""
    async with _workers(sample_library) as (workers, engine):
        await workers.run_once()
        await _kill(await _pid(engine))
        records = await _log_of_the_loop(workers, 0.5, caplog)
        assert [r.levelname for r in records] == ["WARNING"], [r.getMessage() for r in records]
        assert "dropped" in records[0].getMessage() and records[0].exc_info is None
        assert await workers.run_once() == 0


async def test_connections_that_keep_being_dropped_are_an_error(
    sample_library: PlaybookLibrary, caplog: pytest.LogCaptureFixture,
) -> None:
    """A server that closes every connection idle for 20 ms (``idle_session_timeout``) while the
    workers tick every 50 ms: the first drop is a warning, the drops that keep coming are errors
    (a restart happens once; this needs the operator)."""
    async with _workers(sample_library, idle_session_timeout="20") as (workers, _engine):
        levels = [r.levelname for r in await _log_of_the_loop(workers, 1.0, caplog)]
        assert levels[:1] == ["WARNING"] and "ERROR" in levels[1:], levels
