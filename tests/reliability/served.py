"""A real ``python -m bot serve`` for the reliability suite (#12): Slack over HTTP, the Web API
being a :class:`~tests.fakes.slack_api.FakeSlack` in the test's own event loop, every request
signed as Slack signs it (or deliberately not).

The process runs with ``cwd`` = the repository and ``sys.executable``; its environment is the
test's minus proxies and every ``SLACK_*``/``TEAMS_*`` variable, plus the bot token, the signing
secret, the fake's URL, ``HOST=127.0.0.1``, ``PORT=0``, ``SCHOOL_CONFIG``, ``DATABASE_URL`` and
``PYTHONUNBUFFERED=1``. stdout and stderr go to ``tmp_path / f"serve-{name}.log"``, opened for
appending, so a restart under the same name continues the same log. The port is read from the
line ``Slack http at http://127.0.0.1:<port>`` written after this start.

Usage::

    served = await Served.start(tmp_path, fake, database_url, name="a")
    status, text = await served.post(body, p.JSON)                       # signed with SECRET
    status, text = await served.post(body, p.JSON, secret=None, headers={...})   # unsigned
    status = await served.event(p.message_im(TEACHER, "hoi"), event_id=None, retry_num=None)
    status, text = await served.interact(payload)                        # payload= form, signed
    health = await served.healthz()
    served.log_text()                                                    # every start of this name
    await served.kill()                                                  # SIGKILL
    served = await served.restart()                                      # same name, db, env; new port
    await served.stop()                                                  # SIGINT, exit code 0

In a test, the ``serve`` fixture (conftest) starts one with the suite's school and kills every
process it started, restarts included, when the test ends.

Journeys through signed HTTP (the fake's stored messages are what the user sees):
:func:`dm`, :func:`press`, :func:`submit`, :func:`answer_triage` and :func:`report`, which
drives question → triage → [Meld bij coördinator] → form and returns the incident number.
:func:`quiet` waits until the fake has had no call for a moment (the process works after its
HTTP acknowledgement); :func:`shown` is everything any user could see; :func:`database_rows`
reads every row of every table.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import os
import re
import signal
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.adapters.slack.world import PROXY_VARIABLES, SCHOOL_YAML, SECRET, TEACHER, Found, find, text_of
from tests.conftest import PLAYBOOKS, REPO
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import FakeSlack

Json = dict[str, Any]

EVENTS_PATH = "/slack/events"
LISTENING = re.compile(r"Slack http at http://127\.0\.0\.1:(\d+)")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
NUMBER = re.compile(r"\d{4}-\d{4,6}")

#: The school of the Slack scenario tests, open every day from 00:00 to 23:59, so that no
#: escalation or message is held for working hours whenever the suite runs.
ALWAYS_OPEN = 'working_hours: {days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "23:59", ' \
              'tz: Europe/Amsterdam}'
RELIABILITY_SCHOOL_YAML = re.sub(r"(?m)^working_hours: .*$", ALWAYS_OPEN, SCHOOL_YAML)
assert ALWAYS_OPEN in RELIABILITY_SCHOOL_YAML

#: A question that reaches naaktbeeld-sexting, and answers by option id that end its triage.
QUESTION = "er gaat een naaktfoto rond van een leerling"
ANSWERS = {"distress": "no", "minor": "yes", "staff": "no", "extortion": "no"}
FORM = {"what": "Foto van leerling K. gaat rond", "where": "WhatsApp-groep", "since": "gisteren"}


def write_school(tmp_path: Path) -> Path:
    school = tmp_path / "school.yaml"
    if not school.exists():
        school.write_text(RELIABILITY_SCHOOL_YAML, encoding="utf-8")
    return school


def environment(fake: FakeSlack, database_url: str, school: Path, extra: Mapping[str, str] | None = None,
                ) -> dict[str, str]:
    dropped = {*PROXY_VARIABLES, "ALL_PROXY", "all_proxy", "DATABASE_URL", "HOST", "PORT", "SCHOOL_CONFIG",
               "PLAYBOOKS_DIR"}
    env = {k: v for k, v in os.environ.items()
           if k not in dropped and not k.startswith(("SLACK_", "TEAMS_"))}
    env.update(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.url, PORT="0",
               HOST="127.0.0.1", SCHOOL_CONFIG=str(school), DATABASE_URL=database_url, PLAYBOOKS_DIR=str(PLAYBOOKS),
               PYTHONUNBUFFERED="1")
    env.update(extra or {})
    return env


def signature(raw: bytes, secret: str, timestamp: int | str | None = None) -> dict[str, str]:
    """Slack's signing headers over the exact bytes sent (bad UTF-8 included)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return {"x-slack-request-timestamp": ts, "x-slack-signature": f"v0={digest}"}


@dataclass
class Served:
    """One ``serve`` process; see the module docstring."""

    name: str
    tmp_path: Path
    fake: FakeSlack
    database_url: str
    env: dict[str, str]
    process: asyncio.subprocess.Process
    port: int
    log_path: Path
    started_in: float
    """Seconds from spawning the process to its listening line."""
    http: aiohttp.ClientSession
    registry: list[Served] = field(default_factory=list)

    @classmethod
    async def start(cls, tmp_path: Path, fake: FakeSlack, database_url: str, *, name: str = "a",
                    school: Path | None = None, env: Mapping[str, str] | None = None,
                    registry: list[Served] | None = None) -> Served:
        """Start a process and wait until it listens (60 s, else fail with the log's tail).

        Args:
            school: the school.yaml (default: :data:`RELIABILITY_SCHOOL_YAML` in ``tmp_path``).
            env: extra or overriding environment variables.
            registry: a list every started process is appended to (the fixture kills them).
        """
        full = environment(fake, database_url, school or write_school(tmp_path), env)
        return await cls._launch(name, tmp_path, fake, database_url, full, [] if registry is None else registry)

    @classmethod
    async def _launch(cls, name: str, tmp_path: Path, fake: FakeSlack, database_url: str, env: dict[str, str],
                      registry: list[Served]) -> Served:
        log_path = tmp_path / f"serve-{name}.log"
        offset = log_path.stat().st_size if log_path.exists() else 0
        began = time.monotonic()
        with log_path.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "serve", cwd=REPO, env=env, stdin=asyncio.subprocess.DEVNULL,
                stdout=log, stderr=log)
        try:
            port = await _listening_port(process, log_path, offset)
        except BaseException:
            if process.returncode is None:
                process.kill()
                await process.wait()
            raise
        served = cls(name, tmp_path, fake, database_url, env, process, port, log_path, time.monotonic() - began,
                     aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)), registry)
        registry.append(served)
        return served

    # -- requests ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def post(self, body: str | bytes, content_type: str = p.JSON, *, secret: str | None = SECRET,
                   timestamp: int | str | None = None, headers: Mapping[str, str] | None = None,
                   path: str = EVENTS_PATH) -> tuple[int, str]:
        """POST ``body``; signed with ``secret`` (``None``: unsigned), ``headers`` added last."""
        raw = body.encode() if isinstance(body, str) else body
        sent = {"content-type": content_type}
        if secret is not None:
            sent.update(signature(raw, secret, timestamp))
        sent.update(headers or {})
        data = io.BytesIO(raw) if len(raw) > 1024 * 1024 else raw  # aiohttp warns on large raw bytes
        async with self.http.post(self.url + path, data=data, headers=sent) as response:
            return response.status, await response.text()

    async def event(self, event: Json, *, event_id: str | None = None, retry_num: int | None = None) -> int:
        """An Events API ``event_callback`` around ``event``, signed; Slack's retry headers with
        ``retry_num``. Returns the status."""
        headers = {"x-slack-retry-num": str(retry_num), "x-slack-retry-reason": "http_timeout"} \
            if retry_num is not None else None
        status, _ = await self.post(p.json_body(p.event_callback(event, event_id=event_id)), p.JSON, headers=headers)
        return status

    async def interact(self, payload: Json) -> tuple[int, str]:
        """A block action, view submission or shortcut as Slack posts it (``payload=`` form), signed."""
        return await self.post(p.interactive_body(payload), p.FORM)

    async def healthz(self) -> Json:
        async with self.http.get(self.url + "/healthz") as response:
            body: Json = await response.json()
            body.setdefault("http_status", response.status)
            return body

    # -- the log -------------------------------------------------------------------------------
    def log_text(self) -> str:
        """The whole log of this name so far (every start), undecodable bytes replaced."""
        return self.log_path.read_bytes().decode("utf-8", errors="replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.process.returncode is None

    async def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill: nothing is flushed, nothing cleaned up."""
        if self.running:
            self.process.kill()
        await self.process.wait()
        await self.http.close()

    async def stop(self, sig: signal.Signals = signal.SIGINT) -> None:
        """SIGINT (Ctrl-C) or SIGTERM (``docker stop``); the process must exit 0 within 30 s."""
        if self.running:
            self.process.send_signal(sig)
        try:
            code = await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            pytest.fail(f"serve-{self.name} did not stop within {STOP_TIMEOUT:g} s of {sig.name}:\n{self.log_tail()}")
        finally:
            await self.http.close()
        assert code == 0, f"serve-{self.name} exited {code} on {sig.name}:\n{self.log_tail()}"

    async def restart(self) -> Served:
        """A new process under the same name, database and environment (a new port). A process
        still running is killed first (SIGKILL): stop it yourself for a clean restart."""
        if self.running or not self.http.closed:
            await self.kill()
        return await Served._launch(self.name, self.tmp_path, self.fake, self.database_url, self.env, self.registry)


async def _listening_port(process: asyncio.subprocess.Process, log_path: Path, offset: int) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while True:
        with log_path.open("rb") as log:
            log.seek(offset)
            written = log.read().decode("utf-8", errors="replace")
        if found := LISTENING.search(written):
            return int(found.group(1))
        tail = "\n".join(written.splitlines()[-40:])
        if process.returncode is not None:
            pytest.fail(f"serve exited with {process.returncode} before it listened:\n{tail}")
        if loop.time() > deadline:
            pytest.fail(f"serve did not listen within {START_TIMEOUT:g} s:\n{tail}")
        await asyncio.sleep(0.05)


# -- waiting ---------------------------------------------------------------------------------------
async def quiet(fake: FakeSlack, *, settle: float = 0.3, timeout: float = 15.0) -> None:
    """Wait until the fake Slack has had no call for ``settle`` seconds (the process answers
    after its HTTP acknowledgement, and its outbox worker runs in the background)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen, since = len(fake.calls), loop.time()
    while loop.time() < deadline:
        await asyncio.sleep(0.05)
        if len(fake.calls) != seen:
            seen, since = len(fake.calls), loop.time()
        elif loop.time() - since >= settle:
            return
    raise AssertionError(f"the fake Slack was still being called after {timeout:g} s")


async def changed(fake: FakeSlack, channel: str, before: str, *, timeout: float = 15.0, what: str = "") -> None:
    """Wait until what ``channel`` shows differs from ``before`` (``snapshot(fake, channel)``)."""
    await fake.wait_until(lambda: snapshot(fake, channel) != before, timeout=timeout,
                          what=what or f"a change in {channel}")


def snapshot(fake: FakeSlack, channel: str) -> str:
    return json.dumps(fake.messages_in(channel), sort_keys=True)


# -- a user's actions --------------------------------------------------------------------------------
async def dm(served: Served, fake: FakeSlack, user: str, text: str, *, event_id: str | None = None) -> Json:
    """A DM to the bot; waits for the answer and returns the bot's latest message there."""
    channel = fake.dm_id(user)
    before = snapshot(fake, channel)
    status = await served.event(p.message_im(user, text, channel=channel), event_id=event_id)
    assert status == 200, status
    await changed(fake, channel, before, what=f"an answer in {user}'s DM")
    await quiet(fake, settle=0.2)
    return fake.messages_in(channel)[-1]


_presses = iter(range(1, 1_000_000))


async def press(served: Served, fake: FakeSlack, user: str, found: Found, *, value: str | None = None,
                block_id: str | None = None, trigger_ttl: float = 5.0) -> tuple[int, str]:
    """Press a button as ``user`` (``value``/``block_id`` override what the message carried: a
    forged press). Returns ``(status, response_url id)``; what was answered through the
    response_url is in ``fake.responses[id]``. Does not wait: see :func:`quiet`."""
    message = found.message
    response_id = f"r{next(_presses)}"
    payload = p.block_actions(
        user, action_id=found.element["action_id"], value=found.element.get("value", "") if value is None else value,
        block_id=found.block_id if block_id is None else block_id,
        trigger_id=fake.issue_trigger(trigger_ttl, user=user), channel=found.channel,
        message_ts=str(message.get("ts") or "1700000000.000001"),
        response_url=fake.response_url(response_id), is_ephemeral=bool(message.get("_ephemeral")),
        message_blocks=message.get("blocks"), message_text=message.get("text", ""),
        button_text=found.element["text"]["text"], user_name=user.lower())
    status, _ = await served.interact(payload)
    return status, response_id


async def submit(served: Served, fake: FakeSlack, user: str, values: Mapping[str, str], *,
                 view: Json | None = None, metadata: str | None = None) -> tuple[int, str]:
    """Submit a modal as ``user`` with ``values`` by field name (default: the last modal opened
    for them); ``metadata`` overrides its ``private_metadata`` (a forged form)."""
    if view is None:
        mine = [v.view for v in fake.opened_views if v.user == user]
        assert mine, f"no modal was opened for {user}"
        view = mine[-1]
    state: dict[str, dict[str, Json]] = {}
    for block in view["blocks"]:
        name = str(block.get("block_id", "")).removeprefix("f.")
        if block.get("type") == "input" and name in values:
            kind = block["element"]["type"]
            entry = p.select_value(values[name]) if kind == "static_select" else p.plain_value(values[name])
            state[block["block_id"]] = {block["element"].get("action_id", "value"): entry}
    payload = p.view_submission(user, callback_id=view["callback_id"],
                                private_metadata=view.get("private_metadata", "") if metadata is None else metadata,
                                values=state, view_id=view.get("id", "V1"), blocks=view["blocks"],
                                user_name=user.lower())
    return await served.interact(payload)


async def answer_triage(served: Served, fake: FakeSlack, user: str, answers: Mapping[str, str] | None = None,
                        ) -> Json:
    """Press the answer buttons in ``user``'s DM (by option id from ``answers``, else the first
    option) until none are left; returns the message with the steps."""
    dm_channel = fake.dm_id(user)
    for _ in range(12):
        message = fake.messages_in(dm_channel)[-1]
        options = [e for b in message.get("blocks", []) if b.get("type") == "actions" for e in b["elements"]
                   if ":ans:" in e.get("value", "")]
        if not options:
            return message
        question = options[0]["value"].split(":ans:")[1].split("=")[0]
        wanted = (answers or {}).get(question)
        chosen = next((e for e in options if wanted and e["value"].endswith(f"={wanted}")), options[0])
        before = snapshot(fake, dm_channel)
        status, _ = await press(served, fake, user, find(message, chosen["text"]["text"], dm_channel))
        assert status == 200, status
        await changed(fake, dm_channel, before, what=f"the answer to {question}")
        await quiet(fake, settle=0.15)
    raise AssertionError("the triage did not end")


def incident_numbers(fake: FakeSlack) -> list[str]:
    """Numbers of the incident channels the bot created, in order."""
    found = [NUMBER.search(c.name) for c in fake.channels.values() if c.name.startswith("incident-")]
    return [m.group(0) for m in found if m]


async def open_report_form(ask: Served, fake: FakeSlack, *, answer: Served | None = None, user: str = TEACHER,
                           question: str = QUESTION, answers: Mapping[str, str] | None = None,
                           timeout: float = 20.0) -> None:
    """The question (to ``ask``), the triage and [Meld bij coördinator] (to ``answer``, else ``ask``:
    two replicas behind a load balancer), until the report form is open."""
    await dm(ask, fake, user, question)
    steps = await answer_triage(answer or ask, fake, user, ANSWERS if answers is None else answers)
    opened = len(fake.opened_views)
    status, _ = await press(answer or ask, fake, user, find(steps, "Meld bij coördinator", fake.dm_id(user)))
    assert status == 200, status
    await fake.wait_until(lambda: len(fake.opened_views) > opened, timeout=timeout, what="the report form")


async def report(served: Served, fake: FakeSlack, question: str = QUESTION, *, user: str = TEACHER,
                 answers: Mapping[str, str] | None = None, form: Mapping[str, str] | None = None,
                 timeout: float = 20.0) -> str:
    """A full report through the served process: question → triage → [Meld bij coördinator] →
    the form. Waits until the incident channel exists with its card; returns the number (read
    from the channel's name, not from the reporter's confirmation)."""
    await open_report_form(served, fake, user=user, question=question, answers=answers, timeout=timeout)
    known = set(incident_numbers(fake))
    status, body = await submit(served, fake, user, FORM if form is None else form)
    assert status == 200 and "errors" not in body, body

    def opened_with_card() -> bool:
        new = [n for n in incident_numbers(fake) if n not in known]
        return bool(new) and bool(fake.messages_in(incident_channel(fake, new[0])))

    await fake.wait_until(opened_with_card, timeout=timeout, what="the incident channel and its card")
    await quiet(fake)
    [number] = [n for n in incident_numbers(fake) if n not in known]
    return number


def incident_channel(fake: FakeSlack, number: str) -> str:
    found = next((c for c in fake.channels.values() if c.name.startswith("incident-") and number in c.name), None)
    assert found is not None, f"no channel for incident {number}"
    return found.id


# -- what anyone could see ---------------------------------------------------------------------------
def shown(fake: FakeSlack) -> list[tuple[str, str]]:
    """``(where, JSON)`` of everything the bot made visible: every message in every channel and
    DM, ephemerals, response_url posts, modals and Home tabs."""
    out = [(f"channel {c}", json.dumps(m, ensure_ascii=False)) for c in list(fake.channels)
           for m in fake.messages_in(c)]
    out += [(f"ephemeral for {e.get('user')}", json.dumps(e, ensure_ascii=False)) for e in fake.ephemerals]
    out += [(f"response_url {r}", json.dumps(b, ensure_ascii=False)) for r, posts in fake.responses.items()
            for b in posts]
    out += [(f"view {v}", json.dumps(view, ensure_ascii=False)) for v, view in fake.views.items()]
    return out


def texts_for(fake: FakeSlack, user: str) -> list[str]:
    """What reached ``user`` privately: their DM, their ephemerals."""
    return [text_of(m) for m in fake.messages_in(user)] + \
        [text_of(e) for e in fake.ephemerals if e.get("user") == user]


# -- the database --------------------------------------------------------------------------------------
async def database_rows(database_url: str) -> dict[str, list[Json]]:
    """Every row of every table in the database (as the process left it), by table name."""
    def tables(sync: Connection) -> list[str]:
        return inspect(sync).get_table_names()

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            out: dict[str, list[Json]] = {}
            for name in await connection.run_sync(tables):
                result = await connection.execute(text(f'SELECT * FROM "{name}"'))
                out[name] = [dict(row._mapping) for row in result]
            return out
    finally:
        await engine.dispose()
