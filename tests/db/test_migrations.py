"""Migrations on SQLite and PostgreSQL: they make exactly the tables the models declare, a
database at the first revision with incidents, outbox rows and timers in it upgrades to head
with nothing lost, the last revision goes down and up again, a database made before migrations
is adopted, and two replicas migrating at once take turns."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.store.db import make_engine
from bot.store.migrate import FIRST, current, head, migrate
from tests.db.conftest import private_schema
from tests.db.revisions import all_metadata
from tests.scenario.school import open_school
from tests.scenario.test_incident_rules import FORM, NUDE, NUDE_ANSWERS


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated database: a SQLite file, or a private schema on the PostgreSQL server."""
    if request.param == "sqlite":
        made = make_engine(f"sqlite+aiosqlite:///{tmp_path}/migrations.db")
        await migrate(made)
        yield made
        await made.dispose()
    else:
        async with private_schema() as made:
            yield made


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, all_metadata()))


async def rows(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    def read(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
        tables = [t for t in inspect(connection).get_table_names() if t not in ("alembic_version", "slack_sent")]
        return {t: sorted(map(tuple, connection.execute(text(f'SELECT * FROM "{t}"'))), key=repr) for t in tables}

    async with engine.connect() as connection:
        return await connection.run_sync(read)


async def test_the_migrations_make_exactly_the_tables_the_models_declare(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []
    assert await current(engine) == head()


async def test_a_school_at_the_first_revision_upgrades_with_every_record_kept(engine: AsyncEngine,
                                                                              tmp_path: Path) -> None:
    school = await open_school(tmp_path, db=engine)
    try:
        await school.report("teacher", NUDE, NUDE_ANSWERS, FORM)
        await school.work()
        before = await rows(engine)
        assert before["incidents"] and before["outbox"] and before["escalations"] and before["conversations"]
        # The last revision goes down (its table with it) and the records of the first stay ...
        assert await migrate(engine, FIRST, down=True) == FIRST
        async with engine.connect() as connection:
            assert "slack_sent" not in await connection.run_sync(lambda c: inspect(c).get_table_names())
        assert await rows(engine) == before
        # ... and up again to head: nothing lost, and the bot goes on where it was.
        assert await migrate(engine) == head()
        assert await rows(engine) == before
        await school.later(minutes=16)
        assert school.platform.to("board1"), "the escalation timer from before the upgrade fires"
    finally:
        await school.core.close()


async def test_a_database_made_before_migrations_is_adopted(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/before.db"
    made = make_engine(url)
    first = MetaData()
    for table in all_metadata().sorted_tables:
        if table.name != "slack_sent":  # what create_all made before revision 0002 existed
            table.to_metadata(first)
    async with made.begin() as connection:
        await connection.run_sync(first.create_all)
        await connection.execute(text("INSERT INTO incident_counters (year, last) VALUES (2026, 41)"))
    assert await current(made) is None
    assert await migrate(made) == head()
    async with made.connect() as connection:
        assert (await connection.execute(text("SELECT last FROM incident_counters"))).scalar_one() == 41
        assert await connection.run_sync(differences) == []
    await made.dispose()


async def test_two_replicas_starting_together_take_turns() -> None:
    """Both migrate a fresh schema at once: the advisory lock lets one work and the other find
    nothing left to do (without it, both would create the same tables)."""
    async with private_schema(migrated=False) as first:
        second = create_async_engine(first.url.render_as_string(hide_password=False),
                                     connect_args={"server_settings": {"search_path": await search_path(first)}})
        try:
            assert await asyncio.gather(migrate(first), migrate(second)) == [head(), head()]
            async with first.connect() as connection:
                assert await connection.run_sync(differences) == []
        finally:
            await second.dispose()


async def search_path(engine: AsyncEngine) -> str:
    async with engine.connect() as connection:
        return str((await connection.execute(text("SHOW search_path"))).scalar_one()).strip('"')
