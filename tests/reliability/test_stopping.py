"""SIGTERM in the middle of an incident (a rolling update, ``docker stop``): the replica stops
taking requests, lets its work finish, gives back its outbox leases and exits 0; the other
replica delivers what it had claimed at once, not after the lease, and nothing is doubled."""

from __future__ import annotations

import asyncio
import signal

import pytest

from tests.reliability.conftest import Serve
from tests.reliability.exactly import assert_exactly_once, outbox_state, settled, submitted_with_a_post_in_flight
from tests.reliability.served import (
    FORM,
    incident_numbers,
    open_report_form,
    quiet,
)

SLOW = 1.5


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_sigterm_mid_send_hands_the_work_to_the_other_replica(serve: Serve, fake, database_url: str,
                                                                    ) -> None:  # type: ignore[no-untyped-def]
    a = await serve(database_url, name="a")
    b = await serve(database_url, name="b")
    await open_report_form(a, fake)
    await submitted_with_a_post_in_flight(a, fake, FORM, slow=SLOW)
    loop = asyncio.get_running_loop()
    began = loop.time()
    await a.stop(signal.SIGTERM)  # exit code 0 within 30 s, or the test fails
    stopped_in = loop.time() - began
    fake.latency_for.clear()
    handed_over = await settled(database_url, timeout=25)
    await quiet(fake)
    [number] = incident_numbers(fake)
    seen = assert_exactly_once(fake, number)
    state = await outbox_state(database_url)
    assert state.get("failed", 0) == 0 and state["unknown_outcome"] == 0, state
    assert "returned" in a.log_text() and "outbox lease" in a.log_text()
    assert "Traceback" not in a.log_text() + b.log_text()
    print(f"\nSIGTERM mid-send: stopped in {stopped_in:.1f} s, the other replica finished {handed_over:.1f} s "
          f"later (the lease is 30 s); {seen}; outbox {state}")
