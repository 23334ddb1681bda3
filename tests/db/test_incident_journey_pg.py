"""The incident journey and the acknowledgement race on PostgreSQL (the production database)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.scenario.school import open_school
from tests.scenario.test_incident_journey import _journey
from tests.scenario.test_incident_rules import FORM, NUDE, NUDE_ANSWERS


async def test_the_full_journey_on_postgresql(tmp_path: Path, pg_engine: AsyncEngine) -> None:
    school = await open_school(tmp_path, db=pg_engine)
    await _journey(school)


async def test_two_coordinators_press_at_once_one_owner_on_postgresql(tmp_path: Path, pg_engine: AsyncEngine) -> None:
    school = await open_school(tmp_path, db=pg_engine)
    await school.report("teacher", NUDE, NUDE_ANSWERS, FORM)
    await school.work()
    ack = school.platform.to("vp1")[0].choices[0].payload
    replies = await asyncio.gather(*(school.press(who, ack) for who in ("vp1", "vp2", "dir1")))
    assert sum("eigenaar" in reply.text for [reply] in replies) == 1
