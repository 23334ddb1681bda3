"""A request id for every request the servers handle, in the log's JSON lines and the response.

Why: with several replicas behind a load balancer, the lines one request caused must be found
together. The id is random (never derived from the request: no user id, no body); the work a
request starts (a Slack listener after the acknowledgement) inherits it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.logs import REQUEST_ID

HEADER = "X-Request-Id"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = REQUEST_ID.set(uuid.uuid4().hex[:16])
    try:
        response = await handler(request)
        response.headers[HEADER] = REQUEST_ID.get()
        return response
    finally:
        REQUEST_ID.reset(token)
