"""Outbound calls to Teams' Bot Connector, through the Agents SDK's connector client.

Why a wrapper: the outbox must see one clear outcome per call. The SDK's client does not
retry, which is what we want for server errors (the outbox retries those, with backoff, and
a second loop underneath would send a message twice when Teams did take it). A 429 is
different: Teams did nothing and says when to come back, so the call is repeated here after
``Retry-After``, capped well below the outbox lease. Everything else becomes a
:class:`ConnectorError` with the HTTP status and Teams' error code, never the body's text.

One HTTP session per service URL (a TLS handshake per call would be slow), the bot's
token set on each call (the token provider caches and renews it).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from microsoft_agents.activity import Activity, ConversationParameters, PagedMembersResult
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

log = logging.getLogger(__name__)
T = TypeVar("T")

#: The longest a call waits for a 429's Retry-After (below the outbox lease, which is renewed meanwhile).
MAX_WAIT = 20.0
MAX_RATE_LIMITED = 3
TIMEOUT = aiohttp.ClientTimeout(total=15)

Token = Callable[[], Awaitable[str]]


class ConnectorError(Exception):
    """A call the Bot Connector refused: ``status`` and Teams' ``code`` (no message text)."""

    def __init__(self, status: int, code: str = "") -> None:
        super().__init__(f"{status} {code}".strip())
        self.status = status
        self.code = code

    @property
    def blocked(self) -> bool:
        """The person blocked the bot or does not have the app: a retry will not help."""
        return self.status == 403 and self.code in ("ConversationBlockedByUser", "MessageWritesBlocked",
                                                    "BotDisabledByAdmin", "BotNotInConversationRoster",
                                                    "Forbidden", "")


def _code(message: str) -> str:
    try:
        body = json.loads(message)
    except (TypeError, ValueError):
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code", ""))[:80] if isinstance(error, dict) else ""


def _retry_after(headers: Any) -> float:
    try:
        return max(0.0, float((headers or {}).get("Retry-After", "1")))
    except (TypeError, ValueError):
        return 1.0


class Connector:
    def __init__(self, token: Token, *, max_wait: float = MAX_WAIT) -> None:
        self._token = token
        self._max_wait = max_wait
        self._clients: dict[str, TeamsConnectorClient] = {}
        self.calls = 0

    def _client(self, service_url: str) -> TeamsConnectorClient:
        base = service_url.rstrip("/") + "/"
        client = self._clients.get(base)
        if client is None:
            session = aiohttp.ClientSession(base_url=base, timeout=TIMEOUT)
            client = TeamsConnectorClient(base, "", session=session)
            self._clients[base] = client
        return client

    async def _call(self, service_url: str, call: Callable[[TeamsConnectorClient], Awaitable[T]]) -> T:
        client = self._client(service_url)
        waited = 0.0  # over all retries of this call: one delivery must stay well inside the outbox lease
        for attempt in range(MAX_RATE_LIMITED + 1):
            token = await self._token()
            if len(token) > 1:
                client.client.headers["Authorization"] = f"Bearer {token}"
            self.calls += 1
            try:
                return await call(client)
            except aiohttp.ClientResponseError as exc:
                if exc.status == 429 and attempt < MAX_RATE_LIMITED and waited < self._max_wait:
                    wait = min(_retry_after(exc.headers), self._max_wait - waited)
                    waited += wait
                    log.warning("Teams asked to slow down; retrying in %.1f s", wait)
                    await asyncio.sleep(wait)
                    continue
                raise ConnectorError(exc.status, _code(str(exc.message))) from None
        raise ConnectorError(429, "TooManyRequests")

    # -- the calls we make -----------------------------------------------------------
    async def send(self, service_url: str, conversation_id: str, activity: dict[str, Any]) -> str:
        body = Activity.model_validate(activity)
        response = await self._call(service_url, lambda c: c.conversations.send_to_conversation(conversation_id, body))
        return str(response.id or "")

    async def update(self, service_url: str, conversation_id: str, activity_id: str,
                     activity: dict[str, Any]) -> None:
        body = Activity.model_validate({**activity, "id": activity_id})
        await self._call(service_url, lambda c: c.conversations.update_activity(conversation_id, activity_id, body))

    async def delete(self, service_url: str, conversation_id: str, activity_id: str) -> None:
        await self._call(service_url, lambda c: c.conversations.delete_activity(conversation_id, activity_id))

    async def create_conversation(self, service_url: str, parameters: dict[str, Any]) -> tuple[str, str]:
        """A 1:1 chat with one member, or a new thread in a channel (with its first
        activity); returns the conversation id and the first activity's id."""
        body = ConversationParameters.model_validate(parameters)
        response = await self._call(service_url, lambda c: c.conversations.create_conversation(body))
        return str(response.id or ""), str(response.activity_id or "")

    async def member(self, service_url: str, conversation_id: str, member_id: str) -> dict[str, Any]:
        account = await self._call(service_url, lambda c: c.get_conversation_member(conversation_id, member_id))
        return account.model_dump(by_alias=True, exclude_none=True)

    async def members(self, service_url: str, conversation_id: str, *, max_pages: int = 50) -> list[dict[str, Any]]:
        """Everyone in a team, channel or chat (paged by 500, as Teams allows)."""
        out: list[dict[str, Any]] = []
        token: str | None = None

        def page_of(continuation: str | None) -> Callable[[TeamsConnectorClient], Awaitable[PagedMembersResult]]:
            return lambda c: c.conversations.get_conversation_paged_members(conversation_id, 500, continuation)

        for _page in range(max_pages):
            page = await self._call(service_url, page_of(token))
            out.extend(m.model_dump(by_alias=True, exclude_none=True) for m in page.members or [])
            token = page.continuation_token
            if not token:
                break
        return out

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()
        self._clients.clear()
