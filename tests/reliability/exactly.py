"""What "exactly once" means after a journey through a served process, and the few handles a
test needs on a running process's world: time passing for an escalation, a send in flight.

The counts are what people see: the reporter has one confirmation, each pinged coordinator
one DM, the incident one channel with one card; the outbox holds nothing pending or failed,
and the Slack ledger no post with an unknown outcome.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.slack.sent import SlackSentRow
from bot.notify.escalation import EscalationRow
from bot.notify.outbox import OutboxRow
from tests.adapters.slack.world import BOARD, DIRECTIE, TEACHER, VP, text_of
from tests.fakes.slack_api import FakeSlack

Json = dict[str, Any]


def mentioning(fake: FakeSlack, user: str, number: str) -> list[Json]:
    """The bot's messages in ``user``'s DM that name incident ``number``."""
    return [m for m in fake.messages_in(user) if number in text_of(m)]


def confirmations(fake: FakeSlack, number: str, reporter: str = TEACHER) -> list[Json]:
    return [m for m in fake.messages_in(reporter) if re.search(rf"Incident {number} is gemeld", text_of(m))]


def counts(fake: FakeSlack, number: str) -> dict[str, int]:
    """Who saw how many messages about the incident (for the report of each test)."""
    channels = [c for c in fake.channels.values() if c.name.startswith(f"incident-{number.lower()}")]
    return {
        "confirmation": len(confirmations(fake, number)),
        "vertrouwenspersoon": len(mentioning(fake, VP, number)),
        "directie": len(mentioning(fake, DIRECTIE, number)),
        "bestuur": len(mentioning(fake, BOARD, number)),
        "channels": len(channels),
        "card": sum(len(fake.messages_in(c.id)) for c in channels),
    }


async def outbox_state(database_url: str) -> dict[str, int]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status))).all()
            unknown = (await connection.execute(select(func.count()).select_from(SlackSentRow)
                                                .where(SlackSentRow.ts == ""))).scalar_one()
    finally:
        await engine.dispose()
    return {**{str(status): int(count) for status, count in rows}, "unknown_outcome": int(unknown)}


async def settled(database_url: str, *, timeout: float) -> float:
    """Wait until the outbox has nothing pending; returns the seconds it took."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while True:
        state = await outbox_state(database_url)
        if not state.get("pending"):
            return loop.time() - start
        if loop.time() - start > timeout:
            raise AssertionError(f"the outbox still has pending messages after {timeout:g} s: {state}")
        await asyncio.sleep(0.25)


def assert_exactly_once(fake: FakeSlack, number: str, *, board: int = 0) -> dict[str, int]:
    seen = counts(fake, number)
    expected = {"confirmation": 1, "vertrouwenspersoon": 1, "directie": 1, "bestuur": board, "channels": 1, "card": 1}
    assert seen == expected, seen
    return seen


async def escalation_due(database_url: str) -> int:
    """Let the escalation window pass: every pending timer is due now (the running process's
    worker fires it at its next tick). Returns how many timers were moved."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            moved = await connection.execute(update(EscalationRow).where(EscalationRow.status == "pending")
                                             .values(due_at=datetime.now(UTC) - timedelta(seconds=1)))
            return int(moved.rowcount)
    finally:
        await engine.dispose()


async def escalation_levels(database_url: str) -> list[tuple[int, str]]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(select(EscalationRow.level, EscalationRow.status)
                                             .order_by(EscalationRow.id))).all()
            return [(int(level), str(status)) for level, status in rows]
    finally:
        await engine.dispose()


async def arrived(fake: FakeSlack, method: str, predicate: Callable[[Json], bool] = lambda _a: True, *,
                  after: int = 0, timeout: float = 20.0) -> int:
    """Wait until a call to ``method`` matching ``predicate`` has *arrived* at the fake (it may
    still be in flight); returns its index in ``fake.arrived``."""
    def found() -> int | None:
        return next((i for i, (m, args) in enumerate(fake.arrived[after:], after)
                     if m == method and predicate(args)), None)

    await fake.wait_until(lambda: found() is not None, timeout=timeout, what=f"a {method} call in flight")
    index = found()
    assert index is not None
    return index


async def submitted_with_a_post_in_flight(served: Any, fake: FakeSlack, form: dict[str, str], *,
                                          slow: float = 1.5) -> None:
    """Submit the open report form while ``chat.postMessage`` takes ``slow`` seconds; return once
    one of the report's posts has arrived at the fake and is being carried out (kill now)."""
    from tests.reliability.served import submit

    fake.latency_for["chat.postMessage"] = slow
    mark = len(fake.arrived)
    status, body = await submit(served, fake, TEACHER, form)
    assert status == 200 and "errors" not in body, body
    await arrived(fake, "chat.postMessage", after=mark)
