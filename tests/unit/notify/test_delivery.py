"""From incident to people: escalation DMs through the outbox to a recording platform."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.events import UserRef
from bot.incidents.models import IncidentRow
from bot.notify.delivery import Delivery
from bot.notify.escalation import EscalationService, parse_window
from bot.notify.outbox import OutboxWorker, backoff
from bot.playbooks.library import PlaybookLibrary
from bot.ports import ChatPlatform
from bot.store.db import session_factory
from tests.conftest import Clock
from tests.fakes.platform import FakePlatform
from tests.unit.notify.test_escalation import DIRECTORY


def test_the_fake_implements_the_port() -> None:
    platform: ChatPlatform = FakePlatform()
    assert platform.name == "web"


async def test_coordinators_get_a_dm_with_the_acknowledge_button_and_the_reporter_hears_who_took_it(
    db: AsyncEngine, sample_library: PlaybookLibrary,
) -> None:
    clock = Clock()
    sessions = session_factory(db)
    platform = FakePlatform(failures=1)  # the first delivery hits an outage
    worker = OutboxWorker(sessions, Delivery({"web": platform}, sessions, sample_library, DIRECTORY), clock=clock)
    escalation = EscalationService(sessions, DIRECTORY, clock=clock)
    async with sessions() as session, session.begin():
        incident = IncidentRow(number="2026-0042", playbook="naaktbeeld-sexting", answers={},
                               reporter_platform="web", reporter_id="teacher", excluded=[])
        session.add(incident)
        await session.flush()
        await escalation.start(session, incident=incident, roles=["vertrouwenspersoon"],
                               window=parse_window("15m"), urgent=True)

    assert await worker.run_once() == 1  # one failed (outage), the other went out
    clock.advance(seconds=backoff(1).total_seconds())
    assert await worker.run_once() == 1  # the retry: nothing lost
    for coordinator in ("vp1", "vp2"):
        [dm] = platform.to(coordinator)
        assert "2026-0042" in dm.text and [b.payload for b in dm.choices] == ["inc:2026-0042:ack"]
        assert dm.choices[0].label == "Ik pak dit op"

    assert await escalation.acknowledge(number="2026-0042", user=UserRef("web", "vp2"))
    assert await worker.run_once() == 2  # the reporter's DM and vp1's DM updated (no space yet: retried)
    [taken] = platform.to("teacher")
    assert "opgepakt" in taken.text
    [vp1_now] = platform.current("vp1")
    assert "opgepakt" in vp1_now.text and not vp1_now.choices
    clock.advance(hours=1)
    assert await escalation.fire_due() == 0 and await worker.run_once() == 0
    assert platform.to("dir1") == []


async def test_an_unknown_platform_stays_in_the_outbox(db: AsyncEngine, sample_library: PlaybookLibrary) -> None:
    clock = Clock()
    sessions = session_factory(db)
    worker = OutboxWorker(sessions, Delivery({}, sessions, sample_library, DIRECTORY), clock=clock, max_attempts=2)
    escalation = EscalationService(sessions, DIRECTORY, clock=clock)
    async with sessions() as session, session.begin():
        incident = IncidentRow(number="2026-0001", playbook="cyberpesten", answers={}, reporter_platform="web",
                               reporter_id="t", excluded=[])
        session.add(incident)
        await session.flush()
        await escalation.start(session, incident=incident, roles=["directie"], window=timedelta(minutes=30),
                               urgent=True)
    assert await worker.run_once() == 0


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_template_renders_in_both_languages(lang: str) -> None:
    from bot.notify.delivery import render
    from bot.notify.outbox import OutboxMessage

    for template in ("escalation", "incident_taken", "nobody_took_it", "incident_closed"):
        message = OutboxMessage(1, "k", "dm", {"platform": "web", "id": "u"},
                                {"template": template, "number": "2026-0001", "role": "directie", "urgent": True}, 0)
        assert "2026-0001" in render(message, lang).text


async def test_an_unreachable_coordinator_passes_the_incident_on_to_the_next_role_at_once(
    db: AsyncEngine, sample_library: PlaybookLibrary,
) -> None:
    """A 403 from the platform (the bot blocked, the app not installed) is not retried for an
    hour while nobody answers: the message is given up, the chronology says so, and the next
    role of the chain is pinged in the same round of the workers."""
    from bot.notify.outbox import status_counts
    from bot.notify.workers import Workers

    clock = Clock()
    sessions = session_factory(db)
    platform = FakePlatform(unreachable={"vp1", "vp2"})
    escalation = EscalationService(sessions, DIRECTORY, clock=clock)
    delivery = Delivery({"web": platform}, sessions, sample_library, DIRECTORY, escalation)
    workers = Workers(OutboxWorker(sessions, delivery, clock=clock), escalation)
    async with sessions() as session, session.begin():
        incident = IncidentRow(number="2026-0043", playbook="naaktbeeld-sexting", answers={},
                               reporter_platform="web", reporter_id="teacher", excluded=[])
        session.add(incident)
        await session.flush()
        await escalation.start(session, incident=incident, roles=["vertrouwenspersoon"],
                               window=parse_window("15m"), urgent=True)

    await workers.run_once()
    [dm] = platform.to("dir1")
    assert "2026-0043" in dm.text, "the leadership is pinged without waiting the 15-minute window"
    counts = await status_counts(sessions)
    assert counts["unreachable"] == 2 and counts["sent"] == 1
    await workers.run_once()
    assert platform.to("board1") == [], "the board waits for the leadership's own window"


    from bot.incidents.models import ChronologyRow

    async with sessions() as session:
        kinds = list((await session.execute(select(ChronologyRow.kind))).scalars())
    assert kinds.count("unreachable") == 2 and "escalated" in kinds


async def test_one_unreachable_coordinator_does_not_skip_a_level_another_one_was_reached_at(
    db: AsyncEngine, sample_library: PlaybookLibrary,
) -> None:
    from bot.notify.workers import Workers

    clock = Clock()
    sessions = session_factory(db)
    platform = FakePlatform(unreachable={"vp1"})
    escalation = EscalationService(sessions, DIRECTORY, clock=clock)
    workers = Workers(OutboxWorker(sessions, Delivery({"web": platform}, sessions, sample_library, DIRECTORY,
                                                      escalation), clock=clock), escalation)
    async with sessions() as session, session.begin():
        incident = IncidentRow(number="2026-0044", playbook="naaktbeeld-sexting", answers={},
                               reporter_platform="web", reporter_id="teacher", excluded=[])
        session.add(incident)
        await session.flush()
        await escalation.start(session, incident=incident, roles=["vertrouwenspersoon"],
                               window=parse_window("15m"), urgent=True)
    await workers.run_once()
    assert platform.to("vp2") and platform.to("dir1") == [], "vp2 got it: the window stands"
    clock.advance(minutes=16)
    await workers.run_once()
    assert platform.to("dir1"), "and after the window the leadership, as always"
