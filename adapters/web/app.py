"""The simulator's HTTP side: one static page and a small JSON API.

* ``POST /api/event``: a message, button, command or form of one persona → the core.
  When the button or form belongs to a stored message (a DM, the incident card, a
  briefing preview), the request names it with ``message``; the adapter then does what
  a chat platform does: a reply with ``replace`` updates that message, other replies
  are posted next to it for the presser only, and only the ephemeral remarks come back
  in the response.
* ``GET /api/inbox``: the persona's DMs, the incident spaces it is a member of, the team
  channel and the simulated time. A persona never sees a space it is not in.
* ``POST /api/clock``: move the simulated clock forward and fire what became due.
* ``GET /favicon.ico``: the tab's icon (``/static/favicon.svg`` where SVG icons are shown).

The page polls the inbox every 1.5 s, so the access log skips ``/api/inbox``
(:class:`QuietPolls`): nine minutes with the page open were 400 lines that said nothing.
What someone did (an event, the clock) and what went wrong are logged, by route, never
with a query, a body or a path that matched no route (any of those may carry words).

The browser is untrusted even on localhost, so every field is validated
(:mod:`adapters.web.inbound`), malformed requests get a clear 4xx JSON error (never a
stack trace), and every response carries a strict Content-Security-Policy. State lives
in the core's database, so a reload or a server restart continues where everyone was.

Start it from the CLI or a test::

    runner = await start_web(core, "127.0.0.1", 0)
    port = bound_port(runner)          # == runner.addresses[0][1]
    ...
    await runner.cleanup()             # the caller still owns and closes the core
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from adapters.requests import metrics_handler, request_ids
from adapters.stopping import SHUTDOWN_TIMEOUT
from adapters.web import inbound
from adapters.web.background import Background
from adapters.web.inbound import MAX_BODY, BadRequest, Who
from adapters.web.platform import Stored, WebPlatform, dm_channel
from adapters.web.render import render_reply
from bot.app import Core
from bot.messages import Reply
from bot.notify.working_hours import is_open
from bot.ports import MessageRef
from bot.store.db import session_factory

__all__ = ["CSP", "MAX_BODY", "QuietPolls", "create_web_app", "start_web", "bound_port"]

log = logging.getLogger(__name__)
access_log = logging.getLogger("adapters.web.access")

STATIC_DIR = Path(__file__).parent / "static"
#: How often the background loop fires due escalations and retries deliveries.
WORKER_INTERVAL = 0.5
DEFAULT_TZ = "Europe/Amsterdam"
_DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")

#: Only our own files: no inline script or style, no framing, no other origins.
#: Trusted Types make ``innerHTML`` accept only values from the page's one named policy.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "
    "require-trusted-types-for 'script'; trusted-types protocolwijzer"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
NO_STORE = {"Cache-Control": "no-store"}

CORE_KEY = web.AppKey("core", Core)
PLATFORM_KEY = web.AppKey("platform", WebPlatform)
BACKGROUND_KEY = web.AppKey("background", Background)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_web_app(core: Core, *, run_workers: bool = True) -> web.Application:
    """The aiohttp application; it does not own ``core`` and never closes it.

    On start it registers the simulator's platform with the core and (``run_workers``)
    runs the background loop; tests pass ``False`` and rely on the rounds the handlers
    do themselves, so nothing happens behind their back.
    """
    app = web.Application(client_max_size=MAX_BODY, middlewares=[request_ids, _json_errors])
    app[CORE_KEY] = core
    platform = WebPlatform(session_factory(core.db), clock=core.clock)
    core.add_platform(platform)
    app[PLATFORM_KEY] = platform
    app[BACKGROUND_KEY] = Background(core.make_workers(interval=WORKER_INTERVAL), core.clock,
                                     interval=WORKER_INTERVAL)
    app.cleanup_ctx.append(_tables_and_workers(run_workers))
    app.router.add_get("/", _index)
    app.router.add_get("/favicon.ico", _favicon)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", metrics_handler(lambda app: app[CORE_KEY]))
    app.router.add_post("/api/event", _event)
    app.router.add_get("/api/inbox", _inbox)
    app.router.add_post("/api/clock", _clock)
    app.router.add_static("/static/", STATIC_DIR, follow_symlinks=False)
    app.on_response_prepare.append(_security_headers)
    return app


def _tables_and_workers(run_workers: bool) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(app[BACKGROUND_KEY].run()) if run_workers else None
        yield
        if task:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return context


async def start_web(core: Core, host: str, port: int) -> web.AppRunner:
    """Serve the simulator on ``host:port`` (port 0: any free port, see :func:`bound_port`),
    with the background workers running. Stop it with ``await runner.cleanup()``."""
    runner = web.AppRunner(create_web_app(core), shutdown_timeout=SHUTDOWN_TIMEOUT,
                           access_log_class=QuietPolls, access_log=access_log)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()  # e.g. the port is taken: do not leak the runner
        raise
    log.info("web simulator listening on http://%s:%d/", host, bound_port(runner))
    return runner


def bound_port(runner: web.AppRunner) -> int:
    """The TCP port the runner actually listens on (useful after asking for port 0)."""
    return int(runner.addresses[0][1])


# -- handlers ------------------------------------------------------------------------
async def _index(_request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


async def _favicon(_request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC_DIR / "favicon.ico", headers={"Cache-Control": "max-age=86400"})


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "playbooks": len(request.app[CORE_KEY].library)})


async def _event(request: web.Request) -> web.Response:
    core, platform = request.app[CORE_KEY], request.app[PLATFORM_KEY]
    data = await inbound.read_json(request)
    asker = inbound.who(data, core.directory)
    event = inbound.parse_event(data, asker)
    origin_id = inbound.message_id(data)
    origin = None
    if origin_id is not None:
        origin = await platform.visible(origin_id, asker.user.id, team=_team(core))
        if origin is None:
            raise BadRequest("Field 'message' names no message you can see.", 404)
    replies = await core.handle(event)
    if origin is not None:
        replies = await _answer_in_place(platform, origin, asker, replies)
    await _round(request.app)
    return web.json_response({"replies": [render_reply(reply) for reply in replies]}, headers=NO_STORE)


async def _answer_in_place(platform: WebPlatform, origin: Stored, asker: Who, replies: list[Reply]) -> list[Reply]:
    """Replies to a button on a stored message, as a chat platform shows them: the first
    ``replace`` updates that message, other replies land next to it for the presser only;
    the ephemeral remarks are returned for the page to show."""
    replaced = False
    remarks = []
    for reply in replies:
        if reply.ephemeral:
            remarks.append(reply)
        elif reply.replace and not replaced:
            await platform.update(_ref(origin), reply)
            replaced = True
        else:
            private = None if origin.channel == dm_channel(asker.user.id) else asker.user.id
            await platform.add(origin.channel, reply, only_for=private)
    return remarks


def _ref(stored: Stored) -> MessageRef:
    return MessageRef(WebPlatform.name, stored.channel, str(stored.id))


async def _inbox(request: web.Request) -> web.Response:
    core, platform = request.app[CORE_KEY], request.app[PLATFORM_KEY]
    asker = inbound.who(dict(request.query), core.directory)
    box = await platform.inbox(asker.user.id, team=_team(core))
    return web.json_response({
        "persona": asker.persona,
        "user": asker.user.id,
        "now": simulated_time(core),
        "dms": [_message(m, core) for m in box.dms],
        "spaces": [{"name": s.name, "messages": [_message(m, core) for m in s.messages]} for s in box.spaces],
        "team": [_message(m, core) for m in box.team],
    }, headers=NO_STORE)


async def _clock(request: web.Request) -> web.Response:
    core = request.app[CORE_KEY]
    minutes = inbound.clock_minutes(await inbound.read_json(request))
    await request.app[BACKGROUND_KEY].advance(timedelta(minutes=minutes))
    return web.json_response({"now": simulated_time(core)}, headers=NO_STORE)


# -- helpers -------------------------------------------------------------------------
async def _round(app: web.Application) -> None:
    """Deliver what the event caused before answering, so the page shows it at once. A
    failure here does not undo the event: the background loop retries the delivery."""
    try:
        await app[BACKGROUND_KEY].round()
    except Exception:
        log.exception("delivery round after an event failed; the background loop retries")


def _team(core: Core) -> str:
    """The team channel's simulator id from the school directory ("" without one)."""
    channel = core.directory.channels.get("team") if core.directory else None
    return channel.web if channel else ""


def _zone(core: Core) -> ZoneInfo:
    return ZoneInfo(core.directory.working_hours.tz if core.directory else DEFAULT_TZ)


def simulated_time(core: Core) -> dict[str, Any]:
    """The core's clock in the school's time zone, and whether it is within working hours."""
    now = core.clock()
    local = now.astimezone(_zone(core))
    return {
        "iso": local.isoformat(timespec="minutes"),
        "label": f"{_DAYS[local.weekday()]} {local:%d-%m %H:%M}",
        "tz": local.tzname() or "",
        "working_hours": is_open(now, core.directory.working_hours) if core.directory else None,
    }


def _message(stored: Stored, core: Core) -> dict[str, Any]:
    return {"id": str(stored.id), "version": stored.version,
            "time": f"{stored.at.astimezone(_zone(core)):%H:%M}", "reply": stored.content}


# -- access log --------------------------------------------------------------------------
class QuietPolls(AbstractAccessLogger):
    """One line for a request someone made (``POST``) or one that failed (4xx/5xx); none
    for the page's polls of ``/api/inbox``, its files or a health check.

    The line names the route's pattern (``/static/{filename}``), not the path asked for:
    a path that matched no route is whatever was typed into the address bar, and the query
    of a poll carries the session. aiohttp's own access log would write every poll and,
    being a library's logger, lose its words in :mod:`bot.logs` anyway.
    """

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if request.path == "/api/inbox" or (request.method in ("GET", "HEAD") and response.status < 400):
            return
        resource = request.match_info.route.resource if isinstance(request, web.Request) else None
        route = resource.canonical if resource is not None else "(no route)"
        method = request.method if request.method in _METHODS else "OTHER"
        self.logger.info("%s %s %d (%.0f ms)", method, route, response.status, time * 1000)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# -- middleware and signals ------------------------------------------------------------
@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """API errors as ``{"error": ...}``; unexpected failures logged, never shown."""
    try:
        return await handler(request)
    except BadRequest as exc:
        return web.json_response({"error": exc.message}, status=exc.status)
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.status < 400:
            raise
        return web.json_response({"error": exc.reason}, status=exc.status, headers=_allow(exc))
    except Exception:
        log.exception("unexpected error in the web simulator")
        return web.json_response({"error": "Internal server error."}, status=500)


def _allow(exc: web.HTTPException) -> dict[str, str]:
    allow = exc.headers.get("Allow")
    return {"Allow": allow} if allow else {}


async def _security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
