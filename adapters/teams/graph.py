"""The few Microsoft Graph calls of the ``graph`` incident space, on plain aiohttp (no Graph SDK).

A group chat per incident: create it with exactly the people the protocol reports to (``Chat.Create``), install
the app in it so the bot may post there (``TeamsAppInstallation.ReadWriteSelfForChat.All``), and find a person's
Entra object id from the UPN the school's directory names them by (``User.Read.All``, optional). The catalog lookup
needs ``AppCatalog.Read.All``. ``add_chat_member`` is here but not used by the adapter: it would need
``ChatMember.ReadWrite.All`` tenant-wide, and a late member gets the card 1:1 instead.

Nothing here retries: the outbox owns retries (and their caps), so a failure is raised at once as a
:class:`GraphError` with the HTTP status, Graph's error *code* and, for 429/503, the ``Retry-After`` seconds.
Graph's error *message* can name people and is never kept. Every call is safe to repeat after a crash: adding an
existing member and installing an installed app are not errors. Creating a chat is not idempotent (Graph has no
idempotency key), so the caller stores the chat id as soon as it has it.

Tokens come from an injected ``token()`` coroutine: :func:`msal_token_provider` in production (app-only,
client credentials), a static string in tests, which run against the fake Graph in ``tests/fakes/graph.py``.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import aiohttp
import yarl

log = logging.getLogger(__name__)

GRAPH_URL = "https://graph.microsoft.com/v1.0"
"""Requests go to ``base_url``; ``@odata.bind`` references always name this host (Graph parses them as its URLs)."""
LOGIN_URL = "https://login.microsoftonline.com"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
MEMBER_TYPE = "#microsoft.graph.aadUserConversationMember"
QUERY_SAFE = "',()"
RETRYABLE = frozenset({0, 408, 412, 429, 500, 502, 503, 504})
TIMEOUT = aiohttp.ClientTimeout(total=30)
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

TokenProvider = Callable[[], Awaitable[str]]


class GraphError(Exception):
    """A Graph (or token) call failed. ``status`` is the HTTP status (0: no answer: network error or timeout);
    ``code`` is Graph's ``error.code`` or the OAuth ``error`` (e.g. ``TooManyRequests``, ``invalid_client``);
    ``retry_after`` the seconds Graph asked to wait (429/503), else ``None``."""

    def __init__(self, status: int, code: str, retry_after: float | None = None) -> None:
        super().__init__(f"Microsoft Graph answered {status or 'nothing'} ({code})")
        self.status = status
        self.code = code
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        """Worth another try later (throttling, a server or network failure); 4xx otherwise are not."""
        return self.status in RETRYABLE


def is_object_id(value: str) -> bool:
    return bool(_GUID.fullmatch(value.strip()))


def _literal(value: str) -> str:
    """A value inside an OData string literal (``'…'``) in a URL: quotes doubled, the rest percent-encoded."""
    return quote(value.replace("'", "''"), safe="@'.-_~!$*,;:")


def user_path(user: str) -> str:
    """``/users/<UPN or id>``; the ``/users('…')`` form for a UPN with a quote or a leading ``$``, which the
    plain form cannot carry (Graph's user-get page)."""
    if "'" in user or user.startswith("$"):
        return f"/users('{_literal(user)}')"
    return f"/users/{quote(user, safe='@.-_~!*,;:')}"


def user_bind(member_id: str, *, graph_url: str = GRAPH_URL) -> str:
    """``https://graph.microsoft.com/v1.0/users('<object id or UPN>')`` for ``user@odata.bind``."""
    return f"{graph_url}/users('{_literal(member_id.strip())}')"


def chat_member(member_id: str, *, graph_url: str = GRAPH_URL) -> dict[str, Any]:
    """A chat member as app-only creation needs it: every member an ``owner``."""
    return {
        "@odata.type": MEMBER_TYPE,
        "roles": ["owner"],
        "user@odata.bind": user_bind(member_id, graph_url=graph_url),
    }


def _retry_after(response: aiohttp.ClientResponse) -> float | None:
    if response.status not in (429, 503):
        return None
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None  # absent, or the HTTP-date form Graph does not use


async def _error_of(response: aiohttp.ClientResponse) -> GraphError:
    """Keep the status, the code and Retry-After; drop the message (it may quote people or ids)."""
    code = f"http_{response.status}"
    try:
        body = await response.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("code"), str) and error["code"]:
            code = error["code"][:100]
        elif isinstance(error, str) and error:
            code = error[:100]  # OAuth errors: {"error": "invalid_client", ...}
    return GraphError(response.status, code, _retry_after(response))


class GraphClient:
    """Graph v1.0 over an aiohttp session the caller owns.

    Args:
        session: used for every request; the client never closes it.
        token: returns a bearer token for Graph (cached and refreshed by the provider).
        base_url: Graph's root, or the fake Graph's ``url`` in tests.
        bind_url: the Graph root named in ``@odata.bind`` references (stays graph.microsoft.com).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token: TokenProvider,
        base_url: str = GRAPH_URL,
        *,
        bind_url: str = GRAPH_URL,
        timeout: aiohttp.ClientTimeout = TIMEOUT,
    ) -> None:
        self._session = session
        self._token = token
        self._base = base_url.rstrip("/")
        self._bind = bind_url.rstrip("/")
        self._timeout = timeout
        self._catalog: dict[str, str] = {}

    # -- the calls ---------------------------------------------------------------------------------------
    async def create_group_chat(self, topic: str, member_ids: Sequence[str]) -> str:
        """A new group chat with ``topic`` and these people (Entra object ids or UPNs), all owners; its id.

        The same person named twice in the same form is sent once; under a UPN *and* an object id Graph refuses
        the request, so resolve people to object ids first. Not idempotent: every call makes a new chat. Store
        the id at once."""
        members: dict[str, str] = {}
        for member in member_ids:
            if member and member.strip():
                members.setdefault(member.strip().lower(), member.strip())  # UPNs and ids ignore case
        if len(members) < 2:
            raise ValueError("a group chat needs at least two members")
        body = {
            "chatType": "group",
            "topic": topic,
            "members": [chat_member(m, graph_url=self._bind) for m in members.values()],
        }
        data = await self._call("POST", "/chats", json=body, expect=(201, 200), operation="create_group_chat")
        chat_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(chat_id, str) or not chat_id:
            raise GraphError(201, "MalformedResponse")
        return chat_id

    async def install_app(self, chat_id: str, catalog_app_id: str) -> None:
        """Install the app (by catalog id) in a chat; already installed is fine (409)."""
        body = {"teamsApp@odata.bind": f"{self._bind}/appCatalogs/teamsApps/{catalog_app_id}"}
        await self._call(
            "POST",
            f"/chats/{_segment(chat_id)}/installedApps",
            json=body,
            expect=(201, 200, 204, 409),
            operation="install_app",
        )

    async def catalog_app_id(self, manifest_id: str) -> str:
        """The org catalog id of the app whose manifest id is ``manifest_id`` (cached once found)."""
        if manifest_id in self._catalog:
            return self._catalog[manifest_id]
        literal = manifest_id.replace("'", "''")
        data = await self._call(
            "GET", "/appCatalogs/teamsApps", params={"$filter": f"externalId eq '{literal}'"}, operation="catalog"
        )
        apps = data.get("value") if isinstance(data, dict) else None
        found = [str(a["id"]) for a in apps or [] if isinstance(a, dict) and isinstance(a.get("id"), str) and a["id"]]
        if not found:
            raise GraphError(404, "AppNotInCatalog")
        self._catalog[manifest_id] = found[0]
        return found[0]

    async def add_chat_member(self, chat_id: str, member_id: str) -> None:
        """Add one person (object id or UPN) as an owner; already a member is fine (409)."""
        await self._call(
            "POST",
            f"/chats/{_segment(chat_id)}/members",
            json=chat_member(member_id, graph_url=self._bind),
            expect=(201, 200, 204, 409),
            operation="add_chat_member",
        )

    async def user_object_id(self, upn: str) -> str | None:
        """The Entra object id (lower case) of the user with this UPN or object id; ``None`` if Graph knows
        no such user."""
        upn = upn.strip()
        if not upn:
            return None
        try:
            data = await self._call(
                "GET", user_path(upn), params={"$select": "id,userPrincipalName,mail"}, operation="user_object_id"
            )
        except GraphError as exc:
            if exc.status == 404:
                return None
            raise
        object_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(object_id, str) or not is_object_id(object_id):
            raise GraphError(200, "MalformedResponse")
        return object_id.lower()

    # -- plumbing ----------------------------------------------------------------------------------------
    async def _call(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        expect: Sequence[int] = (200,),
    ) -> Any:
        """One request; the parsed JSON answer (``None`` without one). Raises :class:`GraphError`."""
        token = await self._token()
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            async with self._session.request(
                method, self._url(path, params), json=json, headers=headers, timeout=self._timeout
            ) as response:
                if response.status not in expect:
                    error = await _error_of(response)
                    log.warning("graph %s failed: %s %s", operation, error.status, error.code)
                    raise error
                raw = await response.read() if response.status != 409 else b""
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("graph %s failed: %s", operation, type(exc).__name__)
            raise GraphError(0, "Timeout" if isinstance(exc, TimeoutError) else "ConnectionError") from exc
        try:
            return jsonlib.loads(raw) if raw else None
        except ValueError:
            return None

    def _url(self, path: str, params: Mapping[str, str] | None) -> yarl.URL:
        """The request URL, encoded here: spaces in ``$filter`` as ``%20`` (as Graph's docs ask), not the ``+``
        aiohttp would write."""
        query = "&".join(f"{quote(k, safe='$')}={quote(v, safe=QUERY_SAFE)}" for k, v in (params or {}).items())
        return yarl.URL(self._base + path + (f"?{query}" if query else ""), encoded=True)


def _segment(chat_id: str) -> str:
    """A chat id (``19:…@thread.v2``) as one path segment."""
    return quote(chat_id, safe=":@;=.-_")


def msal_token_provider(
    app_id: str,
    secret_or_cert: str | Mapping[str, Any],
    tenant_id: str,
    authority_url: str = LOGIN_URL,
    scope: str = GRAPH_SCOPE,
) -> TokenProvider:
    """An app-only (client credentials) token provider for Graph on MSAL.

    ``secret_or_cert`` is the client secret, or MSAL's certificate credential dict (``{"private_key": …,
    "thumbprint": …}``). ``msal.ConfidentialClientApplication`` does network discovery in its constructor, so it
    is built on the first call, not here, and like every MSAL call it runs in a worker thread. MSAL caches the
    token and renews it shortly before it expires.
    """
    app: Any = None
    lock = asyncio.Lock()
    credential = secret_or_cert if isinstance(secret_or_cert, str) else dict(secret_or_cert)

    def build() -> Any:
        import msal  # type: ignore[import-untyped,unused-ignore]  # late: only the Teams extra installs it

        return msal.ConfidentialClientApplication(
            app_id, client_credential=credential, authority=f"{authority_url.rstrip('/')}/{tenant_id}"
        )

    async def token() -> str:
        nonlocal app
        loop = asyncio.get_running_loop()
        async with lock:
            if app is None:
                try:
                    app = await loop.run_in_executor(None, build)
                except ValueError as exc:  # MSAL reports a bad authority or tenant as ValueError
                    raise GraphError(400, "InvalidAuthority") from exc
                except Exception as exc:  # discovery failed: network, proxy, TLS; try again later
                    log.warning("graph token unavailable: %s", type(exc).__name__)
                    raise GraphError(0, "TokenUnavailable") from exc
        try:
            result = await loop.run_in_executor(None, lambda: app.acquire_token_for_client(scopes=[scope]))
        except Exception as exc:  # MSAL's HTTP client raised (requests): no answer from Entra
            log.warning("graph token unavailable: %s", type(exc).__name__)
            raise GraphError(0, "TokenUnavailable") from exc
        access_token = result.get("access_token") if isinstance(result, dict) else None
        if isinstance(access_token, str) and access_token:
            return access_token
        code = result.get("error") if isinstance(result, dict) else None
        log.warning("graph token refused: %s", code or "no token")
        raise GraphError(401, str(code or "no_token")[:100])

    return token
