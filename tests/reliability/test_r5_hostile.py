"""R5 (#12): a hostile corpus against one real ``serve`` process on SQLite.

Three parts, each request carrying :data:`~tests.reliability.corpus.MARKER`:

* raw requests (:func:`~tests.reliability.corpus.raw_cases`): bad, stale, future, missing and
  non-numeric signatures, 10 MB bodies (with a length and chunked), malformed JSON, arrays,
  broken ``payload=`` forms, bad UTF-8, deep nesting, signed bodies of impossible shapes;
* typed text that Slack does deliver: 40,000 characters, RTL overrides and zero-width
  characters, NUL bytes (in the text and in the event id), a lone surrogate, and mention and
  link injection (``<!channel>``, ``<!here>``, ``<@U…>``, ``<https://evil.example|klik>``) in a
  DM, a slash command, a channel mention and every field of a real report;
* forged buttons and forms: values the bot never sent, someone else's conversation, unknown
  incident numbers, modals whose ``private_metadata`` names another user or a bogus state.

Then: every status below 500 and in the expected set, no traceback and no marker in the log,
the log's growth bounded, nothing pinging a channel or carrying a live link reached Slack,
and a normal question is still answered.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.blocks import FORM_CALLBACK
from tests.adapters.slack.world import SECRET, TEACHER, TEAM_CHANNEL, VP, Found, find, text_of
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import FakeSlack
from tests.reliability.conftest import OUTSIDER, Serve, sqlite_url
from tests.reliability.corpus import KNOWN_BUGS, MARKER, TEN_MB, UNHANDLED, Bug, Raw, raw_cases
from tests.reliability.served import (
    ANSWERS,
    QUESTION,
    Served,
    answer_triage,
    changed,
    dm,
    incident_channel,
    incident_numbers,
    press,
    quiet,
    shown,
    snapshot,
    submit,
)

INJECTION = "<!channel> <!here> <@UOUTSID1> <https://evil.example|klik>"
#: What must never reach Slack from typed text: a channel ping, a user ping, a live link.
FORBIDDEN = ("<!channel>", "<!here>", "<@UOUTSID1>", "<https://evil", "|klik>")
LOG_GROWTH_LIMIT = 64 * 1024
HANDLED = frozenset({200})


@dataclass
class Results:
    rows: list[tuple[str, int, frozenset[int], str]] = field(default_factory=list)

    def add(self, case: str, status: int, expected: frozenset[int], held: str) -> None:
        self.rows.append((case, status, expected, held))

    def wrong(self) -> list[str]:
        return [f"{case}: {status} not in {sorted(expected)}" for case, status, expected, _ in self.rows
                if status >= 500 or status not in expected]

    def print(self, title: str) -> None:
        width = max(len(case) for case, *_ in self.rows)
        print(f"\n{title}\n  {'case':<{width}}  status  held")
        for case, status, expected, held in self.rows:
            mark = "" if status in expected and status < 500 else f"  <-- expected {sorted(expected)}"
            print(f"  {case:<{width}}  {status:<6}  {held}{mark}")


async def send_raw(served: Served, case: Raw) -> int:
    if case.method == "GET":
        async with served.http.get(served.url + case.path) as response:
            return response.status
    secret = SECRET if case.secret == "signed" else case.secret
    status, _ = await served.post(case.body, case.content_type, secret=secret, timestamp=case.timestamp,
                                  headers=case.headers, path=case.path)
    return status


async def chunked_ten_mb(served: Served) -> int:
    """10 MB without a Content-Length: the limit must hold for a chunked body too."""
    async def chunks() -> AsyncIterator[bytes]:
        yield f'{{"text": "{MARKER}'.encode()
        for _ in range(TEN_MB // 65536):
            yield b"x" * 65536
        yield b'"}'

    headers = {"content-type": p.JSON, "x-slack-request-timestamp": str(int(time.time())),
               "x-slack-signature": "v0=" + "0" * 64}
    async with served.http.post(served.url + "/slack/events", data=chunks(), headers=headers) as response:
        return response.status


async def still_answers(served: Served) -> bool:
    health = await served.healthz()
    return bool(health["http_status"] == 200)


async def typed(served: Served, fake: FakeSlack, results: Results, case: str, text: str, *,
                event_id: str | None = None) -> None:
    """A DM with hostile text: acknowledged, and answered in the DM."""
    before = snapshot(fake, TEACHER)
    status = await served.event(p.message_im(TEACHER, text, channel=fake.dm_id(TEACHER)), event_id=event_id)
    await changed(fake, TEACHER, before, what=f"an answer to {case}")
    await quiet(fake, settle=0.2)
    results.add(case, status, HANDLED, "answered in the DM")


async def mention_and_command(served: Served, fake: FakeSlack, results: Results) -> None:
    text = f"er gaat een naaktfoto rond {INJECTION} {MARKER}"
    before = snapshot(fake, TEACHER)
    command = p.slash_command(TEACHER, text, trigger_id=fake.issue_trigger(5, user=TEACHER),
                              response_url=fake.response_url("command"), channel=TEAM_CHANNEL, channel_name="team")
    status, body = await served.post(p.form_body(command), p.FORM)
    await changed(fake, TEACHER, before, what="the answer to /protocol")
    await quiet(fake, settle=0.2)
    results.add("/protocol with mention and link injection", status, HANDLED,
                "answered in the DM" + ("; ack carries no injection" if not any(f in body for f in FORBIDDEN) else
                                        "; ACK CARRIES INJECTION"))
    calls = len(fake.calls)
    status = await served.event(p.app_mention(TEACHER, f"<@{fake.bot_user_id}> {text}", TEAM_CHANNEL))
    await fake.wait_until(lambda: len(fake.calls) > calls, timeout=10, what="the answer to the mention")
    await quiet(fake, settle=0.2)
    results.add("@mention in the team channel with injection", status, HANDLED, "answered privately")


async def hostile_report(served: Served, fake: FakeSlack, results: Results) -> str:
    """A real report whose question and every field carry the injection, NUL, RTL and zero-width
    characters; first a forged 40,000-character submission of the same form."""
    answer = await dm(served, fake, TEACHER, f"{QUESTION} {INJECTION} {MARKER}")
    if "Bedoel je" in text_of(answer):  # the noise around it leaves the router unsure: one tap
        status, _ = await press(served, fake, TEACHER, find(answer, "Naakt- of seksueel beeld", fake.dm_id(TEACHER)))
        assert status == 200, status
        await quiet(fake, settle=0.2)
    steps = await answer_triage(served, fake, TEACHER, ANSWERS)
    opened = len(fake.opened_views)
    status, _ = await press(served, fake, TEACHER, find(steps, "Meld bij coördinator", fake.dm_id(TEACHER)))
    await fake.wait_until(lambda: len(fake.opened_views) > opened, timeout=10, what="the report form")
    results.add("question with injection, triage, [Meld]", status, HANDLED, "the form opened")
    huge = (f"{MARKER} " + "foto van K. " * 4000)[:39_990] + f" {MARKER}"
    status, body = await submit(served, fake, TEACHER, {"what": huge, "where": MARKER, "since": MARKER})
    results.add("report form with a 40,000-character field", status, HANDLED,
                "refused in the form" if '"errors"' in body else f"NOT REFUSED: {body[:80]}")
    known = set(incident_numbers(fake))
    form = {"what": f"Foto van K. {INJECTION} {MARKER}\x00 \u202egnirts\u202c",
            "where": f"WhatsApp\u200b-groep {INJECTION}\ufeff {MARKER}",
            "since": f"gisteren\x00 {INJECTION} {MARKER}"}
    status, body = await submit(served, fake, TEACHER, form)
    await fake.wait_until(lambda: bool(set(incident_numbers(fake)) - known), timeout=20, what="the incident")
    [number] = set(incident_numbers(fake)) - known
    await fake.wait_until(lambda: bool(fake.messages_in(incident_channel(fake, number))), timeout=20,
                          what="the incident card")
    await quiet(fake)
    card = json.dumps(fake.messages_in(incident_channel(fake, number))[0], ensure_ascii=False)
    defanged = "&lt;!channel&gt;" in card and "&lt;https://evil.example|klik&gt;" in card
    results.add("report with injection, NUL, RTL, zero-width in every field", status, HANDLED,
                f"incident {number} opened; the card shows the text escaped" if defanged else "CARD NOT ESCAPED")
    assert defanged, "the typed injection should reach the card, escaped"
    return number


def forged(user_channel: str, *, action_id: str = "pw.0", value: str, block_id: str = "a0",
           message: dict[str, Any] | None = None) -> Found:
    element = {"type": "button", "action_id": action_id, "value": value,
               "text": {"type": "plain_text", "text": "Knop"}}
    return Found(message or {"ts": "1700000000.000001"}, user_channel, block_id, element)


async def forged_presses(served: Served, fake: FakeSlack, results: Results, number: str) -> None:
    channel = incident_channel(fake, number)
    teacher_dm, vp_dm = fake.dm_id(TEACHER), fake.dm_id(VP)
    teacher_button = next(m for m in reversed(fake.messages_in(TEACHER))
                          if any(b.get("type") == "actions" for b in m.get("blocks", [])))
    first = next(e for b in teacher_button["blocks"] if b.get("type") == "actions" for e in b["elements"])
    owned = find(teacher_button, first["text"]["text"], teacher_dm)
    cases = [
        ("a value the bot never sent", TEACHER, forged(teacher_dm, value=f"pw1:99:{MARKER}",
                                                      block_id=f"o.{TEACHER}.a0"), HANDLED),
        ("close someone else's incident (reporter)", TEACHER, forged(channel, value=f"inc:{number}:close"), HANDLED),
        ("unknown incident number", VP, forged(vp_dm, value="inc:2099-9999:ack", block_id="c0"), HANDLED),
        ("malformed incident step", VP, forged(channel, value=f"inc:{number}:tick:{MARKER}/../x"), HANDLED),
        ("unknown outcome, not the owner", VP, forged(channel, value=f"inc:{number}:closed:{MARKER}"), HANDLED),
        ("a 2,000-character value", VP, forged(vp_dm, value=(f"inc:{number}:tick:{MARKER}" * 200)[:2000]), HANDLED),
        ("an action_id no listener has", TEACHER, forged(teacher_dm, action_id="evil.0", value=MARKER),
         frozenset({200, 404})),
        ("someone else's conversation button", VP, owned, HANDLED),
        ("open a playbook that does not exist", TEACHER,
         forged(teacher_dm, action_id="open.0", value=f"no-such-playbook-{MARKER}"), HANDLED),
        ("resume without a conversation (outsider)", OUTSIDER,
         forged(fake.dm_id(OUTSIDER), action_id="resume.0", value="resume", block_id=f"o.{OUTSIDER}.form"), HANDLED),
    ]
    for case, user, button, expected in cases:
        status, response = await press(served, fake, user, button)
        await quiet(fake, settle=0.15)
        answer = fake.responses.get(response, [])
        held = f"answered: {text_of(answer[0]).splitlines()[0][:70]}" if answer else "nothing shown"
        results.add(f"forged button: {case}", status, expected, held)


async def forged_forms(served: Served, fake: FakeSlack, results: Results, number: str) -> None:
    view = next(v.view for v in reversed(fake.opened_views) if v.user == TEACHER)
    cases = [
        ("private_metadata names another user", TEACHER, json.dumps({"u": VP, "s": "pw1:1:report"})),
        ("private_metadata not JSON", TEACHER, f"not json {MARKER}"),
        ("a bogus state", TEACHER, json.dumps({"u": TEACHER, "s": f"bogus {MARKER}"})),
        ("an unknown incident's briefing", TEACHER, json.dumps({"u": TEACHER, "s": "inc:2099-9999:save"})),
        ("a briefing save by someone not the owner", VP, json.dumps({"u": VP, "s": f"inc:{number}:save"})),
    ]
    for case, user, metadata in cases:
        status, body = await submit(served, fake, user, {"what": MARKER, "text": MARKER}, view=view,
                                    metadata=metadata)
        await quiet(fake, settle=0.15)
        held = "refused in the form" if '"errors"' in body else "modal closed" if not body else body[:60]
        results.add(f"forged form: {case}", status, HANDLED, held)
    closed = p.view_submission(TEACHER, callback_id=FORM_CALLBACK, values={},
                               private_metadata=json.dumps({"u": VP, "x": "pw1:1:back"}))
    closed["type"] = "view_closed"
    status, _ = await served.interact(closed)
    results.add("forged form: closing another user's modal", status, HANDLED, "ignored")
    other = p.view_submission(TEACHER, callback_id=f"evil-{MARKER}", private_metadata="", values={})
    status, _ = await served.interact(other)
    results.add("forged form: a callback_id no listener has", status, UNHANDLED, "not handled")
    await quiet(fake)


async def test_a_hostile_corpus_is_refused_or_handled_cleanly(serve: Serve, fake: FakeSlack, tmp_path: Path) -> None:
    began = time.monotonic()
    served = await serve(sqlite_url(tmp_path))
    log_at_start = served.log_size()
    results = Results()

    for case in raw_cases():
        status = await send_raw(served, case)
        held = "still answers" if status == 413 and await still_answers(served) else \
            "refused" if status in (400, 401, 405, 413, 415) else "not handled" if status == 404 else "handled"
        results.add(case.name, status, case.expected, held)
    status = await chunked_ten_mb(served)
    results.add("10 MB chunked body (no length)", status, frozenset({401, 413}),
                "still answers" if await still_answers(served) else "DOWN")
    raw_seconds = time.monotonic() - began

    await typed(served, fake, results, "DM of 40,000 characters",
                (f"naaktfoto van een leerling {MARKER} " * 2000)[:39_990] + f" {MARKER}")
    await typed(served, fake, results, "DM with RTL override and zero-width characters",
                f"er gaat een naakt\u200bfoto\u200d rond \u202e{MARKER}\u202c van een leerling\ufeff")
    await typed(served, fake, results, "DM with NUL bytes", f"naaktfoto\x00 leerling {MARKER}\x00")
    await typed(served, fake, results, "event id with a NUL byte", f"hallo {MARKER}", event_id=f"Ev\x00{MARKER}")
    await typed(served, fake, results, "DM with a lone surrogate", f"naaktfoto \ud800 {MARKER}")
    await typed(served, fake, results, "DM with mention and link injection", f"{QUESTION} {INJECTION} {MARKER}")
    await mention_and_command(served, fake, results)
    number = await hostile_report(served, fake, results)
    await forged_presses(served, fake, results, number)
    await forged_forms(served, fake, results, number)

    answer = await dm(served, fake, TEACHER, QUESTION)
    normal = "aakt" in text_of(answer)
    results.add("a normal question at the end", 200 if normal else 0, HANDLED, "answered" if normal else "NO ANSWER")
    health = await served.healthz()
    await served.stop()
    log = served.log_text()
    growth = served.log_size() - log_at_start
    leaks = [(where, bad) for where, seen in shown(fake) for bad in FORBIDDEN if bad in seen]

    results.print(f"R5: {len(results.rows)} cases in {time.monotonic() - began:.1f} s (raw corpus "
                  f"{raw_seconds:.1f} s), log grew {growth} bytes ({len(log.splitlines())} lines), "
                  f"health {health['status']}")
    print("  log lines after start:\n    " + "\n    ".join(log.splitlines()[-40:]))
    assert not results.wrong(), results.wrong()
    assert "Traceback" not in log
    assert MARKER not in log, [line for line in log.splitlines() if MARKER in line][:3]
    assert growth < LOG_GROWTH_LIMIT, growth
    assert not leaks, leaks[:5]
    assert normal and health["http_status"] == 200


@pytest.mark.parametrize("bug", [pytest.param(bug, id=bug.id) for bug in KNOWN_BUGS])
async def test_requests_that_once_failed_are_refused_or_handled_cleanly(serve: Serve, fake: FakeSlack,
                                                                        tmp_path: Path, bug: Bug) -> None:
    """The requests the first run of this suite found answered with a 5xx or a traceback
    (corpus.KNOWN_BUGS), fixed by checking Slack's shapes before Bolt (adapters/slack/shapes.py),
    catching unreadable bodies, and logging listener failures by type and place only."""
    served = await serve(sqlite_url(tmp_path))
    results = Results()
    for case in bug.cases:
        before, began = served.log_size(), time.monotonic()
        status = await send_raw(served, case)
        await quiet(fake, settle=0.3)
        logged = served.log_text().encode()[before:].decode(errors="replace")
        first = next((line for line in logged.splitlines() if " ERROR " in line), "")
        results.add(case.name, status, case.expected, f"{time.monotonic() - began:4.1f} s; " +
                    ("Traceback; " if "Traceback" in logged else "") + (first.split(" ", 2)[-1] or "clean"))
    healthy = await still_answers(served)
    await served.stop()
    log = served.log_text()
    results.print(f"R5 regression {bug.id} (the first run found: {bug.reason})")
    assert healthy
    assert MARKER not in log
    assert not results.wrong(), results.wrong()
    assert "Traceback" not in log
