"""Database engine and schema.

SQLite (aiosqlite) is the embedded default; ``postgresql+asyncpg://`` URLs work the
same way. The schema is made and upgraded by migrations (:mod:`bot.store.migrate`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL syncs at checkpoints instead of at every commit: a crash of the process
    # loses nothing, a power cut at most the last moments (SQLite is for trying the bot and small
    # schools; production runs on PostgreSQL).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> AsyncEngine:
    """Create the async engine; for a SQLite file, also create its directory.

    ``hide_parameters``: a database error logged with its statement must not carry the
    values, which include what a teacher typed into the report form.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, hide_parameters=True)
    _ping_when_idle(engine)
    return engine


#: Connections kept open per process, and opened beyond that under a burst (closed again after
#: it). With the conversation store's own 10 (bot/store/direct.py), two replicas open at most 60,
#: inside PostgreSQL's default of 100 connections.
POOL_SIZE, POOL_OVERFLOW = 10, 10
#: A pooled connection unused for longer than this is pinged before it is handed out.
IDLE_PING_SECONDS = 10.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Check a pooled connection only when it sat idle: SQLAlchemy's ``pool_pre_ping`` pings on
    every checkout, a round trip before each statement that was a fifth of a button press's CPU.
    A connection in steady use was just proven alive; one that waited (overnight, across a
    PostgreSQL restart) is pinged, and a dead one is replaced before anyone sees an error."""
    sync_engine = engine.sync_engine

    def stamp(_dbapi: DBAPIConnection, record: ConnectionPoolEntry, *_: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def check(dbapi: DBAPIConnection, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since", 0.0)
        if time.monotonic() - idle_since <= IDLE_PING_SECONDS:
            return
        try:
            alive = sync_engine.dialect.do_ping(dbapi)
        except Exception as error:  # the driver's own error for a closed connection
            raise exc.DisconnectionError("idle connection did not answer") from error
        if not alive:
            raise exc.DisconnectionError("idle connection did not answer")

    event.listen(sync_engine, "connect", stamp)
    event.listen(sync_engine, "checkin", stamp)
    event.listen(sync_engine, "checkout", check)


async def create_schema(engine: AsyncEngine) -> None:
    """Bring the database to the newest schema with the migrations (:mod:`bot.store.migrate`):
    a new database gets every table, an older one its revisions, with its records kept."""
    from bot.store.migrate import migrate

    await migrate(engine)


def upsert_insert(session: AsyncSession) -> Callable[..., Any]:
    """The dialect's ``insert`` that supports ``on_conflict_do_*`` (PostgreSQL or SQLite)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def session_factory(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    return async_sessionmaker(engine, expire_on_commit=False)
