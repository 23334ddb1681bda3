"""What every server of the bot does around each request: an id, a timing, and ``/metrics``.

Why an id: with several replicas behind a load balancer, the lines one request caused must be
found together. It is random (never derived from the request: no user id, no body); the work
a request starts (a Slack listener after the acknowledgement) inherits it.

Why here: the Slack, Teams and simulator servers are separate ``aiohttp`` applications (or one,
when Slack and Teams share a port); they share this middleware and this ``/metrics`` handler,
so every replica reports the same figures whatever it serves (:mod:`bot.metrics`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot import metrics
from bot.app import Core
from bot.logs import REQUEST_ID
from bot.store.db import session_factory

HEADER = "X-Request-Id"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def platform_of(path: str) -> str:
    """The metrics label of a request: from its path, never from what it carries."""
    if path.startswith("/slack/"):
        return "slack"
    if path.startswith("/api/messages"):
        return "teams"
    if path in ("/healthz", "/metrics"):
        return "health"
    return "web"


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = REQUEST_ID.set(uuid.uuid4().hex[:16])
    began = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers[HEADER] = REQUEST_ID.get()
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        metrics.REQUESTS.labels(platform_of(request.path), str(status)).observe(time.perf_counter() - began)
        REQUEST_ID.reset(token)


def metrics_handler(core_of: Callable[[web.Application], Core]) -> Handler:
    """``GET /metrics``: the counters of this process and the state of the shared database."""

    async def handler(request: web.Request) -> web.Response:
        core = core_of(request.app)
        await metrics.refresh(session_factory(core.db), core.clock())
        return web.Response(body=metrics.exposition(), headers={"Content-Type": metrics.CONTENT_TYPE})

    return handler
