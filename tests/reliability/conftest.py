"""Fixtures of the reliability suite: the fake Slack with the school's people, the school file,
a fresh database (SQLite, or a PostgreSQL database of its own), and ``serve`` to start real
processes that are killed at the end of the test whatever happened.

PostgreSQL: ``TEST_DATABASE_URL`` names the server (default the local one CI has); each test
gets ``CREATE DATABASE pw_rel_<hex>``, dropped ``WITH (FORCE)`` afterwards. Unreachable: the
test is skipped, or fails when ``REQUIRE_POSTGRES`` is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from tests.adapters.slack.world import BOARD, DIRECTIE, MENTOR, TEACHER, TEAM_CHANNEL, VP, ZORG
from tests.conftest import postgres_unreachable
from tests.fakes.slack_api import FakeSlack
from tests.reliability.served import Served, write_school

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
#: Someone in the workspace who holds no role in school.yaml.
OUTSIDER = "UOUTSID1"
PEOPLE = {TEACHER: "leraar", VP: "jdevries", ZORG: "mbakker", DIRECTIE: "ajansen", BOARD: "bestuur",
          MENTOR: "mentor", OUTSIDER: "buitenstaander"}

Serve = Callable[..., Awaitable[Served]]


@pytest.fixture
def school_file(tmp_path: Path) -> Path:
    """The Slack scenario school, open every day from 00:00 to 23:59."""
    return write_school(tmp_path)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as started:
        for user, name in PEOPLE.items():
            started.add_user(user, name)
        started.add_channel(TEAM_CHANNEL, "team", is_private=False, members={VP, ZORG, DIRECTIE, TEACHER})
        yield started


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/reliability.db"


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    server = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL)
    name = f"pw_rel_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except (OSError, SQLAlchemyError) as exc:
        await admin.dispose()
        postgres_unreachable(server, exc)
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture
async def serve(tmp_path: Path, fake: FakeSlack, school_file: Path) -> AsyncIterator[Serve]:
    """``await serve(database_url, name="a", **Served.start options)``: a running process; every
    process started (restarts included) is killed at the end of the test."""
    started: list[Served] = []

    async def start(database_url: str, *, name: str = "a", **options: Any) -> Served:
        options.setdefault("school", school_file)
        return await Served.start(tmp_path, fake, database_url, name=name, registry=started, **options)

    try:
        yield start
    finally:
        for served in started:
            await served.kill()
