"""The Teams journeys on PostgreSQL (the production database): the adapter's own tables
(people, sent messages, spaces, handled activities) and their upserts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.adapters.teams import test_journey, test_spaces
from tests.adapters.teams.world import close_world, open_world


async def test_the_teams_journey_on_postgresql(tmp_path: Path, pg_engine: AsyncEngine) -> None:
    world = await open_world(tmp_path, db=pg_engine)
    try:
        await test_journey.test_the_whole_journey_with_a_group_chat_per_incident(world)
    finally:
        await close_world(world)


async def test_a_suspect_in_the_safety_team_on_postgresql(tmp_path: Path, pg_engine: AsyncEngine) -> None:
    world = await open_world(tmp_path, space="channel", db=pg_engine)
    try:
        await test_spaces.test_channel_mode_keeps_an_incident_out_of_the_channel_when_a_member_is_suspected(world)
    finally:
        await close_world(world)


async def test_unreachable_coordinators_on_postgresql(tmp_path: Path, pg_engine: AsyncEngine) -> None:
    from tests.adapters.teams import test_delivery

    world = await open_world(tmp_path, db=pg_engine)
    try:
        await test_delivery.test_someone_who_blocked_the_bot_is_skipped_at_once_and_health_shows_it(world)
    finally:
        await close_world(world)
