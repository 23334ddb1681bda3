"""Socket Mode, the usual case for a school (no public URL): the real
AsyncSocketModeHandler connects through ``apps.connections.open`` on the fake Web API to a
fake websocket server, which delivers envelopes as Slack does and gets the acks back."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.adapters.slack.world import TEACHER, close_world, open_world, text_of
from tests.fakes import slack_payloads as p
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_socket import FakeSocketMode


async def test_a_dm_and_a_button_over_socket_mode(tmp_path: Path) -> None:
    fake = FakeSlack()
    await fake.start()
    socket = FakeSocketMode(fake)
    await socket.start()
    world = await open_world(tmp_path, mode="socket", fake=fake)
    try:
        await socket.wait_connected()
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
    finally:
        await close_world(world)
        await socket.close()
