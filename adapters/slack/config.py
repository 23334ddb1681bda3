"""Slack settings from the environment, and the Web API client every call goes through.

* ``SLACK_BOT_TOKEN`` (``xoxb-…``) switches Slack on;
* with ``SLACK_APP_TOKEN`` (``xapp-…``) it runs in Socket Mode: no public URL needed;
* else with ``SLACK_SIGNING_SECRET`` it serves HTTP at ``/slack/events``;
* ``SLACK_API_URL`` points the client elsewhere (the tests' fake Web API on 127.0.0.1).

The client retries what Slack asks to be retried: 429 after ``Retry-After``, server
errors and dropped connections (slack_sdk's own handlers, not a loop of ours).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
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


def make_client(token: str, api_url: str = DEFAULT_API_URL, *, timeout: int = 10) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=api_url, timeout=timeout, retry_handlers=[
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ])
