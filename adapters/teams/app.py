"""The Teams app: the Microsoft 365 Agents SDK's CloudAdapter and AgentApplication on the core.

    service = create_teams(core, config)            # registers the Teams platform
    runner = await start_teams(service, "127.0.0.1", 3978)
    ...
    await runner.cleanup()                          # stops the workers and the server

One small aiohttp server: ``POST /api/messages`` (Teams' messaging endpoint) and
``/healthz``. Before the SDK sees a request, it is checked here, so that bad input gets a
clear 4xx and nothing of it reaches a log: the size (413), the token (401; the SDK's own
validator), the JSON and the activity's shape (400), the service URL (only Teams' own,
or one named for the tests) and the tenant (only the school's: 401).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AgentApplication, ApplicationOptions, MemoryStorage, TurnState
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, ClaimsIdentity, Connections
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator
from pydantic import ValidationError

from adapters.refusals import Refusals
from adapters.requests import metrics_handler, request_ids
from adapters.stopping import SHUTDOWN_TIMEOUT
from adapters.teams.auth import BOT_SCOPE, connections, static_connections
from adapters.teams.config import TeamsConfig
from adapters.teams.connector import Connector
from adapters.teams.graph import GRAPH_SCOPE, GraphClient
from adapters.teams.handlers import TeamsHandlers
from adapters.teams.people import People
from adapters.teams.platform import TeamsPlatform
from adapters.teams.quiet import quiet_sdk_logs
from adapters.teams.store import SeenActivities, latest_service_url
from bot import teams_ids
from bot.app import Core
from bot.notify.outbox import health as outbox_health
from bot.store.db import session_factory
from bot.textclean import clean_value

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
#: Who issues the tokens Teams' Bot Connector sends (public cloud; US government cloud).
BOT_FRAMEWORK_ISSUERS = frozenset({"https://api.botframework.com", "https://api.botframework.us"})
#: Teams' activities are small; a bigger body is refused before it is parsed.
MAX_BODY = 256 * 1024
WORKER_INTERVAL = 2.0
SERVICE_KEY: web.AppKey[TeamsService] = web.AppKey("teams")


@dataclass
class TeamsService:
    core: Core
    config: TeamsConfig
    adapter: CloudAdapter
    agent: AgentApplication[TurnState]
    platform: TeamsPlatform
    handlers: TeamsHandlers
    auth: AgentAuthConfiguration
    seen: SeenActivities
    graph_session: Any = None
    run_workers: bool = True
    warm: bool = True
    """Look the school's people up at start (tests that count calls switch it off)."""
    _tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    async def close(self) -> None:
        """The HTTP sessions to Teams and Graph (the server's shutdown does this)."""
        await self.platform.connector.close()
        if self.graph_session is not None:
            await self.graph_session.close()
            self.graph_session = None


def create_teams(core: Core, config: TeamsConfig, *, manager: Connections | None = None,
                 run_workers: bool = True) -> TeamsService:
    """The SDK on the core. ``manager`` gives the tokens (tests: a static one; production:
    MSAL with the bot's secret or certificate, built lazily: MSAL goes on the network)."""
    quiet_sdk_logs()
    manager = manager or (static_connections() if config.anonymous else connections(config))
    if config.anonymous:  # every anonymous turn has no app id, and the SDK warns about it each time
        logging.getLogger("microsoft_agents.hosting.core.connector.client.user_token_client").setLevel(logging.ERROR)
    auth = manager.get_default_connection_configuration()
    adapter = CloudAdapter(connection_manager=manager)
    adapter.on_turn_error = _turn_failed
    agent: AgentApplication[TurnState] = AgentApplication(
        ApplicationOptions(storage=MemoryStorage(), bot_app_id=config.app_id, start_typing_timer=False,
                           remove_recipient_mention=True), connection_manager=manager)
    sessions = session_factory(core.db)
    provider = manager.get_default_connection()

    async def bot_token() -> str:
        return "" if config.anonymous else await provider.get_access_token(BOT_SCOPE, [f"{BOT_SCOPE}/.default"])

    connector = Connector(bot_token)
    directory = core.directory
    teams = directory.teams if directory else None
    rosters = [c.channel_id for c in (teams_ids.parse_channel(v) for v in _channels(core)) if c]
    graph = graph_session = None
    if teams is not None and teams.incident_space == "graph":
        async def graph_token() -> str:
            return await provider.get_access_token("https://graph.microsoft.com", [GRAPH_SCOPE])

        graph_session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        graph = GraphClient(graph_session, graph_token, base_url=config.graph_url)
    people = People(sessions, directory, connector, app_id=config.app_id,
                    tenant_id=config.tenant_id or (teams.tenant_id if teams else ""),
                    default_service_url=config.service_url, rosters=rosters,
                    find_user=graph.user_object_id if graph else None)
    platform = TeamsPlatform(sessions, connector, people, directory, graph=graph, manifest_id=config.app_id)
    core.add_platform(platform)
    handlers = TeamsHandlers(core, platform)
    handlers.register(agent)
    return TeamsService(core, config, adapter, agent, platform, handlers, auth, SeenActivities(sessions),
                        graph_session, run_workers)


def _channels(core: Core) -> list[str]:
    directory = core.directory
    if directory is None:
        return []
    values = [target.teams for target in directory.channels.values() if target.teams]
    if directory.teams and directory.teams.safety_channel:
        values.append(directory.teams.safety_channel)
    return values


async def _turn_failed(_context: Any, error: Exception) -> None:
    """Replaces the SDK's default, which prints the traceback and sends its text to the person."""
    log.error("a Teams turn failed: %s", type(error).__name__)


def create_web_app(service: TeamsService) -> web.Application:
    web_app = web.Application(client_max_size=MAX_BODY, middlewares=[request_ids])
    mount(web_app, service)
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics_handler(lambda app: app[SERVICE_KEY].core))
    return web_app


def mount(web_app: web.Application, service: TeamsService) -> None:
    """Teams' routes and background work on an existing server (Slack may share it)."""
    web_app[SERVICE_KEY] = service
    web_app.router.add_post(MESSAGES_PATH, _messages)
    web_app.cleanup_ctx.append(_running)


async def start_teams(service: TeamsService, host: str, port: int) -> web.AppRunner:
    service.config.check_bind(host)
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
    sessions = session_factory(service.core.db)
    known = await latest_service_url(sessions)
    if known and service.config.service_url_allowed(known):
        service.platform.people.service_url = known
    graph = service.platform.graph
    if graph is not None:  # looked up once, ahead: opening an incident's chat then takes one call less
        service._tasks.append(asyncio.create_task(_catalog_id(graph, service.config.app_id)))
    if service.warm:  # the school's people found and their 1:1 chats opened, ahead of the first incident
        service._tasks.append(asyncio.create_task(_warm(service)))
    workers = service.core.workers or service.core.make_workers(interval=WORKER_INTERVAL)
    tasks = [asyncio.create_task(workers.run())] if workers and service.run_workers else []
    yield
    for task in [*tasks, *service._tasks]:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await service.close()


async def _warm(service: TeamsService) -> None:
    try:
        await service.platform.people.warm()
    except Exception as exc:
        log.warning("could not look up the school's people in Teams at start (%s)", type(exc).__name__)


async def _catalog_id(graph: GraphClient, app_id: str) -> None:
    try:
        await graph.catalog_app_id(app_id)
    except Exception as exc:  # looked up again when the first incident chat is made
        log.warning("could not look up the app in the Teams app catalog (%s)", type(exc).__name__)


# -- the messaging endpoint ----------------------------------------------------------------
_refusals = Refusals("Teams")


def _refuse(status: int, reason: str) -> web.Response:
    _refusals.log(reason)
    return web.json_response({"error": reason}, status=status)


async def _authorize(service: TeamsService, request: web.Request) -> ClaimsIdentity | web.Response:
    header = request.headers.get("Authorization", "")
    validator = JwtTokenValidator(service.auth)
    if not header:
        if service.config.anonymous:
            return validator.get_anonymous_claims()
        return _refuse(401, "no token")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or " " in token.strip():
        return _refuse(401, "malformed token")
    try:
        claims = await validator.validate_token(token.strip())
    except Exception as exc:  # PyJWT, key lookup, a wrong audience or tenant: all the same to the caller
        return _refuse(401, f"invalid token ({type(exc).__name__})")
    # Signed for this bot is not enough: any app in the school's tenant can get an Entra token with
    # the bot as audience. Only the Bot Framework's own service speaks for Teams.
    if claims.get_claim_value("iss") not in BOT_FRAMEWORK_ISSUERS:
        return _refuse(401, "a token not issued by the Bot Framework")
    return claims


def _same_service(claims: ClaimsIdentity, activity: Activity) -> bool:
    """A Bot Framework token names the service URL it was issued for; the activity must carry
    that one (else a valid token could steer the bot's answers to another address)."""
    if not claims.claims:  # anonymous (local testing only)
        return True
    claimed = str(claims.get_claim_value("serviceurl") or "").rstrip("/").lower()
    return bool(claimed) and claimed == str(activity.service_url or "").rstrip("/").lower()


def _activity(body: bytes) -> Activity | str:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return "not JSON"
    if not isinstance(data, dict):
        return "not an activity"
    try:  # cleaned at the edge: ids and names reach the database before the core sees the text
        activity = Activity.model_validate(clean_value(data))
    except (ValidationError, RecursionError, ValueError, TypeError):
        return "not an activity"
    if not activity.type or not activity.conversation or not activity.conversation.id:
        return "an activity needs a type and a conversation"
    if not activity.from_property or not activity.from_property.id:
        return "an activity needs a sender"
    return activity


def _tenant(activity: Activity) -> str:
    data: dict[str, Any] = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant: dict[str, Any] = data["tenant"] if isinstance(data.get("tenant"), dict) else {}
    return str(tenant.get("id") or (activity.conversation.tenant_id if activity.conversation else "") or "").lower()


async def _messages(request: web.Request) -> web.StreamResponse:
    service = request.app[SERVICE_KEY]
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _refuse(413, "too large")
    except RequestPayloadError:  # a body cut short, or not in the encoding it claims
        return _refuse(400, "an unreadable body")
    claims = await _authorize(service, request)
    if isinstance(claims, web.Response):
        return claims
    activity = _activity(body)
    if isinstance(activity, str):
        return _refuse(400, activity)
    if not service.config.service_url_allowed(activity.service_url or ""):
        return _refuse(401, "service URL is not Teams'")
    if not _same_service(claims, activity):
        return _refuse(401, "service URL is not the token's")
    if not service.config.anonymous and str(activity.channel_id or "") != "msteams":
        return _refuse(401, "not a Teams channel")
    expected = service.platform.people.tenant_id.lower()
    if expected and _tenant(activity) != expected:
        return _refuse(401, "another tenant")
    if activity.id and activity.type == "message" and not await _first_time(service, activity):
        log.info("dropped a repeated Teams activity")
        return web.Response(status=200)
    activity.request_id = str(uuid.uuid4())
    try:  # the activity parsed once, here: the SDK's own request handling would parse it again
        invoke = await service.adapter.process_activity(claims, activity, service.agent.on_turn)
    except Exception as exc:  # whatever the SDK raises: no traceback with the activity in it
        log.error("the Agents SDK failed on an activity: %s", type(exc).__name__)
        return web.json_response({}, status=200 if activity.type == "invoke" else 202)
    if activity.type == "invoke":
        if invoke is None:
            return web.json_response({}, status=200)
        return web.json_response(invoke.body, status=int(invoke.status or 200))
    return web.Response(status=202)


async def _first_time(service: TeamsService, activity: Activity) -> bool:
    """Whether this message is new (Teams redelivers what it saw no answer to). A database
    error here is no reason to drop a teacher's question: it is handled as new."""
    try:
        return await service.seen.first_time(f"{activity.conversation.id}/{activity.id}", service.core.clock())
    except Exception as exc:
        log.warning("could not check for a repeated Teams activity (%s)", type(exc).__name__)
        return True


async def healthz(request: web.Request) -> web.Response:
    service = request.app[SERVICE_KEY]
    deliveries = await outbox_health(session_factory(service.core.db), service.core.clock())
    body: dict[str, Any] = {"status": deliveries.pop("status"), "platform": "teams",
                            "playbooks": len(service.core.library), "incident_space": service.platform.mode,
                            "anonymous": service.config.anonymous, "outbox": deliveries,
                            "people": service.platform.people.health}
    return web.json_response(body)
