"""Schema migrations with Alembic: upgrade a school's database in place, keeping its records.

Why: the first upgrade of a running school must not cost its incident records. Every change
to the tables is a revision in ``bot/store/migrations/versions``; ``protocolwijzer migrate``
applies them, and so does ``serve`` at start. Two replicas starting together take turns: on
PostgreSQL the upgrade runs under a transaction-scoped advisory lock, so the second waits and
then finds nothing left to do (SQLite serves one process).

A database made before migrations existed (by ``create_all``) with the tables of the first
revision is adopted: stamped at that revision, then upgraded. One that lacks columns of the
first revision was made by a development version; it is refused with a clear message.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, create_engine, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The revision that is the schema as it was before migrations existed.
FIRST = "0001"
#: ``pg_advisory_xact_lock`` key: "PW" and 1.
LOCK = 0x5057_0001


def alembic_config(connection: Connection | None = None, metadata: MetaData | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["metadata"] = metadata
    return config


def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


async def migrate(engine: AsyncEngine, revision: str = "head", *, down: bool = False) -> str:
    """Upgrade the schema to ``revision`` (or, with ``down``, downgrade to it); returns the
    revision the database is at now."""
    async with engine.begin() as connection:
        return await connection.run_sync(_migrate, revision, down)


async def current(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


def _migrate(connection: Connection, revision: str, down: bool) -> str:
    if connection.dialect.name == "postgresql":  # replicas starting together take turns
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK})
    config = alembic_config(connection)
    before = MigrationContext.configure(connection).get_current_revision()
    if before is None and _made_before_migrations(connection):
        command.stamp(config, FIRST)
        log.info("adopted a database made before migrations at revision %s", FIRST)
    (command.downgrade if down else command.upgrade)(config, revision)
    after = MigrationContext.configure(connection).get_current_revision() or ""
    if after != before:
        log.info("database schema at revision %s (was %s)", after, before or "empty")
    return after


def _made_before_migrations(connection: Connection) -> bool:
    """Tables made by ``create_all`` before migrations existed: adopted when they have every
    column of the first revision, else the database is refused."""
    present = inspect(connection)
    tables = set(present.get_table_names())
    if not tables & {"incidents", "conversations", "outbox"}:
        return False
    expected = _first_revision_columns()
    missing = []
    for table, columns in expected.items():
        if table in tables:
            have = {c["name"] for c in present.get_columns(table)}
            missing += [f"{table}.{column}" for column in columns if column not in have]
    if missing:
        raise SchemaOutdated(missing)
    return True


def _first_revision_columns() -> dict[str, list[str]]:
    """Every table's columns at :data:`FIRST`, read from the revision itself (run on a scratch
    in-memory database), so that later revisions never change what "made before" means."""
    scratch = create_engine("sqlite://")
    try:
        with scratch.begin() as connection:
            command.upgrade(alembic_config(connection), FIRST)
            found = inspect(connection)
            return {table: [c["name"] for c in found.get_columns(table)] for table in found.get_table_names()
                    if table != "alembic_version"}
    finally:
        scratch.dispose()


class SchemaOutdated(RuntimeError):
    """A database made by a development version before migrations existed, lacking columns of
    the first revision: it cannot be upgraded in place."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            "the database was made by a development version of Protocolwijzer from before migrations and lacks "
            f"{', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}. Export what you need with that version "
            "(protocolwijzer export), then start with a new database (for the simulator: delete "
            "./data/protocolwijzer.db).")
        self.missing = missing
