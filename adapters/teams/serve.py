"""``protocolwijzer serve`` with Teams, alone or beside Slack in one process.

A half configuration or a bad binding stops the start with one clear line (exit code 1):
with Teams' authentication off, the bot would post wherever a caller's activity says.
Both platforms share one server (one port: ``/slack/events`` and ``/api/messages``), one
database and one loop of background workers.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from adapters.requests import metrics_handler, request_ids
from adapters.stopping import SHUTDOWN_TIMEOUT
from adapters.teams import app as teams_app
from adapters.teams.config import TeamsConfig, TeamsConfigError
from bot.app import build_core
from bot.settings import Settings

log = logging.getLogger("protocolwijzer")


def _fail(message: str) -> int:
    print(f"protocolwijzer: {message}", file=sys.stderr)
    return 1


async def serve_teams(settings: Settings, host: str | None, port: int | None, *, anonymous: bool, with_slack: bool,
                      until: Callable[[], Awaitable[None]]) -> int:
    try:
        config = TeamsConfig.from_env(anonymous=anonymous)
    except TeamsConfigError as exc:
        return _fail(str(exc))
    if config is None:
        return _fail("TEAMS_APP_ID is not set")
    host = host or settings.host
    try:
        config.check_bind(host)
    except TeamsConfigError as exc:
        return _fail(str(exc))
    # The MSAL connection manager logs its (redacted) settings at length; one line is enough here.
    logging.getLogger("microsoft_agents.hosting.core.authorization").setLevel(logging.WARNING)
    core = await build_core(settings)
    try:
        problem = _directory_problem(core.directory, config)
        if problem:
            return _fail(problem)
        if core.directory is None:
            log.warning("no %s: answers work, but reporting to a coordinator is off until the school directory "
                        "is filled in (see school.example.yaml)", settings.school_config)
        web_app = web.Application(client_max_size=teams_app.MAX_BODY, middlewares=[request_ids])
        health: list[Callable[[web.Request], Awaitable[web.Response]]] = []
        if with_slack:
            code = await _mount_slack(core, web_app, health)
            if code:
                return code
        service = teams_app.create_teams(core, config, run_workers=not with_slack)
        teams_app.mount(web_app, service)
        health.append(teams_app.healthz)
        web_app.router.add_get("/healthz", _combined(health))
        web_app.router.add_get("/metrics", metrics_handler(lambda _app: core))
        runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, settings.port if port is None else port).start()
        except OSError as exc:
            await runner.cleanup()
            return _fail(f"cannot start: {exc}")
        gc.collect()
        gc.freeze()
        log.info("Teams at http://%s:%s%s (%s incident spaces%s)", *runner.addresses[0][:2], teams_app.MESSAGES_PATH,
                 service.platform.mode, ", ANONYMOUS: local testing only" if config.anonymous else "")
        try:
            await until()
        finally:
            await runner.cleanup()
    finally:
        await core.close()
    return 0


def _directory_problem(directory: Any, config: TeamsConfig) -> str:
    teams = directory.teams if directory else None
    if teams and config.tenant_id and teams.tenant_id and teams.tenant_id.lower() != config.tenant_id:
        return "TEAMS_TENANT_ID and teams.tenant_id in school.yaml differ: the bot belongs to one school's tenant"
    return ""


async def _mount_slack(core: Any, web_app: web.Application,
                       health: list[Callable[[web.Request], Awaitable[web.Response]]]) -> int:
    try:
        from slack_sdk.errors import SlackApiError

        from adapters.slack.app import check_token, create_slack, healthz, mount
        from adapters.slack.config import SlackConfig, SlackConfigError
    except ImportError:
        return _fail("Slack needs the slack extra: pip install '.[slack]'")
    try:
        slack_config = SlackConfig.from_env()
    except SlackConfigError as exc:
        return _fail(str(exc))
    if slack_config is None:
        return 0
    service = create_slack(core, slack_config)
    try:
        await check_token(service)
    except (SlackApiError, OSError) as exc:
        error = exc.response.get("error", "") if isinstance(exc, SlackApiError) else type(exc).__name__
        return _fail(f"Slack refused SLACK_BOT_TOKEN ({error}); copy the Bot User OAuth Token again")
    mount(web_app, service)
    health.append(healthz)
    return 0


def _combined(checks: list[Callable[[web.Request], Awaitable[web.Response]]]) -> Callable[..., Any]:
    async def healthz(request: web.Request) -> web.Response:
        import json

        bodies, status = [], 200
        for check in checks:
            response = await check(request)
            status = max(status, response.status)
            bodies.append(json.loads(response.text or "{}"))
        if len(bodies) == 1:
            return web.json_response(bodies[0], status=status)
        return web.json_response({"status": "ok" if status == 200 else "degraded", "platforms": bodies},
                                 status=status)

    return healthz
