"""Escalation until someone takes it, with a controllable clock, on SQLite."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.directory import SchoolDirectory
from bot.events import UserRef
from bot.incidents.models import IncidentRow
from bot.notify.escalation import EscalationService, chain, parse_window, recipients
from bot.notify.outbox import OutboxRow
from bot.store.db import session_factory
from tests.conftest import Clock

DIRECTORY = SchoolDirectory.model_validate({
    "school": "OBS De Regenboog",
    "roles": {
        "vertrouwenspersoon": {"web": ["vp1", "vp2"]},
        "directie": {"web": ["dir1"]},
        "bestuur": {"web": ["board1"]},
    },
    "escalation": ["vertrouwenspersoon", "directie", "bestuur"],
    "working_hours": {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "08:00", "to": "17:00",
                      "tz": "Europe/Amsterdam"},
})


async def open_incident(db: AsyncEngine, service: EscalationService, *, urgent: bool = True,
                        excluded: list[str] | None = None, roles: list[str] | None = None) -> str:
    async with session_factory(db)() as session, session.begin():
        incident = IncidentRow(number="2026-0001", playbook="naaktbeeld-sexting", answers={},
                               reporter_platform="web", reporter_id="teacher", excluded=excluded or [])
        session.add(incident)
        await session.flush()
        await service.start(session, incident=incident, roles=roles or ["vertrouwenspersoon"],
                            window=parse_window("15m"), urgent=urgent)
    return "2026-0001"


async def dms(db: AsyncEngine) -> list[tuple[str, str]]:
    async with session_factory(db)() as session:
        rows = (await session.execute(select(OutboxRow).where(OutboxRow.kind == "dm")
                                      .order_by(OutboxRow.id))).scalars().all()
        return [(row.target["id"], row.payload["template"]) for row in rows]


def test_chain_follows_the_school_order_after_the_steps_roles() -> None:
    assert chain(["vertrouwenspersoon"], DIRECTORY) == [["vertrouwenspersoon"], ["directie"], ["bestuur"]]
    assert chain(["vertrouwenspersoon", "directie"], DIRECTORY) == [["vertrouwenspersoon", "directie"], ["bestuur"]]
    assert chain(["bestuur"], DIRECTORY) == [["bestuur"]]


def test_excluded_people_are_never_recipients() -> None:
    people = recipients(["vertrouwenspersoon", "directie"], DIRECTORY, platform="web", exclude={"vp2"})
    assert [p.user.id for p in people] == ["vp1", "dir1"]


async def test_nobody_acknowledges_so_the_next_role_is_pinged(db: AsyncEngine) -> None:
    clock = Clock(datetime(2026, 11, 18, 10, 0, tzinfo=UTC))  # a Wednesday
    service = EscalationService(session_factory(db), DIRECTORY, clock=clock)
    await open_incident(db, service)
    assert await dms(db) == [("vp1", "escalation"), ("vp2", "escalation")]
    clock.now += timedelta(minutes=14)
    assert await service.fire_due() == 0
    clock.now += timedelta(minutes=2)
    assert await service.fire_due() == 1
    assert await dms(db) == [("vp1", "escalation"), ("vp2", "escalation"), ("dir1", "escalation")]
    clock.now += timedelta(minutes=16)
    assert await service.fire_due() == 1
    clock.now += timedelta(minutes=16)
    assert await service.fire_due() == 1  # end of the chain: the reporter is told
    assert (await dms(db))[-2:] == [("board1", "escalation"), ("teacher", "nobody_took_it")]
    clock.now += timedelta(hours=5)
    assert await service.fire_due() == 0


async def test_first_acknowledgement_wins_and_stops_escalation(db: AsyncEngine) -> None:
    clock = Clock(datetime(2026, 11, 18, 10, 0, tzinfo=UTC))
    service = EscalationService(session_factory(db), DIRECTORY, clock=clock)
    number = await open_incident(db, service)
    results = await asyncio.gather(*(service.acknowledge(number=number, user=UserRef("web", who))
                                     for who in ("vp1", "vp2", "vp1", "vp2")))
    assert results.count(True) == 1
    clock.now += timedelta(hours=1)
    assert await service.fire_due() == 0
    assert (await dms(db))[-1] == ("teacher", "incident_taken")


async def test_a_restarted_process_fires_each_escalation_exactly_once(db: AsyncEngine) -> None:
    clock = Clock(datetime(2026, 11, 18, 10, 0, tzinfo=UTC))
    await open_incident(db, EscalationService(session_factory(db), DIRECTORY, clock=clock))
    clock.now += timedelta(minutes=20)
    # "Restart": two fresh services over the same database race for the due timer.
    fresh = [EscalationService(session_factory(db), DIRECTORY, clock=clock) for _ in range(2)]
    assert sum(await asyncio.gather(*(s.fire_due() for s in fresh))) == 1
    assert [who for who, _ in await dms(db)].count("dir1") == 1


async def test_a_suspected_colleague_is_never_messaged(db: AsyncEngine) -> None:
    clock = Clock(datetime(2026, 11, 18, 10, 0, tzinfo=UTC))
    service = EscalationService(session_factory(db), DIRECTORY, clock=clock)
    await open_incident(db, service, excluded=["dir1"])
    for _ in range(4):
        clock.now += timedelta(minutes=20)
        await service.fire_due()
    assert "dir1" not in [who for who, _ in await dms(db)]


async def test_non_urgent_pings_wait_for_working_hours(db: AsyncEngine) -> None:
    friday_night = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    clock = Clock(friday_night)
    service = EscalationService(session_factory(db), DIRECTORY, clock=clock)
    await open_incident(db, service, urgent=False)
    async with session_factory(db)() as session:
        due = {row.due_at.replace(tzinfo=UTC) for row in (await session.execute(select(OutboxRow))).scalars()}
    assert due == {datetime(2026, 11, 23, 7, 0, tzinfo=UTC)}  # Monday 08:00 in Amsterdam
    clock.now = datetime(2026, 11, 23, 7, 10, tzinfo=UTC)
    assert await service.fire_due() == 0  # the window counts from the opening
    clock.now = datetime(2026, 11, 23, 7, 16, tzinfo=UTC)
    assert await service.fire_due() == 1
