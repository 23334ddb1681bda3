"""Slack settings from the environment, and the Web API client every call goes through.

* ``SLACK_BOT_TOKEN`` (``xoxb-…``) switches Slack on;
* with ``SLACK_APP_TOKEN`` (``xapp-…``) it runs in Socket Mode: no public URL needed;
* else with ``SLACK_SIGNING_SECRET`` it serves HTTP at ``/slack/events``;
* ``SLACK_API_URL`` points the client elsewhere (the tests' fake Web API on 127.0.0.1).

The client retries, with slack_sdk's own handlers, only what is safe to repeat: a connection
that could not be made, a rate limit (429) whose ``Retry-After`` is short, and a server error
or dropped connection on a method that only reads. A server error or a connection dropped
while posting may have been carried out (a DM posted, then a 500): repeating
``chat.postMessage`` there would double it, so those are left to the outbox, the one retry
loop, which looks for the message before posting again (:mod:`adapters.slack.sent`). While
the outbox delivers, no rate limit is waited out inside a call at all: the outbox comes back
after it (:class:`bot.ports.RetryLater`) instead of holding its round.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass

from aiohttp import ClientConnectorError, ClientOSError, ServerConnectionError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

DEFAULT_API_URL = "https://slack.com/api/"
SOCKET, HTTP = "socket", "http"


class SlackConfigError(ValueError):
    """A setting that cannot work; the message says which and what to do."""


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str
    app_token: str = ""
    signing_secret: str = ""
    api_url: str = DEFAULT_API_URL

    @property
    def mode(self) -> str:
        return SOCKET if self.app_token else HTTP

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SlackConfig | None:
        """None when ``SLACK_BOT_TOKEN`` is not set (Slack is off)."""
        env = os.environ if env is None else env
        token = env.get("SLACK_BOT_TOKEN", "").strip()
        if not token:
            return None
        config = cls(token, env.get("SLACK_APP_TOKEN", "").strip(), env.get("SLACK_SIGNING_SECRET", "").strip(),
                     env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL)
        config.check()
        return config

    def check(self) -> None:
        if not self.bot_token.startswith("xoxb-"):
            raise SlackConfigError("SLACK_BOT_TOKEN must be the Bot User OAuth Token (starts with xoxb-).")
        if self.app_token and not self.app_token.startswith("xapp-"):
            raise SlackConfigError("SLACK_APP_TOKEN must be an App-Level Token with connections:write "
                                   "(starts with xapp-).")
        if not self.app_token and not self.signing_secret:
            raise SlackConfigError("Set SLACK_APP_TOKEN (Socket Mode, no public URL needed) or "
                                   "SLACK_SIGNING_SECRET (HTTP at /slack/events).")


#: The longest ``Retry-After`` waited out inside one call; well below the outbox's lease.
RATE_LIMIT_WAIT = 20


OUTBOX_CALL: ContextVar[bool] = ContextVar("slack_outbox_call", default=False)
"""Set while the outbox delivers: a 429 then goes back to the outbox at once (as
:class:`bot.ports.RetryLater`) instead of being waited out while the outbox round waits."""
#: Methods that only read: repeating one changes nothing, so a 5xx or a dropped connection is
#: retried for these (and for nothing that posts, creates or invites).
READS = frozenset({"auth.test", "conversations.history", "conversations.list", "conversations.members",
                   "conversations.info", "users.info", "apps.connections.open"})


def _method(request: HttpRequest) -> str:
    return request.url.rstrip("/").rsplit("/", 1)[-1]


class ShortRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler, but only for a ``Retry-After`` of at most ``longest`` seconds,
    and not while the outbox delivers (:data:`OUTBOX_CALL`)."""

    def __init__(self, *, max_retry_count: int = 2, longest: int = RATE_LIMIT_WAIT) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.longest = longest

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        if response is None or response.status_code != 429 or OUTBOX_CALL.get():
            return False
        values = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), ["1"])
        value = str(values[0] if isinstance(values, list) and values else values)
        return value.isascii() and value.isdigit() and int(value) <= self.longest


class ReadRetryHandler(AsyncRetryHandler):
    """A server error or a dropped connection on a method that only reads: safe to repeat."""

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        if _method(request) not in READS:
            return False
        if response is not None:
            return response.status_code in (500, 502, 503, 504)
        return isinstance(error, ServerConnectionError | ClientOSError)


#: The Web API client's logger, with a level of its own. slack_sdk checks ``logger.level <=
#: DEBUG`` (not ``isEnabledFor``) before it formats every request, blocks and all, into a debug
#: line: with the level unset (0) it did so on every call, a twentieth of a button press's CPU,
#: for a line our log handlers then drop.
CLIENT_LOGGER = logging.getLogger("slack_sdk.web.async_client")
CLIENT_LOGGER.setLevel(logging.INFO)


def make_client(token: str, api_url: str = DEFAULT_API_URL, *, timeout: int = 10) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=api_url, timeout=timeout, logger=CLIENT_LOGGER, retry_handlers=[
        # Only a connection that was never made: nothing reached Slack.
        AsyncConnectionErrorRetryHandler(max_retry_count=2, error_types=[ClientConnectorError]),
        ShortRateLimitRetryHandler(),
        ReadRetryHandler(max_retry_count=2),
    ])
