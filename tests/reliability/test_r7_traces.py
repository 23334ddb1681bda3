"""R7 (#12): after a whole journey through a real ``serve`` process, what is left behind.

A teacher asks a question carrying a marker, reports with a marker in every form field and
shares files (in the DM, in the incident channel, through the message shortcut) whose
``url_private`` points at a recording server on 127.0.0.1; the vertrouwenspersoon takes the
incident, ticks its steps, sends the team briefing and closes it. Then, with the process
stopped: the question's text is in no column of any table, the report's text only in the
incident's own report columns (``incidents.what/where/since``, blanked by the retention
job), no marker is in the log, and no file was ever fetched.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from tests.adapters.slack.world import TEACHER, TEAM_CHANNEL, VP, find, text_of
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import FakeSlack
from tests.reliability.conftest import Serve
from tests.reliability.served import (
    QUESTION,
    Served,
    changed,
    database_rows,
    incident_channel,
    press,
    quiet,
    report,
    snapshot,
)

QUESTION_MARK = "MARKER-Q7Q"
FORM_MARKS = {"what": "MARKER-RW7", "where": "MARKER-RP7", "since": "MARKER-RS7"}
FORM = {"what": f"Foto van leerling K. gaat rond {FORM_MARKS['what']}",
        "where": f"WhatsApp-groep {FORM_MARKS['where']}", "since": f"gisteren {FORM_MARKS['since']}"}
#: Where the report's free text is meant to live (until the retention job blanks it).
REPORT_COLUMNS = {("incidents", "what"), ("incidents", "where"), ("incidents", "since")}


@dataclass
class FileHost:
    """A server on 127.0.0.1 standing in for files.slack.com: it records every request."""

    runner: web.AppRunner
    base: str
    requests: list[str] = field(default_factory=list)

    def file(self, file_id: str, user: str) -> dict[str, Any]:
        shared = p.file_object(file_id, "screenshot.png", user=user)
        shared["url_private"] = f"{self.base}/files-pri/T0001-{file_id}/screenshot.png"
        shared["url_private_download"] = f"{self.base}/files-pri/T0001-{file_id}/download/screenshot.png"
        shared["thumb_360"] = f"{self.base}/files-tmb/T0001-{file_id}/screenshot_360.png"
        return shared


@pytest.fixture
async def file_host() -> AsyncIterator[FileHost]:
    app = web.Application()
    runner = web.AppRunner(app, access_log=None)
    host = FileHost(runner, "")

    async def record(request: web.Request) -> web.Response:
        host.requests.append(f"{request.method} {request.path}")
        return web.Response(body=b"\x89PNG not really", content_type="image/png")

    app.router.add_route("*", "/{tail:.*}", record)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield host
    finally:
        await runner.cleanup()


async def share_files(served: Served, fake: FakeSlack, files: FileHost, channel: str) -> list[str]:
    """A screenshot shared in the DM, in the incident channel, and asked about with the
    shortcut; waits for the warnings. Returns what was sent."""
    sent = []
    dm = fake.dm_id(TEACHER)
    before = snapshot(fake, dm)
    assert await served.event(p.message_im(TEACHER, f"kijk {QUESTION_MARK}", channel=dm,
                                           files=[files.file("F0DM", TEACHER)])) == 200
    await changed(fake, dm, before, what="the file warning in the DM")
    sent.append("file_share in the DM")
    before = snapshot(fake, channel)
    assert await served.event(p.message_in_channel(VP, "", channel, files=[files.file("F0SPACE", VP)])) == 200
    await changed(fake, channel, before, what="the file warning in the incident channel")
    sent.append("file_share in the incident channel")
    before = snapshot(fake, dm)
    shortcut = p.message_shortcut(
        TEACHER, callback_id="ask_protocolwijzer", message_text=f"deze {QUESTION_MARK}", channel="CGENERAL1",
        message_ts="1700000000.000042", trigger_id=fake.issue_trigger(5, user=TEACHER),
        response_url=fake.response_url("shortcut"), files=[files.file("F0SHORT", TEACHER)])
    status, _ = await served.interact(shortcut)
    assert status == 200
    await changed(fake, dm, before, what="the answer to the shortcut")
    sent.append("message shortcut on a message with a file")
    await quiet(fake)
    return sent


async def take_tick_brief_close(served: Served, fake: FakeSlack, number: str, channel: str) -> list[str]:
    """The vertrouwenspersoon's part, as in the in-process journey; returns what was done."""
    done = []
    vp_dm = fake.dm_id(VP)
    status, _ = await press(served, fake, VP, find(fake.messages_in(VP)[-1], "Ik pak dit op", vp_dm))
    assert status == 200
    await fake.wait_until(lambda: "J. de Vries" in text_of(fake.messages_in(channel)[0]), timeout=15,
                          what="the card naming the owner")
    await quiet(fake)
    done.append("taken by the vertrouwenspersoon")
    ticks = 0
    for _ in range(15):
        if any("Versturen" in text_of(m) for m in fake.messages_in(VP)):
            break
        card = fake.messages_in(channel)[0]
        try:
            tick = find(card, "Gedaan", channel)
        except AssertionError:
            break
        before = snapshot(fake, channel)
        status, _ = await press(served, fake, VP, tick)
        assert status == 200
        await changed(fake, channel, before, what="the card after a tick")
        await quiet(fake, settle=0.2)
        ticks += 1
    done.append(f"{ticks} step(s) ticked")
    preview = next((m for m in reversed(fake.messages_in(VP)) if "Versturen" in text_of(m)), None)
    if preview is not None:
        status, _ = await press(served, fake, VP, find(preview, "Versturen", vp_dm))
        assert status == 200
        await fake.wait_until(lambda: bool(fake.messages_in(TEAM_CHANNEL)), timeout=15, what="the team briefing")
        await quiet(fake)
        done.append("team briefing sent")
    card = fake.messages_in(channel)[0]
    status, response = await press(served, fake, VP, find(card, "sluiten", channel))
    assert status == 200
    await fake.wait_until(lambda: bool(fake.responses.get(response)), timeout=15, what="the outcome choice")
    choice = dict(fake.responses[response][0], _ephemeral=True, ts="1700000099.000001")
    status, closed = await press(served, fake, VP, find(choice, "Opgelost", channel))
    assert status == 200
    await fake.wait_until(lambda: "gesloten" in text_of(fake.responses.get(closed, [{}])[0]), timeout=15,
                          what="the incident closed")
    await quiet(fake)
    done.append("closed (Opgelost)")
    return done


def where_found(rows: dict[str, list[dict[str, Any]]], marker: str) -> set[tuple[str, str]]:
    """(table, column) of every value holding ``marker``, whatever its type (JSON included)."""
    found = set()
    for name, table_rows in rows.items():
        for row in table_rows:
            for column, value in row.items():
                rendered = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
                if marker in rendered:
                    found.add((name, column))
    return found


async def test_a_whole_journey_leaves_no_question_in_the_database_no_text_in_the_log_and_fetches_no_file(
        database_url: str, serve: Serve, fake: FakeSlack, file_host: FileHost) -> None:
    began = time.monotonic()
    served = await serve(database_url)
    question = f"{QUESTION} {QUESTION_MARK}"
    number = await report(served, fake, question, form=FORM)
    channel = incident_channel(fake, number)
    assert any(FORM_MARKS["what"] in text_of(m) for m in fake.messages_in(channel)), "the card shows the report"
    journey = ["question with a marker", "triage", f"report {number} with a marker in every field"]
    journey += await share_files(served, fake, file_host, channel)
    journey += await take_tick_brief_close(served, fake, number, channel)
    await served.stop()
    rows = await database_rows(database_url)
    log = served.log_text()

    held = {
        "question marker in no table": where_found(rows, QUESTION_MARK) == set(),
        "report markers only in incidents.what/where/since": all(
            where_found(rows, mark) <= REPORT_COLUMNS for mark in FORM_MARKS.values()),
        "report kept in the incident (until retention)": all(
            where_found(rows, mark) for mark in FORM_MARKS.values()),
        "no marker in the log": not any(mark in log for mark in (QUESTION_MARK, *FORM_MARKS.values())),
        "no Traceback in the log": "Traceback" not in log,
        "no file fetched": file_host.requests == [],
    }
    print(f"\nR7 on {database_url.split(':')[0]}: {time.monotonic() - began:.1f} s (start {served.started_in:.1f} s), "
          f"{len(rows)} tables, {sum(len(r) for r in rows.values())} rows, log {served.log_size()} bytes")
    print("  sent: " + "; ".join(journey))
    for what, ok in held.items():
        print(f"  {'held' if ok else 'FAILED'}: {what}")
    assert where_found(rows, QUESTION_MARK) == set(), "the typed question is stored"
    for mark in FORM_MARKS.values():
        assert where_found(rows, mark) <= REPORT_COLUMNS, (mark, where_found(rows, mark))
        assert where_found(rows, mark), f"{mark}: the report itself was not kept"
    for mark in (QUESTION_MARK, *FORM_MARKS.values()):
        assert mark not in log, f"{mark} in the log"
    assert "Traceback" not in log
    assert file_host.requests == [], file_host.requests
