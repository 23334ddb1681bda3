"""A fake Socket Mode server, so the Socket Mode adapter can be tested offline.

slack_sdk's ``SocketModeClient`` (used by Bolt's ``AsyncSocketModeHandler``) first calls
``apps.connections.open`` through its web client, then opens the websocket URL it got back. Given a
``FakeSlack``, this server sets ``fake.socket_url`` so that call returns a ``ws://127.0.0.1`` URL, says
``hello`` on connect (the shape Slack sends) and lets a test push envelopes and await their acks.

Usage::

    async with FakeSlack() as api, FakeSocketMode(api) as socket:
        handler = AsyncSocketModeHandler(app, app_token="xapp-1-test")   # app.client.base_url == api.url
        await handler.connect_async()
        await socket.wait_connected()
        ack = await socket.send("events_api", event_callback(message_im("U1", "hoi")))

Envelope and hello shapes: slackapi/bolt-python ``tests/adapter_tests/socket_mode/mock_socket_mode_server.py``
and ``slack_sdk/socket_mode/request.py``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from tests.fakes.slack_api import FakeSlack

Json = dict[str, Any]


class FakeSocketMode:
    """A websocket endpoint at ``ws://127.0.0.1:PORT/link`` speaking Slack's Socket Mode envelopes.

    Attributes:
        connections: websocket connections accepted so far (a reconnect adds one).
        sent: every envelope sent, in order.
        received: every JSON message a client sent (acks), in order.
    """

    def __init__(self, api: FakeSlack | None = None, *, app_id: str = "A0001") -> None:
        self.api = api
        self.app_id = app_id
        self.connections = 0
        self.sent: list[Json] = []
        self.received: list[Json] = []
        self._sockets: list[web.WebSocketResponse] = []
        self._pending: dict[str, asyncio.Future[Json]] = {}
        self._runner: web.AppRunner | None = None
        self._url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._link)
        app.on_shutdown.append(self._close_sockets)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self._url = f"ws://{host}:{port}/link?ticket=fake&app_id={self.app_id}"
        if self.api is not None:
            self.api.socket_url = self._url

    async def close(self) -> None:
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSocketMode:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def url(self) -> str:
        if not self._url:
            raise RuntimeError("FakeSocketMode is not started; await socket.start() first")
        return self._url

    @property
    def connected(self) -> bool:
        return any(not ws.closed for ws in self._sockets)

    async def wait_connected(self, timeout: float = 5.0, *, count: int = 1) -> None:
        """Wait until ``count`` connections were made in total and one is open (``count=2``: a reconnect)."""
        await self._poll(lambda: self.connections >= count and self.connected, timeout, f"{count} connection(s)")

    async def send(
        self,
        type_: str,
        payload: Json,
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        accepts_response_payload: bool = True,
        timeout: float = 5.0,
    ) -> Json:
        """Send an envelope to the newest open connection and return the client's ack for it.

        Args:
            type_: ``"events_api"``, ``"interactive"`` or ``"slash_commands"``.
            payload: what Slack would POST over HTTP, e.g. ``event_callback(...)`` or a ``block_actions`` dict.
        """
        socket = next((ws for ws in reversed(self._sockets) if not ws.closed), None)
        if socket is None:
            raise AssertionError("no Socket Mode client is connected")
        envelope_id = str(uuid.uuid4())
        envelope: Json = {
            "envelope_id": envelope_id,
            "type": type_,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if type_ == "events_api" or retry_attempt or retry_reason:
            # Slack puts the retry fields on events_api envelopes only, 0 and "" on a first delivery; Bolt 1.30
            # turns them into x-slack-retry-num / x-slack-retry-reason headers (so "0" means "not a retry").
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        future: asyncio.Future[Json] = asyncio.get_running_loop().create_future()
        self._pending[envelope_id] = future
        self.sent.append(envelope)
        await socket.send_str(json.dumps(envelope))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise AssertionError(f"no ack for {type_} envelope {envelope_id} within {timeout:g}s") from None
        finally:
            self._pending.pop(envelope_id, None)

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect, as Slack does every few hours (it calls apps.connections.open again)."""
        for ws in self._sockets:
            if not ws.closed:
                await ws.send_str(json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}}))

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()  # autoping: aiohttp answers the client's pings
        await ws.prepare(request)
        self._sockets.append(ws)
        self.connections += 1
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "fake", "build_number": 1, "approximate_connection_time": 18060},
                    "connection_info": {"app_id": self.app_id},
                }
            )
        )
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                data = json.loads(message.data)
                self.received.append(data)
                future = self._pending.get(str(data.get("envelope_id")))
                if future is not None and not future.done():
                    future.set_result(data)
        finally:
            self._sockets.remove(ws)
        return ws

    async def _close_sockets(self, app: web.Application) -> None:
        for ws in list(self._sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")

    async def _poll(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            if loop.time() >= deadline:
                raise AssertionError(f"Socket Mode: {what} not reached within {timeout:g}s ({self.connections} so far)")
            await asyncio.sleep(0.01)
