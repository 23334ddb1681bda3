"""The simulator's HTTP side: one static chat page and one JSON endpoint.

The browser is untrusted even on localhost, so ``POST /api/event`` validates every field
before it builds a core event, answers malformed requests with a clear 4xx JSON error
(never a stack trace), and every response carries a strict Content-Security-Policy.
Conversation state lives in the core's database, keyed by the page's random session id,
so a reload or a server restart continues where the teacher was.

Start it from the CLI or a test::

    runner = await start_web(core, "127.0.0.1", 0)
    port = bound_port(runner)          # == runner.addresses[0][1]
    ...
    await runner.cleanup()             # the caller still owns and closes the core
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.web.render import render_reply
from bot.app import Core
from bot.events import ButtonPressed, Command, ConversationKey, Event, TextMessage, UserRef

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"

PLATFORM = "web"
CHANNEL = "simulator"
MAX_BODY = 64 * 1024
MAX_TEXT = 2000
MAX_PAYLOAD = 500
#: Matched with ``fullmatch``: a ``$`` would also accept a trailing newline.
SESSION_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
COMMANDS = frozenset({"resume", "menu", "restart", "lang", "start"})
EVENT_TYPES = ("text", "button", "command")

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

CORE_KEY = web.AppKey("core", Core)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadRequest(Exception):
    """A request we refuse; ``status`` and ``message`` become the JSON error response."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def create_web_app(core: Core) -> web.Application:
    """The aiohttp application; it does not own ``core`` and never closes it."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[_json_errors])
    app[CORE_KEY] = core
    app.router.add_get("/", _index)
    app.router.add_get("/healthz", _healthz)
    app.router.add_post("/api/event", _event)
    app.router.add_static("/static/", STATIC_DIR, follow_symlinks=False)
    app.on_response_prepare.append(_security_headers)
    return app


async def start_web(core: Core, host: str, port: int) -> web.AppRunner:
    """Serve the simulator on ``host:port`` (port 0: any free port, see :func:`bound_port`).

    Returns the started runner; stop it with ``await runner.cleanup()``.
    """
    runner = web.AppRunner(create_web_app(core))
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


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "playbooks": len(request.app[CORE_KEY].library)})


async def _event(request: web.Request) -> web.Response:
    data = await _read_json(request)
    event = parse_event(data)
    replies = await request.app[CORE_KEY].conversations.handle(event)
    return web.json_response({"replies": [render_reply(reply) for reply in replies]},
                             headers={"Cache-Control": "no-store"})


# -- request parsing -------------------------------------------------------------------
async def _read_json(request: web.Request) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise BadRequest(f"Request body is larger than {MAX_BODY // 1024} KiB.", 413)
    if request.content_type != "application/json":
        raise BadRequest("Content-Type must be application/json.", 415)
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise BadRequest(f"Request body is larger than {MAX_BODY // 1024} KiB.", 413) from exc
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("Request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise BadRequest("Request body must be a JSON object.")
    return data


def _string(data: dict[str, Any], name: str, *, limit: int, required: bool = True) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if value is None:
        raise BadRequest(f"Field '{name}' is required.")
    if not isinstance(value, str):
        raise BadRequest(f"Field '{name}' must be a string.")
    if len(value) > limit:
        raise BadRequest(f"Field '{name}' must be at most {limit} characters.")
    return value


def parse_event(data: dict[str, Any]) -> Event:
    """Validate the request fields and build the neutral core event they describe."""
    session = _string(data, "session", limit=64)
    if not SESSION_PATTERN.fullmatch(session):
        raise BadRequest("Field 'session' must be 8 to 64 characters: letters, digits, '-' or '_'.")
    key = ConversationKey(platform=PLATFORM, user_id=session, channel_id=CHANNEL)
    user = UserRef(PLATFORM, session)
    kind = data.get("type")
    if kind == "text":
        text = _string(data, "text", limit=MAX_TEXT)
        if not text.strip():
            raise BadRequest("Field 'text' must not be empty.")
        return TextMessage(key, user, text)
    if kind == "button":
        payload = _string(data, "payload", limit=MAX_PAYLOAD)
        if not payload:
            raise BadRequest("Field 'payload' must not be empty.")
        return ButtonPressed(key, user, payload)
    if kind == "command":
        name = _string(data, "name", limit=32)
        if name not in COMMANDS:
            raise BadRequest(f"Field 'name' must be one of: {', '.join(sorted(COMMANDS))}.")
        return Command(key, user, name, _string(data, "arg", limit=MAX_TEXT, required=False))
    raise BadRequest(f"Field 'type' must be one of: {', '.join(EVENT_TYPES)}.")


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
