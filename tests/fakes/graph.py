"""An offline fake of the few Microsoft Graph v1.0 calls the bot makes, plus Entra's token endpoint.

It shares people and chats with a :class:`~tests.fakes.teams_connector.FakeConnector`: a group chat created here is
a conversation there, and the bot may post in it through the connector once the app is installed in it (before:
403 ``BotNotInConversationRoster``, as Teams answers). Usage::

    async with FakeConnector() as teams, FakeGraph(teams) as graph:
        catalog_id = graph.publish_app(MANIFEST_ID)
        client = GraphClient(session, static_token("fake-graph-token"), base_url=graph.url)

:attr:`FakeGraph.authority_url` stands in for ``https://login.microsoftonline.com`` (the token endpoint is
``/{tenant}/oauth2/v2.0/token``). MSAL itself cannot be pointed here: it insists on an https authority.

What was checked, and where (learn.microsoft.com Graph v1.0 reference, microsoftgraph/microsoft-graph-docs-contrib
``api-reference/v1.0/api/*.md``):

* ``POST /chats`` (``chat-post.md``): application permission ``Chat.Create``; ``chatType`` ``group`` or
  ``oneOnOne``; ``topic`` optional and only for group chats; every member an ``aadUserConversationMember`` with
  ``user@odata.bind`` = ``https://graph.microsoft.com/v1.0/users('<id or UPN>')`` and role ``owner`` (``guest``
  only for guest users, which this school has none of); 201 with the chat (``id`` ``19:…@thread.v2``). The bind is
  parsed by Graph as a Graph URL, so it must name graph.microsoft.com even when requests go elsewhere. No
  minimum is documented; a two-member group chat can be created (microsoftgraph/microsoft-graph-docs-contrib#1622),
  fewer is refused here. A one-on-one chat is not modelled (the bot never makes one).
* ``POST /chats/{id}/installedApps`` (``chat-post-installedapps.md``): body ``{"teamsApp@odata.bind":
  "https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{catalog id}"}``, 201 without a body. Installing an app
  twice is answered 409 ``Conflict`` (undocumented; what a client must tolerate on a retry).
* ``GET /appCatalogs/teamsApps?$filter=externalId eq '<manifest id>'`` (``appcatalogs-list-teamsapps.md``): the
  catalog id differs from the manifest id for org apps; needs ``AppCatalog.Read.All``.
* ``POST /chats/{id}/members`` (``chat-post-members.md``): 201 with a ``Location`` header. Adding someone who is
  already a member is undocumented: answered :attr:`FakeGraph.existing_member_status` (409 by default). Adding to a
  group chat created with only two members fails with ``RosterAddMemberBlocked`` (issue #1622 above; the HTTP
  status is not in the report, 403 here).
* ``GET /users/{id | userPrincipalName}`` with ``$select`` (``user-get.md``); a UPN starting with ``$`` uses the
  ``/users('$…')`` form; unknown → 404 ``Request_ResourceNotFound``.
* Errors are ``{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}``; throttling
  is 429 with ``Retry-After`` (``graph/throttling``). Token endpoint errors use the OAuth shape ``{"error":
  "invalid_client", "error_description": …}``.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from tests.fakes.teams_connector import Conversation, FakeConnector, TeamsUser
from tests.fakes.teams_http import Answer, ApiError, FakeServer

Json = dict[str, Any]

GRAPH_TOKEN = "fake-graph-token"
GRAPH_HOST = "https://graph.microsoft.com"
MEMBER_TYPE = "#microsoft.graph.aadUserConversationMember"
MAX_GROUP_CHAT_MEMBERS = 250
_USER_BIND = re.compile(r"https://graph\.microsoft\.com/(?:v1\.0|beta)/users(?:\('((?:[^']|'')+)'\)|/([^/?#()]+))")
_APP_BIND = re.compile(r"https://graph\.microsoft\.com/(?:v1\.0|beta)/appCatalogs/teamsApps/([^/?#]+)")
_FILTER_CLAUSE = re.compile(r"(externalId|id|distributionMethod) eq '((?:[^']|'')*)'")


@dataclass(frozen=True)
class CatalogApp:
    id: str
    external_id: str
    name: str
    bot: bool

    def json(self) -> Json:
        return {
            "id": self.id,
            "externalId": self.external_id,
            "displayName": self.name,
            "distributionMethod": "organization",
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _literal(text: str) -> str:
    return text.replace("''", "'")


class FakeGraph(FakeServer):
    """Graph v1.0 on ``http://127.0.0.1:PORT/v1.0`` (:attr:`url`) and the token endpoint beside it.

    Args:
        connector: the fake Teams whose people and chats this Graph sees.
        token: the bearer token the token endpoint hands out and every Graph call must carry.
        client_id, client_secret: when set, the token endpoint checks them (401 ``invalid_client``).

    State: :attr:`apps` (the org catalog by catalog id), :attr:`installed` (chat id → catalog ids),
    :attr:`chats`, :attr:`calls` (secrets redacted), :attr:`problems`.
    """

    default_codes = {
        400: "BadRequest",
        401: "InvalidAuthenticationToken",
        403: "Forbidden",
        404: "NotFound",
        409: "Conflict",
        429: "TooManyRequests",
        500: "InternalServerError",
        502: "BadGateway",
        503: "ServiceNotAvailable",
        504: "GatewayTimeout",
    }

    def __init__(
        self,
        connector: FakeConnector,
        *,
        token: str = GRAPH_TOKEN,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> None:
        super().__init__()
        self.connector = connector
        self.token = token
        self.client_id = client_id
        self.client_secret = client_secret
        self.apps: dict[str, CatalogApp] = {}
        self.installed: dict[str, set[str]] = {}
        self.existing_member_status = 409
        """What adding an existing member answers: 409 (``Conflict``) or 201 (accepted again)."""
        self.block_add_to_two_member_chats = True

    @property
    def url(self) -> str:
        """The ``base_url`` for :class:`adapters.teams.graph.GraphClient`."""
        return f"{self.base}/v1.0"

    @property
    def authority_url(self) -> str:
        """Replaces ``https://login.microsoftonline.com``."""
        return self.base

    def token_url(self, tenant_id: str | None = None) -> str:
        return f"{self.base}/{tenant_id or self.connector.tenant_id}/oauth2/v2.0/token"

    @property
    def chats(self) -> dict[str, Conversation]:
        """The group chats (created here or with ``connector.add_group_chat``), by id."""
        return {k: c for k, c in self.connector.conversations.items() if c.kind == "groupChat"}

    def publish_app(
        self, manifest_id: str, *, catalog_id: str | None = None, name: str = "Protocolwijzer", bot: bool = True
    ) -> str:
        """Upload an app to the org catalog; returns its catalog id. Installing a ``bot`` app in a chat puts the
        bot into that chat's roster."""
        app = CatalogApp(catalog_id or str(uuid.uuid4()), manifest_id, name, bot)
        self.apps[app.id] = app
        return app.id

    # -- HTTP ------------------------------------------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        s = self.serve
        app.router.add_post("/{tenant}/oauth2/v2.0/token", s(self._token))
        app.router.add_post("/v1.0/chats", s(self._create_chat))
        app.router.add_get("/v1.0/chats/{chat}", s(self._get_chat))
        app.router.add_post("/v1.0/chats/{chat}/installedApps", s(self._install_app))
        app.router.add_post("/v1.0/chats/{chat}/members", s(self._add_member))
        app.router.add_get("/v1.0/chats/{chat}/members", s(self._list_members))
        app.router.add_get("/v1.0/appCatalogs/teamsApps", s(self._list_apps))
        app.router.add_get(r"/v1.0/{key:users(?:/[^/]+|\(.+\))}", s(self._get_user))

    def error_body(self, status: int, code: str, message: str) -> Any:
        request_id = str(uuid.uuid4())
        inner = {"date": _now()[:19], "request-id": request_id, "client-request-id": request_id}
        return {"error": {"code": code, "message": message, "innerError": inner}}

    def unauthorized(self, request: web.Request) -> Answer | None:
        if not request.path.startswith("/v1.0/") or request.headers.get("Authorization") == f"Bearer {self.token}":
            return None
        message = "Access token is empty." if "Authorization" not in request.headers else "Invalid access token."
        return Answer(401, self.error_body(401, "InvalidAuthenticationToken", message))

    def logged_body(self, request: web.Request, body: Any) -> Any:
        if isinstance(body, dict) and request.path.endswith("/oauth2/v2.0/token"):
            return {k: ("***" if k in ("client_secret", "client_assertion") else v) for k, v in body.items()}
        return body

    # -- token -----------------------------------------------------------------------------------------
    def _token(self, request: web.Request, body: Any) -> Answer:
        form = body if isinstance(body, dict) else {}

        def refuse(status: int, error: str, description: str) -> Answer:
            if status == 400:  # a malformed request; a wrong secret or app id is a setting, not a bug
                self.problem(f"token request refused: {error}")
            return Answer(
                status,
                {
                    "error": error,
                    "error_description": description,
                    "error_codes": [],
                    "timestamp": _now(),
                    "trace_id": str(uuid.uuid4()),
                },
            )

        if request.match_info["tenant"] != self.connector.tenant_id:
            return refuse(400, "invalid_request", "AADSTS90002: Tenant not found.")
        if form.get("grant_type") != "client_credentials":
            return refuse(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
        if not form.get("client_id") or (self.client_id and form["client_id"] != self.client_id):
            return refuse(400, "unauthorized_client", "AADSTS700016: Application not found in the directory.")
        secret, assertion = form.get("client_secret"), form.get("client_assertion")
        if not (secret or assertion) or (self.client_secret and secret != self.client_secret):
            return refuse(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        if not any(scope.endswith("/.default") for scope in str(form.get("scope", "")).split()):
            return refuse(400, "invalid_scope", "AADSTS1002012: The provided scope is invalid.")
        return Answer(
            200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": self.token}
        )

    # -- chats -----------------------------------------------------------------------------------------
    def _create_chat(self, request: web.Request, body: Any) -> Answer:
        if not isinstance(body, dict):
            raise _bad("the body must be a chat object")
        chat_type, topic, members = body.get("chatType"), body.get("topic"), body.get("members")
        if chat_type != "group":
            raise _bad(f"chatType {chat_type!r}: only 'group' is modelled (and 'oneOnOne' is never needed)")
        if topic is not None and (not isinstance(topic, str) or not topic.strip()):
            raise _bad("topic must be a non-empty string when given")
        if not isinstance(members, list) or not members:
            raise _bad("members must be a non-empty list")
        users = [self._bound_user(member, f"members[{i}]") for i, member in enumerate(members)]
        ids = [u.aad_id for u in users]
        if len(set(ids)) != len(ids):
            raise _bad("the same user is listed twice")
        if not 2 <= len(ids) <= MAX_GROUP_CHAT_MEMBERS:
            raise _bad(f"a group chat takes 2 to {MAX_GROUP_CHAT_MEMBERS} members, not {len(ids)}")
        chat = self.connector.add_group_chat(users, topic=topic or "", bot_installed=False)
        return Answer(201, self._chat_json(chat))

    def _get_chat(self, request: web.Request, body: Any) -> Answer:
        return Answer(200, self._chat_json(self._chat(request)))

    def _install_app(self, request: web.Request, body: Any) -> Answer:
        chat = self._chat(request)
        bind = body.get("teamsApp@odata.bind") if isinstance(body, dict) else None
        match = _APP_BIND.fullmatch(bind) if isinstance(bind, str) else None
        if match is None:
            raise _bad("teamsApp@odata.bind must be https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{id}")
        app = self.apps.get(match.group(1))
        if app is None:
            raise ApiError(404, "NotFound", "The app does not exist in the catalog.")
        installed = self.installed.setdefault(chat.id, set())
        if app.id in installed:
            raise ApiError(409, "Conflict", "The app is already installed in this chat.")
        installed.add(app.id)
        chat.bot_installed = chat.bot_installed or app.bot
        return Answer(201)

    def _add_member(self, request: web.Request, body: Any) -> Answer:
        chat = self._chat(request)
        user = self._bound_user(body, "body")
        if user.aad_id in chat.members:
            if self.existing_member_status != 201:
                raise ApiError(self.existing_member_status, "Conflict", "The user is already a member.")
        elif self.block_add_to_two_member_chats and len(chat.members) == 2:
            raise ApiError(403, "Forbidden", "RosterAddMemberBlocked-Roster is blocked from add member.")
        else:
            chat.members.append(user.aad_id)
        member = self._member_json(chat, user)
        return Answer(201, member, {"Location": f"/chats('{chat.id}')/members('{member['id']}')"})

    def _list_members(self, request: web.Request, body: Any) -> Answer:
        chat = self._chat(request)
        value = [self._member_json(chat, self.connector.users[m]) for m in chat.members]
        return Answer(
            200,
            {
                "@odata.context": f"{GRAPH_HOST}/v1.0/$metadata#chats('{chat.id}')/members",
                "@odata.count": len(value),
                "value": value,
            },
        )

    # -- catalog and users -----------------------------------------------------------------------------
    def _list_apps(self, request: web.Request, body: Any) -> Answer:
        apps = list(self.apps.values())
        text = request.query.get("$filter", "").strip()
        for clause in (c.strip() for c in text.split(" and ")) if text else ():
            match = _FILTER_CLAUSE.fullmatch(clause)
            if match is None:
                raise _bad(f"$filter clause {clause[:80]!r} is not one the fake understands")
            key = {"externalId": "external_id", "id": "id", "distributionMethod": None}[match.group(1)]
            value = _literal(match.group(2))
            apps = [a for a in apps if (key is None and value == "organization") or (key and getattr(a, key) == value)]
        return Answer(
            200,
            {"@odata.context": f"{GRAPH_HOST}/v1.0/$metadata#appCatalogs/teamsApps", "value": [a.json() for a in apps]},
        )

    def _get_user(self, request: web.Request, body: Any) -> Answer:
        raw = request.match_info["key"][len("users") :]
        key = _literal(raw[2:-2]) if raw.startswith("('") and raw.endswith("')") else raw.lstrip("/")
        if key.startswith("$") and not raw.startswith("("):
            raise _bad("a UPN starting with '$' must use the /users('$…') form")
        user = self._directory_user(key)
        if user is None:
            raise ApiError(
                404,
                "Request_ResourceNotFound",
                f"Resource '{key}' does not exist or one of its queried reference-property objects are not present.",
            )
        full: Json = {
            "id": user.aad_id,
            "displayName": user.name,
            "userPrincipalName": user.upn,
            "mail": user.email,
            "givenName": user.name.partition(" ")[0],
            "surname": user.name.partition(" ")[2],
            "businessPhones": [],
            "jobTitle": None,
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": "nl-NL",
        }
        select = [s.strip() for s in request.query.get("$select", "").split(",") if s.strip()]
        unknown = [s for s in select if s not in full]
        if unknown:
            raise _bad(f"$select names unknown properties {unknown}")
        result = {k: full[k] for k in select} if select else full
        return Answer(200, {"@odata.context": f"{GRAPH_HOST}/v1.0/$metadata#users/$entity", **result})

    # -- helpers ---------------------------------------------------------------------------------------
    def _directory_user(self, key: str) -> TeamsUser | None:
        """Graph finds a user by object id or by UPN (not by mail or the Teams ``29:`` id)."""
        lowered = key.lower()
        return self.connector.users.get(lowered) or next(
            (u for u in self.connector.users.values() if u.upn.lower() == lowered), None
        )

    def _bound_user(self, member: Any, where: str) -> TeamsUser:
        if not isinstance(member, dict):
            raise _bad(f"{where} must be a conversationMember object")
        if member.get("@odata.type") != MEMBER_TYPE:
            raise _bad(f"{where}: @odata.type must be {MEMBER_TYPE!r}")
        if member.get("roles") != ["owner"]:
            raise _bad(f"{where}: roles must be ['owner'] for members of the school ('guest' is for guests)")
        bind = member.get("user@odata.bind")
        match = _USER_BIND.fullmatch(bind) if isinstance(bind, str) else None
        if match is None:
            raise _bad(f"{where}: user@odata.bind must be https://graph.microsoft.com/v1.0/users('<id or UPN>')")
        key = unquote(_literal(match.group(1)) if match.group(1) is not None else match.group(2))
        user = self._directory_user(key)
        if user is None:
            raise ApiError(404, "NotFound", f"User '{key}' was not found.")
        return user

    def _chat(self, request: web.Request) -> Conversation:
        chat = self.chats.get(request.match_info["chat"])
        if chat is None:
            raise ApiError(404, "NotFound", "Chat not found.")
        return chat

    def _chat_json(self, chat: Conversation) -> Json:
        now = _now()
        return {
            "@odata.context": f"{GRAPH_HOST}/v1.0/$metadata#chats/$entity",
            "id": chat.id,
            "topic": chat.topic or None,
            "createdDateTime": now,
            "lastUpdatedDateTime": now,
            "chatType": "group",
            "webUrl": f"https://teams.microsoft.com/l/chat/{chat.id}/0?tenantId={self.connector.tenant_id}",
            "tenantId": self.connector.tenant_id,
        }

    def _member_json(self, chat: Conversation, user: TeamsUser) -> Json:
        opaque = base64.b64encode(f"1#{chat.id}#{user.aad_id}".encode()).decode()
        return {
            "@odata.type": MEMBER_TYPE,
            "id": opaque,
            "roles": ["owner"],
            "displayName": user.name,
            "visibleHistoryStartDateTime": "0001-01-01T00:00:00Z",
            "userId": user.aad_id,
            "email": user.email,
            "tenantId": self.connector.tenant_id,
        }


def _bad(why: str) -> ApiError:
    return ApiError(400, "BadRequest", "Invalid request.", problem=why)
