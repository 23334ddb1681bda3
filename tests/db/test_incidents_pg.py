"""Incident numbers on a real PostgreSQL: two replicas opening at once never collide."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.events import UserRef
from bot.incidents.service import IncidentService, ReportForm
from bot.store.db import session_factory
from tests.unit.conversation.helpers import library_from_text
from tests.unit.playbooks.sample import VALID

pytestmark = pytest.mark.postgres


async def test_two_replicas_hand_out_distinct_numbers(pg_engine: AsyncEngine, tmp_path: Path) -> None:
    library = library_from_text(tmp_path, sample=VALID)
    other = create_async_engine(pg_engine.url, connect_args={"server_settings": {
        "search_path": (await _search_path(pg_engine))}})
    try:
        replicas = [IncidentService(session_factory(engine), library) for engine in (pg_engine, other)]
        opened = await asyncio.gather(*(
            replicas[i % 2].open(playbook_id="sample", answers={}, reporter=UserRef("web", "t"),
                                 form=ReportForm(f"melding {i}"))
            for i in range(20)
        ))
    finally:
        await other.dispose()
    numbers = [incident.number for incident in opened]
    assert len(set(numbers)) == 20
    assert sorted(int(n.split("-")[1]) for n in numbers) == list(range(1, 21))


async def _search_path(engine: AsyncEngine) -> str:
    from sqlalchemy import text

    async with engine.connect() as connection:
        return str((await connection.execute(text("SHOW search_path"))).scalar_one())
