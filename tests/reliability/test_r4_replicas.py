"""R4: two ``serve`` replicas on one PostgreSQL database behind one Slack app (requests go to
either), one of them killed in the middle of an incident: every message and every escalation
step exactly once. Both workers claim from the same outbox and escalation tables (``FOR UPDATE
SKIP LOCKED``); the survivor takes over the dead one's claims when their leases run out and
looks up the post that was in flight instead of posting it again."""

from __future__ import annotations

import asyncio

import pytest

from tests.adapters.slack.world import BOARD
from tests.reliability.conftest import Serve
from tests.reliability.exactly import (
    assert_exactly_once,
    escalation_due,
    escalation_levels,
    outbox_state,
    settled,
    submitted_with_a_post_in_flight,
)
from tests.reliability.served import (
    FORM,
    incident_numbers,
    open_report_form,
    quiet,
)

SLOW = 1.5


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite is for one process
async def test_r4_two_replicas_one_killed_mid_incident(serve: Serve, fake, database_url: str,
                                                       ) -> None:  # type: ignore[no-untyped-def]
    a = await serve(database_url, name="a")
    b = await serve(database_url, name="b")
    # The conversation alternates between the replicas, as a load balancer would send it.
    await open_report_form(a, fake, answer=b)

    # The report goes to a, whose worker wakes first and claims its messages; they go out
    # slowly, and a dies while one is in flight: b takes over when a's leases run out.
    await submitted_with_a_post_in_flight(a, fake, FORM, slow=SLOW)
    await a.kill()
    await asyncio.sleep(SLOW + 0.5)
    fake.latency_for.clear()
    took = await settled(database_url, timeout=90)
    await quiet(fake)
    [number] = incident_numbers(fake)
    assert_exactly_once(fake, number)
    assert took > 5, "b waited for a's leases, then took over"

    # A replacement replica starts; the escalation window passes with both running: one ping.
    a = await a.restart()
    assert await escalation_due(database_url) >= 1
    await fake.wait_until(lambda: bool(fake.messages_in(BOARD)), timeout=20, what="the board's ping")
    await settled(database_url, timeout=30)
    await asyncio.sleep(4)  # two more worker ticks of both replicas: nothing fires twice
    await quiet(fake)
    seen = assert_exactly_once(fake, number, board=1)
    levels = await escalation_levels(database_url)
    fired = [level for level, status in levels if status != "pending"]
    assert fired == sorted(set(fired)), levels
    state = await outbox_state(database_url)
    assert state.get("failed", 0) == 0 and state["unknown_outcome"] == 0, state
    for replica in (a, b):
        assert "Traceback" not in replica.log_text()
    print(f"\nR4 postgresql, 2 replicas, one killed mid-send: {seen}; escalations {levels}; "
          f"take-over {took:.1f} s; outbox {state}")
