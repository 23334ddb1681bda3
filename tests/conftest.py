"""Shared fixtures: paths to the repository's playbooks and a tiny valid playbook."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.playbooks.library import PlaybookLibrary
from bot.store.db import create_schema, make_engine

REPO = Path(__file__).resolve().parent.parent
PLAYBOOKS = REPO / "playbooks"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def repo_playbooks() -> Path:
    return PLAYBOOKS


class Clock:
    """A controllable clock for code that takes ``clock=``: set or advance ``now``."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 18, 10, 0, tzinfo=UTC)  # a Wednesday morning

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def sample_library(tmp_path: Path) -> PlaybookLibrary:
    """A library with the small sample playbook of the lint tests."""
    from tests.unit.conversation.helpers import library_from_text
    from tests.unit.playbooks.sample import VALID

    folder = tmp_path / "playbooks"
    folder.mkdir()
    return library_from_text(folder, sample=VALID)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A fresh SQLite database with the whole schema."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/test.db")
    await create_schema(engine)
    yield engine
    await engine.dispose()


def postgres_unreachable(url: str, exc: BaseException) -> None:
    """Skip a test whose PostgreSQL server is not there, or fail it where the server is required
    (CI sets REQUIRE_POSTGRES, so the suite cannot go silently green)."""
    import os

    if os.environ.get("REQUIRE_POSTGRES"):
        pytest.fail(f"PostgreSQL required but not reachable at {url}: {exc}")
    pytest.skip(f"PostgreSQL not reachable at {url}: {exc}")
