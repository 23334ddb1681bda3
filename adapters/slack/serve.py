"""``protocolwijzer serve`` with Slack: settings, a token check, the server, a clean stop.

A wrong setting or a refused token stops the start with one clear line (exit code 1),
before a teacher's first question could fail.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError

from adapters.slack.app import check_token, create_slack, start_slack
from adapters.slack.config import SlackConfig, SlackConfigError
from bot.app import build_core
from bot.settings import Settings

log = logging.getLogger("protocolwijzer")


async def serve_slack(settings: Settings, host: str | None, port: int | None, *,
                      until: Callable[[], Awaitable[None]]) -> int:
    try:
        config = SlackConfig.from_env()
    except SlackConfigError as exc:
        print(f"protocolwijzer: {exc}", file=sys.stderr)
        return 1
    if config is None:
        print("protocolwijzer: SLACK_BOT_TOKEN is not set", file=sys.stderr)
        return 1
    core = await build_core(settings)
    try:
        if core.directory is None:
            log.warning("no %s: answers work, but reporting to a coordinator is off until the school directory "
                        "is filled in (see school.example.yaml)", settings.school_config)
        service = create_slack(core, config)
        try:
            identity = await check_token(service)
        except (SlackApiError, OSError) as exc:
            print(f"protocolwijzer: {_token_refusal(exc)}", file=sys.stderr)
            return 1
        log.info("Slack workspace %s as %s (%s mode)", identity.get("team", "?"), identity.get("user", "?"),
                 config.mode)
        try:
            runner = await start_slack(service, host or settings.host, settings.port if port is None else port)
        except OSError as exc:
            print(f"protocolwijzer: cannot start: {exc}", file=sys.stderr)
            return 1
        # Everything loaded at start lives as long as the process: keep it out of the
        # garbage collector's full passes, which otherwise pause the loop for ~90 ms.
        gc.collect()
        gc.freeze()
        host_port = runner.addresses[0][:2]
        log.info("Slack %s at http://%s:%s (/healthz%s)", config.mode, *host_port,
                 ", /slack/events" if config.mode == "http" else "")
        try:
            await until()
        finally:
            await runner.cleanup()
    finally:
        await core.close()
    return 0


def _token_refusal(exc: SlackApiError | OSError) -> str:
    """Why ``auth.test`` failed, in one line: Slack's own error names the token; an answer that is
    not Slack's JSON (a proxy's page, a wrong SLACK_API_URL) or no answer names the address."""
    if not isinstance(exc, SlackApiError):
        return f"cannot reach the Slack Web API ({type(exc).__name__}); check SLACK_API_URL and the network"
    data = exc.response.data
    if not isinstance(data, dict):
        return (f"the Slack Web API answered HTTP {exc.response.status_code} without Slack's JSON; "
                "check SLACK_API_URL (unset for slack.com) and any proxy")
    return f"Slack refused SLACK_BOT_TOKEN ({data.get('error', '')}); copy the Bot User OAuth Token again"
