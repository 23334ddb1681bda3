"""Socket Mode, the usual case for a school (no public URL): the real
AsyncSocketModeHandler connects through ``apps.connections.open`` on the fake Web API to a
fake websocket server, which delivers envelopes as Slack does and gets the acks back."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

from bot.logs import LibrariesWithoutWords
from tests.adapters.slack.world import TEACHER, SlackWorld, close_world, open_world, text_of
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_socket import FakeSocketMode


@contextlib.asynccontextmanager
async def socket_world(tmp_path: Path) -> AsyncIterator[tuple[FakeSlack, FakeSocketMode, SlackWorld]]:
    """The school on Slack in Socket Mode, connected to the fake socket server."""
    fake = FakeSlack()
    await fake.start()
    socket = FakeSocketMode(fake)
    await socket.start()
    world = await open_world(tmp_path, mode="socket", fake=fake)
    try:
        await socket.wait_connected()
        yield fake, socket, world
    finally:
        await close_world(world)
        await socket.close()


async def test_a_dm_and_a_button_over_socket_mode(tmp_path: Path) -> None:
    async with socket_world(tmp_path) as (fake, socket, world):
        [connect] = fake.calls_to("apps.connections.open")
        assert connect.token.startswith("xapp-"), "the app-level token opens the socket"
        event = p.event_callback(p.message_im(TEACHER, "er gaat een naaktfoto rond van een leerling",
                                              channel=fake.dm_id(TEACHER)))
        ack = await socket.send("events_api", event)
        assert ack["envelope_id"] == socket.sent[-1]["envelope_id"]
        await world.settle()
        answer = world.latest(TEACHER)
        assert "aakt" in text_of(answer)

        # The same event again (Slack's retry after a reconnect): acknowledged, not answered twice.
        await socket.send("events_api", event, retry_attempt=1, retry_reason="timeout")
        await world.settle()
        assert len(fake.messages_in(TEACHER)) == 1

        # A button press is an interactive envelope; the answer replaces the message.
        button = next(e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"])
        payload = p.block_actions(TEACHER, action_id=button["action_id"], value=button["value"],
                                  block_id=next(b["block_id"] for b in answer["blocks"] if b["type"] == "actions"),
                                  trigger_id=fake.issue_trigger(user=TEACHER), channel=fake.dm_id(TEACHER),
                                  message_ts=answer["ts"], response_url=fake.response_url("s1"),
                                  message_blocks=answer["blocks"])
        await socket.send("interactive", payload)
        await world.settle()
        assert fake.calls_to("chat.update")
        assert len(fake.messages_in(TEACHER)) == 1

        async with aiohttp.ClientSession() as http:
            health_url = world.events_url.replace("/slack/events", "/healthz")
            async with http.get(health_url) as response:
                body = await response.json()
        assert response.status == 200 and body["socket"] == "connected" and body["mode"] == "socket"


async def test_hostile_envelopes_are_acknowledged_and_log_no_words(tmp_path: Path) -> None:
    """Envelopes of shapes Slack never sends, and an answer that fails: each is acknowledged (so
    Slack does not send it again), nothing is answered, and with the process's log guard
    (bot.logs, as ``serve`` installs it) no typed word reaches the log, from us or a library."""
    marker = "MARKER-SOCKET-Jan-uit-3B"
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Collect()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    handler.addFilter(LibrariesWithoutWords())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        async with socket_world(tmp_path) as (fake, socket, world):
            dm = fake.dm_id(TEACHER)
            hostile = [
                ("events_api", p.event_callback({"type": "message", "channel": dm, "user": [marker], "text": marker})),
                ("events_api", {"type": "event_callback", "event": marker}),
                ("events_api", {"type": "event_callback", "event": {"type": "app_mention", "text": marker},
                                "authorizations": marker}),
                ("interactive", {"type": "block_actions", "user": {"id": TEACHER}, "actions": [], "text": marker}),
                ("interactive", {"type": "view_submission", "user": {"id": TEACHER}, "view": marker}),
                ("interactive", {"type": "block_actions", "user": [marker], "actions": [{"action_id": marker}]}),
            ]
            for kind, payload in hostile:
                ack = await socket.send(kind, payload)
                assert ack["envelope_id"] == socket.sent[-1]["envelope_id"]
            # A well-formed question whose answer Slack refuses: the failure is logged without words.
            fake.fail_next("chat.postMessage", status=200, error="invalid_blocks")
            await socket.send("events_api", p.event_callback(p.message_im(TEACHER, f"naaktfoto {marker}", channel=dm)))
            await world.settle()
            assert not fake.messages_in(TEACHER)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    assert not [r for r in records if marker in r], [r for r in records if marker in r][:3]
    assert not [r for r in records if "Traceback" in r]
    assert any("wrong shape" in r for r in records)
