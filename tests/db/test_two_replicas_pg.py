"""Two ``serve`` replicas on one PostgreSQL database, as ``deploy/compose.yaml`` runs them behind a
load balancer: one incident's journey with its requests alternating between them, and every
message and every escalation step exactly once while both workers claim from the same tables.
(``tests/reliability/test_r4_replicas.py`` kills one of them halfway; this is the ordinary day.)"""

from __future__ import annotations

import asyncio

import pytest

from tests.adapters.slack.world import BOARD
from tests.reliability.conftest import Serve, database_url, fake, school_file, serve  # noqa: F401 (fixtures)
from tests.reliability.exactly import (
    assert_exactly_once,
    escalation_due,
    escalation_levels,
    outbox_state,
    settled,
)
from tests.reliability.served import FORM, TEACHER, incident_numbers, open_report_form, quiet, submit


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_replicas_one_journey_every_escalation_once(serve: Serve, fake, database_url: str,  # noqa: F811
                                                              ) -> None:  # type: ignore[no-untyped-def]
    a = await serve(database_url, name="a")
    b = await serve(database_url, name="b")
    await open_report_form(a, fake, answer=b)
    status, body = await submit(b, fake, TEACHER, FORM)
    assert status == 200 and "errors" not in body, body
    await settled(database_url, timeout=60)
    [number] = incident_numbers(fake)

    # Nobody takes the incident: the escalation window passes with both replicas polling.
    assert await escalation_due(database_url) >= 1
    await fake.wait_until(lambda: bool(fake.messages_in(BOARD)), timeout=30, what="the board's ping")
    await settled(database_url, timeout=30)
    await asyncio.sleep(4)  # more worker ticks of both replicas: nothing fires twice
    await quiet(fake)
    seen = assert_exactly_once(fake, number, board=1)
    levels = await escalation_levels(database_url)
    fired = [level for level, status in levels if status != "pending"]
    assert fired and fired == sorted(set(fired)), levels
    state = await outbox_state(database_url)
    assert state.get("failed", 0) == 0 and state["unknown_outcome"] == 0, state
    for replica in (a, b):
        assert "Traceback" not in replica.log_text()
    print(f"\ntwo replicas on postgresql: {seen}; escalations {levels}; outbox {state}")
