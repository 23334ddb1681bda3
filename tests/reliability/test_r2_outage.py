"""R2: Slack's Web API fails for two minutes during an incident, then recovers. Two kinds of
failure, run side by side (each with its own fake Slack and ``serve``):

* ``refused``: 429 with ``Retry-After: 5`` for the first 20 s, then 500 until the end: nothing
  that fails was carried out;
* ``carried-out``: every call is carried out and then answered with 500 (the worst case for
  doubling: each retry would post again without the lookup by outbox key).

After the recovery every message must arrive exactly once; the time from the recovery to the
last delivery is printed (the outbox retries every 30 s in the first minutes and, once one
message goes through, tries all the others at once). ``RELIABILITY_OUTAGE`` (seconds, default
120) shortens the outage for a quick local run. Platform faults do not depend on the database:
SQLite only.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from tests.adapters.slack.world import TEACHER
from tests.fakes.slack_api import FakeSlack
from tests.reliability.conftest import PEOPLE, sqlite_url
from tests.reliability.exactly import assert_exactly_once, outbox_state, settled
from tests.reliability.served import (
    FORM,
    Served,
    incident_numbers,
    open_report_form,
    quiet,
    submit,
)

OUTAGE = float(os.environ.get("RELIABILITY_OUTAGE", "120"))
RATE_LIMITED = 20.0


async def incident_through_an_outage(tmp_path: Path, kind: str, registry: list[Served]) -> dict[str, object]:
    folder = tmp_path / kind
    folder.mkdir()
    async with FakeSlack() as fake:
        for user, name in PEOPLE.items():
            fake.add_user(user, name)
        database_url = sqlite_url(folder)
        served = await Served.start(folder, fake, database_url, name=kind, registry=registry)
        await open_report_form(served, fake)

        # The outage starts as the report is submitted: every message of the incident meets it.
        if kind == "refused":
            fake.fail_for(RATE_LIMITED, status=429, retry_after=5)
            fake.fail_for(OUTAGE, status=500)
        else:
            fake.fail_for(OUTAGE, status=500, after=True)
        loop = asyncio.get_running_loop()
        started = loop.time()
        status, body = await submit(served, fake, TEACHER, FORM)
        assert status == 200 and "errors" not in body, "the modal closes even while Slack's API is down"
        await asyncio.sleep(max(0.0, OUTAGE - (loop.time() - started)))
        failed_calls = sum(outage.failed for outage in fake.outages)
        health_during = await served.healthz()
        took = await settled(database_url, timeout=90)
        await quiet(fake)
        [number] = incident_numbers(fake)
        seen = assert_exactly_once(fake, number)
        state = await outbox_state(database_url)
        assert state.get("failed", 0) == 0 and state["unknown_outcome"] == 0, state
        health_after = await served.healthz()
        log = served.log_text()
        assert "Traceback" not in log
        await served.stop()
        return {"kind": kind, "calls failed": failed_calls, "recovered after s": round(took, 1),
                "seen": seen, "outbox": state, "healthz at recovery": health_during.get("status"),
                "healthz after": health_after.get("status"), "log lines": len(log.splitlines())}


async def test_r2_an_outage_of_two_minutes_delays_every_message_and_loses_or_doubles_none(tmp_path: Path) -> None:
    registry: list[Served] = []
    try:
        results = await asyncio.gather(incident_through_an_outage(tmp_path, "refused", registry),
                                       incident_through_an_outage(tmp_path, "carried-out", registry))
    finally:
        for served in registry:
            await served.kill()
    for result in results:
        print(f"\nR2 {OUTAGE:g} s outage: {result}")
