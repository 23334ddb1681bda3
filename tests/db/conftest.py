"""PostgreSQL fixtures: a private schema per test on a real server, or a clear skip.

The DSN comes from TEST_DATABASE_URL (default: the local server CI has). When
REQUIRE_POSTGRES is set (CI does), an unreachable server fails instead of skipping,
so the suite cannot go silently green.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.store.db import create_schema
from tests.conftest import postgres_unreachable

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


@contextlib.asynccontextmanager
async def private_schema(*, migrated: bool = True) -> AsyncIterator[AsyncEngine]:
    """An engine whose tables live in a fresh schema of their own (dropped afterwards)."""
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL)
    schema = f"pw_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url)
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except (OSError, SQLAlchemyError) as exc:
        await admin.dispose()
        postgres_unreachable(url, exc)
    engine = create_async_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        if migrated:
            await create_schema(engine)
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def pg_engine() -> AsyncIterator[AsyncEngine]:
    async with private_schema() as engine:
        yield engine
