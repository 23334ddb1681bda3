"""Escalation timers on a real PostgreSQL: two replicas, each escalation fires once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.incidents.models import IncidentRow
from bot.notify.escalation import EscalationService, parse_window
from bot.notify.outbox import OutboxRow
from bot.store.db import session_factory
from tests.conftest import Clock
from tests.unit.notify.test_escalation import DIRECTORY

pytestmark = pytest.mark.postgres


async def test_two_replicas_fire_each_escalation_once(pg_engine: AsyncEngine) -> None:
    async with pg_engine.connect() as connection:
        search_path = str((await connection.execute(text("SHOW search_path"))).scalar_one())
    other = create_async_engine(pg_engine.url, connect_args={"server_settings": {"search_path": search_path}})
    clock = Clock(datetime(2026, 11, 18, 10, 0, tzinfo=UTC))
    try:
        first = EscalationService(session_factory(pg_engine), DIRECTORY, clock=clock)
        async with session_factory(pg_engine)() as session, session.begin():
            for n in range(10):
                incident = IncidentRow(number=f"2026-{n:04d}", playbook="cyberpesten", answers={},
                                       reporter_platform="web", reporter_id="teacher", excluded=[])
                session.add(incident)
                await session.flush()
                await first.start(session, incident=incident, roles=["vertrouwenspersoon"],
                                  window=parse_window("15m"), urgent=True)
        clock.now += timedelta(minutes=20)
        replicas = [EscalationService(session_factory(e), DIRECTORY, clock=clock)
                    for e in (pg_engine, other)]
        fired = sum(await asyncio.gather(*(r.fire_due() for r in replicas)))
        fired += sum(await asyncio.gather(*(r.fire_due() for r in replicas)))
        async with session_factory(pg_engine)() as session:
            to_directie = (await session.execute(
                select(OutboxRow.key).where(OutboxRow.key.like("%:escalation:1:dir1")))).scalars().all()
    finally:
        await other.dispose()
    assert fired == 10
    assert len(to_directie) == 10
