"""The Slack app: slack-bolt's AsyncApp on the core, served over HTTP or Socket Mode.

    service = create_slack(core, config)            # registers the Slack platform
    runner = await start_slack(service, "127.0.0.1", 3978)
    ...
    await runner.cleanup()                          # stops the socket, workers and server

Both modes run one small aiohttp server: ``/healthz`` always (liveness; in Socket Mode
it also says whether the socket is connected), and ``POST /slack/events`` in HTTP mode,
where every request's signature, timestamp and shape are checked before Bolt sees it
(401/400/413 otherwise; in Socket Mode the shape is checked the same way). The
background workers (escalation timers, the outbox) run in the same process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import traceback
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.refusals import Refusals
from adapters.requests import metrics_handler, request_ids
from adapters.slack import shapes
from adapters.slack.config import HTTP, SOCKET, SlackConfig, make_client
from adapters.slack.dedupe import SeenEvents
from adapters.slack.listeners import SlackListeners
from adapters.slack.platform import SlackPlatform
from adapters.slack.request import ParsedRequest, parse_body
from adapters.slack.sent import SentLedger
from adapters.stopping import DRAIN_TIMEOUT, SHUTDOWN_TIMEOUT
from bot.app import Core
from bot.notify.outbox import health as outbox_health
from bot.store.db import session_factory

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
#: Slack's requests are small; a larger body is refused before Bolt parses it.
MAX_BODY = 512 * 1024
WORKER_INTERVAL = 2.0

SERVICE_KEY: web.AppKey[SlackService] = web.AppKey("slack")


@dataclass
class SlackService:
    core: Core
    config: SlackConfig
    app: AsyncApp
    platform: SlackPlatform
    listeners: SlackListeners
    socket: AsyncSocketModeHandler | None = None
    run_workers: bool = True
    _tasks: list[asyncio.Task[Any]] = field(default_factory=list)


def create_slack(core: Core, config: SlackConfig, *, client: AsyncWebClient | None = None,
                 run_workers: bool = True) -> SlackService:
    """The Bolt app on the core. It checks the token lazily (one ``auth.test`` on the first
    request); :func:`check_token` checks it at start."""
    client = client or make_client(config.bot_token, config.api_url)
    app = AsyncApp(client=client, signing_secret=config.signing_secret,
                   request_verification_enabled=config.mode == HTTP, process_before_response=False)
    platform = SlackPlatform(client, ledger=SentLedger(session_factory(core.db)))
    core.add_platform(platform)
    listeners = SlackListeners(core, platform, SeenEvents(session_factory(core.db), clock=core.clock))
    listeners.register(app)
    app.error(_log_error)
    socket = CheckedSocketModeHandler(app, app_token=config.app_token) if config.mode == SOCKET else None
    return SlackService(core, config, app, platform, listeners, socket, run_workers)


class CheckedSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, with the shape checks HTTP mode makes before Bolt: an
    envelope of a shape Slack never sends is acknowledged (so it is not delivered again) and
    refused with one log line, instead of failing deep inside Bolt with a traceback."""

    async def handle(self, client: Any, req: SocketModeRequest) -> None:
        payload = req.payload if isinstance(req.payload, dict) else {}
        problem = (shapes.event_problem(payload) if req.type == "events_api"
                   else shapes.payload_problem(payload) if req.type == "interactive" else None)
        if problem:
            _refusals.log(f"a Socket Mode envelope of the wrong shape ({problem})")
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        await super().handle(client, req)


async def check_token(service: SlackService) -> dict[str, Any]:
    """``auth.test`` with the bot token: a wrong or revoked token stops the start with a
    clear message instead of failing at a teacher's first question."""
    response = await service.platform.client.auth_test()
    return dict(response.data) if isinstance(response.data, dict) else {}


def create_web_app(service: SlackService) -> web.Application:
    web_app = web.Application(client_max_size=MAX_BODY, middlewares=[request_ids])
    mount(web_app, service)
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics_handler(lambda app: app[SERVICE_KEY].core))
    return web_app


def mount(web_app: web.Application, service: SlackService) -> None:
    """Slack's routes and background work on an existing server (Teams may share it)."""
    web_app[SERVICE_KEY] = service
    if service.config.mode == HTTP:
        web_app.router.add_post(EVENTS_PATH, _events)
    web_app.cleanup_ctx.append(_running)


async def start_slack(service: SlackService, host: str, port: int) -> web.AppRunner:
    # No access log: a flood must not grow the log by a line per request.
    runner = web.AppRunner(create_web_app(service), access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


async def _running(web_app: web.Application) -> AsyncIterator[None]:
    service = web_app[SERVICE_KEY]
    # One HTTP session for every Web API call (Bolt's per-request clients share it too):
    # against slack.com a session per call would mean a TLS handshake per call. No cookie jar:
    # the Web API authenticates by token, and a jar read every response's cookies and matched
    # them against every request (a sixth of a Web API call's CPU, bench/load.py).
    client = service.platform.client
    own_session = client.session is None
    if own_session:
        client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout),
                                               cookie_jar=aiohttp.DummyCookieJar())
    workers = service.core.workers or service.core.make_workers(interval=WORKER_INTERVAL)
    tasks = [asyncio.create_task(workers.run())] if workers and service.run_workers else []
    if service.socket is not None:
        await service.socket.connect_async()  # type: ignore[no-untyped-call]
        log.info("Slack Socket Mode connected")
    yield
    if service.socket is not None:
        await service.socket.close_async()  # type: ignore[no-untyped-call]
    with contextlib.suppress(TimeoutError):
        await service.listeners.drain(DRAIN_TIMEOUT)
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if own_session and client.session is not None:
        await client.session.close()
        client.session = None


async def _events(request: web.Request) -> web.Response:
    """Checked here before Bolt sees anything: Bolt logs the whole body of a request whose
    signature fails (a report with names), and answers a malformed body with a 500."""
    service = request.app[SERVICE_KEY]
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _refuse(413, "too large")
    except RequestPayloadError:  # a body cut short, or not in the encoding it claims
        return _refuse(400, "an unreadable body")
    bolt_request, refusal = checked_request(body, request.headers, service.config.signing_secret,
                                            query=request.query_string)
    if bolt_request is None:
        return _refuse(*(refusal or (400, "not a Slack request")))
    return await to_aiohttp_response(await service.app.async_dispatch(bolt_request))


def check_request(body: bytes, headers: Mapping[str, str], secret: str, *,
                  now: float | None = None) -> tuple[int, str] | None:
    """(status, reason) for a request to refuse, None for one Bolt may have."""
    return checked_request(body, headers, secret, now=now)[1]


def checked_request(body: bytes, headers: Mapping[str, str], secret: str, *, query: str = "",
                    now: float | None = None) -> tuple[ParsedRequest | None, tuple[int, str] | None]:
    """The request for Bolt, or (status, reason) to refuse it with: a signature over the raw body
    within five minutes (401), then a body Slack could have sent (400). The body is parsed once
    (:mod:`adapters.slack.request`) and Bolt gets what was parsed, so the shape check sees
    exactly what the listeners will."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    if not (timestamp.isascii() and timestamp.isdigit()) or abs((now or time.time()) - int(timestamp)) > 60 * 5:
        return None, (401, "missing or stale timestamp")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:  # Slack sends UTF-8 (and the verifier would choke on it)
        return None, (400, "not UTF-8")
    if not SignatureVerifier(secret).is_valid(text, timestamp, headers.get("X-Slack-Signature", "")):
        return None, (401, "bad signature")
    as_json = "json" in headers.get("Content-Type", "")
    if not as_json and text.startswith("{"):  # Bolt would read it as JSON; Slack never sends that
        return None, (400, "not a Slack request")
    try:
        parsed, from_payload = parse_body(text, as_json=as_json)
    except (ValueError, RecursionError):
        return None, (400, "not a JSON object" if as_json else "a payload that is not a JSON object")
    if not isinstance(parsed, dict) or (as_json and not parsed):
        return None, (400, "not a JSON object" if as_json else "a payload that is not a JSON object")
    if as_json:
        problem = shapes.event_problem(parsed)
    elif from_payload:
        problem = shapes.payload_problem(parsed)
    elif "command" in parsed or "ssl_check" in parsed:
        problem = None
    else:
        return None, (400, "not a Slack request")
    if problem:
        kind = "an event" if as_json else "a payload"
        return None, (400, f"{kind} of the wrong shape ({problem})")
    try:  # Bolt reads the ids of the team, user and channel from the body
        return ParsedRequest(raw=text, body=parsed, query=query, headers=headers), None
    except (ValueError, AttributeError, TypeError, KeyError, IndexError):
        return None, (400, "a body with ids of the wrong shape")


_refusals = Refusals("Slack")


def _refuse(status: int, reason: str) -> web.Response:
    _refusals.log(reason)
    return web.json_response({"error": reason}, status=status)


async def healthz(request: web.Request) -> web.Response:
    service = request.app[SERVICE_KEY]
    deliveries = await outbox_health(session_factory(service.core.db), service.core.clock())
    body: dict[str, Any] = {"status": deliveries.pop("status"), "platform": "slack", "mode": service.config.mode,
                            "playbooks": len(service.core.library), "outbox": deliveries}
    if service.socket is not None:
        connected = await service.socket.client.is_connected()
        body["socket"] = "connected" if connected else "disconnected"
        if not connected:
            body["status"] = "degraded"
            return web.json_response(body, status=503)
    return web.json_response(body)


async def _log_error(error: Exception) -> None:
    """Listener failures are logged by type and place only, without a traceback: an exception's
    text (and Slack's error response in it) may quote a report."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    log.error("a Slack listener failed: %s%s", type(error).__name__, where)
