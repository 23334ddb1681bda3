"""Database engine and schema creation.

SQLite (aiosqlite) is the embedded default; ``postgresql+asyncpg://`` URLs work the
same way. Tables are created on start; the schema is small and additive so far.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from bot.store.models import Base


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
    return create_async_engine(url, pool_pre_ping=True, hide_parameters=True)


async def create_schema(engine: AsyncEngine) -> None:
    import bot.incidents.models  # noqa: F401  (registers the incident tables on Base.metadata)
    import bot.notify.escalation  # noqa: F401  (registers the escalation timers)
    import bot.notify.outbox  # noqa: F401  (registers the outbox table)

    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        missing = await connection.run_sync(_missing_columns)
    if missing:
        raise SchemaOutdated(missing)


class SchemaOutdated(RuntimeError):
    """The database was created by an older version: tables lack columns this one needs.

    Until migrations exist (Alembic, planned before the first production release) the
    answer is a clear message instead of a failure in the middle of an incident.
    """

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            "the database was created by an older version of Protocolwijzer and lacks "
            f"{', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}. For the local simulator, delete the "
            "database file (default ./data/protocolwijzer.db) and start again.")
        self.missing = missing


def _missing_columns(connection: Connection) -> list[str]:
    inspector = inspect(connection)
    missing = []
    for table in Base.metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing += [f"{table.name}.{column.name}" for column in table.columns if column.name not in present]
    return missing


def upsert_insert(session: AsyncSession) -> Callable[..., Any]:
    """The dialect's ``insert`` that supports ``on_conflict_do_*`` (PostgreSQL or SQLite)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def session_factory(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    return async_sessionmaker(engine, expire_on_commit=False)
