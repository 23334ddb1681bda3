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


async def test_a_nul_character_in_a_report_does_not_block_it_on_postgresql(tmp_path: Path,
                                                                          pg_engine: AsyncEngine) -> None:
    school = await open_school(tmp_path, db=pg_engine)
    number = await school.report("teacher", NUDE, NUDE_ANSWERS, {**FORM, "what": "Foto van K.\x00 in de groep"})
    await school.work()
    assert school.platform.to("vp1"), f"incident {number} reported and the coordinator pinged"


async def test_a_nul_character_in_a_slack_event_id_is_no_error_on_postgresql(pg_engine: AsyncEngine) -> None:
    from adapters.slack.dedupe import SeenEvents
    from bot.store.db import session_factory

    seen = SeenEvents(session_factory(pg_engine))
    assert await seen.first_time("Ev0\x00001")
    assert not await seen.first_time("Ev0\x00001"), "and its repeat is still recognised"
