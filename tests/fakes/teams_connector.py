"""An offline fake of the Bot Connector REST API (v3) as Teams serves it, on 127.0.0.1 in the test's event loop.

The adapter's outbound calls (the Agents SDK's ``ConnectorClient`` or our own code) go to the ``serviceUrl`` of
an activity; in tests that is :attr:`FakeConnector.url`. The fake answers like Teams where the bot depends on it
and fails like Teams fails, so that delivery, escalation and card code are tested against behaviour rather than
call shapes (STYLE.md: no ``MagicMock`` clients). Usage::

    async with FakeConnector() as fake:
        anna = fake.add_user("anna@school.nl", "Anna de Vries")
        ... activity = personal_message(anna, "hoi", service_url=fake.url) ... POST it to the bot ...
        [message] = fake.messages_to(anna)
        assert fake.problems == []

What was checked, and where (``../shared/docs/teams-notes.md`` §5, §7 and the sources below):

* Routes: ``ConversationsOperations`` of the Agents SDK 1.9 (``hosting/core/connector/client/connector_client.py``)
  and ``TeamsConnectorClient`` (which asks for ``pagedMembers`` with a capital M; the core client for
  ``pagedmembers`` — both are served). The SDK does **not** URL-quote conversation ids; botbuilder did
  (``19%3A…%40thread.tacv2%3Bmessageid%3D1``). aiohttp decodes both forms before routing (checked), so the fake
  sees the same id either way; a ``/`` inside an id (``%2F``) is not supported, and Teams ids never contain one.
* Create conversation: 1:1 ``{"isGroup": false, "bot", "members": [{"id"}], "channelData": {"tenant"},
  "tenantId"}`` → ``{"id": "a:…"}``; the same member again gets the same chat (Teams keeps one 1:1 per user and
  bot). Two members, or no tenant id, is "BadSyntax: Incorrect conversation creation parameters"
  (MicrosoftDocs/bot-docs#852). A member id is a ``29:`` id or an Entra object id (msteams-docs
  ``send-proactive-messages.md``: "aadObjectId … in personal scope"). Channel thread: ``{"isGroup": true,
  "channelData": {"channel": {"id"}}, "activity"}`` → ``{"id": "<channel>;messageid=<n>", "activityId": "<n>"}``.
  The bot cannot create group chats through the connector (docs: "You can't create a new group chat").
  An ``activity`` in a 1:1 create is reported as a problem: the documented path posts it afterwards.
* Status codes and error bodies: msteams-docs ``bots/build-conversational-capability.md`` "Status codes from bot
  conversational APIs": 403 ``ConversationBlockedByUser`` (user blocked the bot), ``BotNotInConversationRoster``
  (app not installed in that chat or team), ``ForbiddenOperationException`` ("Bot isn't installed in user's
  personal scope", on creating the 1:1); 404 ``ConversationNotFound`` / ``ActivityNotFoundInConversation``;
  412 ``PreconditionFailed``; 413 ``MessageSizeTooBig``; 429 ``Throttled`` with ``Retry-After``; 500/502
  ``ServiceError``. A post into an existing 1:1 after the user removed the app answers 403 with
  ``MessageWritesBlocked`` (``send-proactive-messages.md``, "blocked, muted, or uninstalled a bot"). Bodies are
  ``{"error": {"code", "message"}}``. A 401 carries Bot Framework's ``{"message": "Authorization has been denied
  for this request."}``.
* Only ``message`` activities are accepted. Teams would take a ``typing`` activity too; the fake refuses it on
  purpose: the adapter keeps the SDK's typing timer off (notes), and a stray one is a wasted call per message.
* Size: Teams' bot message limit is about 100 KB of the whole activity in UTF-16 (msteams-docs
  ``format-your-bot-messages.md``); measured as ``len(json.dumps(activity).encode("utf-16-le"))``.
* Members: ``GET …/members/{id}`` takes a ``29:`` id, a UPN or an Entra object id and answers a
  ``TeamsChannelAccount`` (msteams-docs ``bots/how-to/get-teams-context.md``; the docs sample names the object
  id ``objectId``, the Agents SDK model reads ``aadObjectId``: both keys are sent). Paged members: page sizes
  under 50 count as 50 and over 500 as 500 (same page); :attr:`FakeConnector.min_page_size` lowers the floor so
  tests can page through a few users. The General channel's id is the team id; its name is ``null``.

Everything a test would assert on is public state: :attr:`users`, :attr:`teams`, :attr:`conversations`,
:attr:`calls`, :attr:`problems` (what Teams would refuse and the fake refused too: tests assert it stays empty),
plus :meth:`messages_in`, :meth:`messages_to`, :meth:`last_card` and :func:`buttons`.

The HTTP plumbing (call log, :meth:`~FakeServer.fail`, :meth:`~FakeServer.fail_after_success`, ``latency``,
``wait_for``) is :class:`tests.fakes.teams_http.FakeServer`, shared with the fake Graph.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jsonschema  # type: ignore[import-untyped,unused-ignore]
from aiohttp import web

from tests.fakes.teams_activities import (
    BOT_APP_ID,
    CARD_TYPE,
    TENANT_ID,
    new_message_id,
    personal_conversation_id,
    thread_conversation_id,
    user_mri,
)
from tests.fakes.teams_http import Answer, ApiError, FakeServer, Fault, decode_offset, encode_offset

Json = dict[str, Any]
Kind = Literal["personal", "channel", "groupChat"]

MAX_ACTIVITY_BYTES = 100_000
"""Teams refuses a bot message above about 100 KB (UTF-16, whole activity) with 413 ``MessageSizeTooBig``."""
CARD_VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5")
"""Teams renders Adaptive Cards up to 1.5 in bot messages (msteams-docs ``cards-reference.md``)."""
REPO = Path(__file__).resolve().parents[2]
SCHEMA_CANDIDATES = (
    REPO / "tests" / "data" / "adaptive-card-1.5.schema.json",
    REPO.parent / "shared" / "schemas" / "adaptive-card-1.5.schema.json",
)


# ---------------------------------------------------------------------------------------------------------
# Cards
# ---------------------------------------------------------------------------------------------------------


@functools.cache
def card_validator() -> jsonschema.Draft6Validator:
    """The official Adaptive Cards 1.5 schema (a copy in ``tests/data`` wins over ``../shared/schemas``)."""
    path = next((p for p in SCHEMA_CANDIDATES if p.exists()), None)
    if path is None:
        raise FileNotFoundError(f"adaptive-card-1.5.schema.json not found in {[str(p) for p in SCHEMA_CANDIDATES]}")
    return jsonschema.Draft6Validator(json.loads(path.read_text(encoding="utf-8")))


def card_problems(card: object) -> list[str]:
    """What is wrong with an Adaptive Card for Teams (empty: nothing). A top-level ``msteams`` key is Teams-only
    and not in the schema, so it is removed before validating; the version must be one Teams renders."""
    if not isinstance(card, dict):
        return ["card content must be an object"]
    problems: list[str] = []
    if card.get("version") not in CARD_VERSIONS:
        problems.append(f"card version {card.get('version')!r} is not one Teams renders ({', '.join(CARD_VERSIONS)})")
    stripped = {k: v for k, v in card.items() if k != "msteams"}
    error = jsonschema.exceptions.best_match(card_validator().iter_errors(stripped))
    if error is not None:
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        problems.append(f"schema: {error.message[:300]} at {where}")
    return problems


def activity_size(activity: object) -> int:
    return len(json.dumps(activity).encode("utf-16-le"))


def cards_of(activity: Json) -> list[Json]:
    """The Adaptive Card contents attached to an activity, in order."""
    attachments = activity.get("attachments") or []
    return [
        a["content"]
        for a in attachments
        if isinstance(a, dict) and a.get("contentType") == CARD_TYPE and isinstance(a.get("content"), dict)
    ]


def buttons(card: Json) -> list[Json]:
    """Every ``Action.Execute``/``Action.Submit`` on a card, wherever it sits (``actions``, ``ActionSet``s,
    ``selectAction``s, show-cards), in document order; an action's ``fallback`` and the card's ``refresh`` action
    are not buttons."""
    found: list[Json] = []

    def walk(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if node.get("type") in ("Action.Execute", "Action.Submit"):
                found.append(node)
            for key, value in node.items():
                if key not in ("fallback", "refresh"):
                    walk(value)

    walk(card)
    return found


def button(card: Json, title: str) -> Json:
    """The one button whose title is ``title`` (exact), for pressing it in a test."""
    matches = [b for b in buttons(card) if b.get("title") == title]
    if len(matches) != 1:
        raise AssertionError(
            f"expected one button {title!r}, found {len(matches)}: {[b.get('title') for b in buttons(card)]}"
        )
    return matches[0]


# ---------------------------------------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------------------------------------


@dataclass
class TeamsUser:
    """A person in the school's tenant. ``id`` is their ``29:`` id for this bot."""

    aad_id: str
    upn: str
    name: str
    email: str
    id: str
    blocked: bool = False
    """They blocked the bot: their 1:1 chat answers 403 ``ConversationBlockedByUser``."""
    installed: bool = True
    """The app is installed in their personal scope (by an app setup policy): needed for a proactive 1:1."""
    uninstall_code: str = "MessageWritesBlocked"

    def account(self, tenant_id: str) -> Json:
        given, _, surname = self.name.partition(" ")
        return {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_id,
            "objectId": self.aad_id,
            "givenName": given,
            "surname": surname,
            "email": self.email,
            "userPrincipalName": self.upn,
            "tenantId": tenant_id,
            "userRole": "user",
        }


@dataclass
class Team:
    id: str
    name: str
    members: list[str]
    """Entra object ids."""
    channels: dict[str, str]
    """Channel name → id; the General channel's id is the team id."""
    bot_installed: bool = True

    def channel(self, name: str) -> str:
        return self.channels[name]


@dataclass
class Conversation:
    """A 1:1 chat, a channel (threads live inside it) or a group chat (made through the fake Graph)."""

    id: str
    kind: Kind
    members: list[str]
    """Entra object ids (for a channel: the team's members)."""
    bot_installed: bool = True
    team_id: str | None = None
    topic: str = ""


@dataclass
class Message:
    """A message the bot posted, as Teams shows it now (``activity`` is the latest version, with its ``id``)."""

    id: str
    conversation_id: str
    """The base conversation: the 1:1, group chat or channel (without ``;messageid``)."""
    thread_id: str | None
    activity: Json
    reply_to_id: str | None = None
    deleted: bool = False
    history: list[Json] = field(default_factory=list)
    """Earlier versions, oldest first."""

    @property
    def text(self) -> str:
        return str(self.activity.get("text") or "")

    @property
    def cards(self) -> list[Json]:
        return cards_of(self.activity)

    @property
    def card(self) -> Json:
        """The one card on this message."""
        cards = self.cards
        if len(cards) != 1:
            raise AssertionError(f"message {self.id} has {len(cards)} cards")
        return cards[0]


def _stable_hex(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------------
# The fake
# ---------------------------------------------------------------------------------------------------------


class FakeConnector(FakeServer):
    """The Bot Connector v3 on ``http://127.0.0.1:PORT{prefix}``; :attr:`url` is the ``serviceUrl`` to use.

    Args:
        app_id: the bot's app id (its account is ``28:<app_id>``).
        tenant_id: the school's tenant; creating a conversation for another tenant is refused.
        prefix: a path before ``/v3`` (real service URLs have one, e.g. ``/amer/<tenant>/``).

    Knobs: :attr:`require_token` (answer 401 without ``Authorization: Bearer <it>``), :attr:`latency`,
    :attr:`min_page_size`, and :meth:`fail` / :meth:`fail_after_success`.
    """

    default_codes = {
        400: "BadArgument",
        401: "BotNotRegistered",
        403: "Forbidden",
        404: "NotFound",
        412: "PreconditionFailed",
        413: "MessageSizeTooBig",
        429: "Throttled",
        500: "ServiceError",
        502: "ServiceError",
        503: "ServiceUnavailable",
        504: "GatewayTimeout",
    }

    def __init__(self, *, app_id: str = BOT_APP_ID, tenant_id: str = TENANT_ID, prefix: str = "") -> None:
        super().__init__(prefix=prefix)
        self.app_id = app_id
        self.bot_id = f"28:{app_id}"
        self.tenant_id = tenant_id
        self.require_token: str | None = None
        self.min_page_size = 50
        self.users: dict[str, TeamsUser] = {}
        """By Entra object id."""
        self.teams: dict[str, Team] = {}
        self.conversations: dict[str, Conversation] = {}
        self.messages: dict[str, Message] = {}
        """Every message the bot posted, by id (deleted ones stay, marked)."""
        self._channel_team: dict[str, str] = {}

    @property
    def url(self) -> str:
        """The ``serviceUrl`` for activities and for ``ConnectorClient``; ends with ``/``."""
        return f"{self.base}{self.prefix}/"

    # -- set-up ----------------------------------------------------------------------------------------
    def add_user(
        self,
        upn: str,
        name: str | None = None,
        *,
        aad_id: str | None = None,
        email: str | None = None,
        installed: bool = True,
    ) -> TeamsUser:
        """A person in the tenant; the Entra object id is derived from the UPN unless given."""
        aad = (aad_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"entra:{upn.lower()}"))).lower()
        user = TeamsUser(
            aad, upn, name or upn.split("@")[0], email or upn, user_mri(aad, self.app_id), installed=installed
        )
        self.users[aad] = user
        return user

    def add_team(
        self, name: str, members: Iterable[TeamsUser | str], *, channels: Iterable[str] = (), bot_installed: bool = True
    ) -> Team:
        """A team whose members are ``members``, with a General channel plus ``channels``."""
        team_id = f"19:{_stable_hex('team', name)}@thread.tacv2"
        ids = {None: team_id} | {c: f"19:{_stable_hex('channel', name, c)}@thread.tacv2" for c in channels}
        team = Team(
            team_id,
            name,
            [self.user(m).aad_id for m in members],
            {("General" if c is None else c): cid for c, cid in ids.items()},
            bot_installed,
        )
        self.teams[team_id] = team
        for channel_id in team.channels.values():
            self._channel_team[channel_id] = team_id
        return team

    def find_user(self, key: TeamsUser | str) -> TeamsUser | None:
        """By ``29:`` id, Entra object id, UPN or e-mail (case-insensitive)."""
        if isinstance(key, TeamsUser):
            return key
        lowered = key.lower()
        if lowered in self.users:
            return self.users[lowered]
        return next(
            (u for u in self.users.values() if key == u.id or lowered in (u.upn.lower(), u.email.lower())), None
        )

    def user(self, key: TeamsUser | str) -> TeamsUser:
        found = self.find_user(key)
        if found is None:
            raise KeyError(f"unknown user {key!r}; call fake.add_user() first")
        return found

    def block(self, user: TeamsUser | str, blocked: bool = True) -> None:
        """The user blocked the bot: creating or posting in their 1:1 chat answers 403 ``ConversationBlockedByUser``."""
        self.user(user).blocked = blocked

    def uninstalled(
        self, user: TeamsUser | str, uninstalled: bool = True, *, code: str = "MessageWritesBlocked"
    ) -> None:
        """The app is not (or no longer) installed for the user: creating their 1:1 answers 403
        ``ForbiddenOperationException``, posting into an existing one 403 ``code``."""
        found = self.user(user)
        found.installed = not uninstalled
        found.uninstall_code = code

    def personal_chat(self, user: TeamsUser | str) -> Conversation:
        """The 1:1 chat with ``user`` (the same id inbound activities of :mod:`teams_activities` use)."""
        found = self.user(user)
        conversation_id = personal_conversation_id(found.aad_id, self.app_id)
        if conversation_id not in self.conversations:
            self.conversations[conversation_id] = Conversation(conversation_id, "personal", [found.aad_id])
        return self.conversations[conversation_id]

    def add_group_chat(
        self, members: Iterable[TeamsUser | str], *, topic: str = "", bot_installed: bool = False
    ) -> Conversation:
        """A group chat (``19:…@thread.v2``), as the fake Graph creates them."""
        chat_id = f"19:{uuid.uuid4().hex}@thread.v2"
        conversation = Conversation(
            chat_id, "groupChat", [self.user(m).aad_id for m in members], bot_installed, topic=topic
        )
        self.conversations[chat_id] = conversation
        return conversation

    # -- reading what the bot did ----------------------------------------------------------------------
    def messages_in(self, conversation_id: str, *, deleted: bool = False) -> list[Message]:
        """The messages in a conversation in posting order. A channel id gives every thread, a
        ``<channel>;messageid=<root>`` id that thread only."""
        base, _, root = conversation_id.partition(";messageid=")
        return [
            m
            for m in self.messages.values()
            if m.conversation_id == base and (deleted or not m.deleted) and (not root or m.thread_id == root)
        ]

    def messages_to(self, user: TeamsUser | str) -> list[Message]:
        """The bot's messages in its 1:1 chat with ``user``."""
        return self.messages_in(personal_conversation_id(self.user(user).aad_id, self.app_id))

    def last_card(self, where: TeamsUser | str) -> Json:
        """The last card a user sees in their 1:1 chat (``where`` a user), or in a conversation (an id)."""
        found = self.find_user(where)
        messages = self.messages_to(found) if found else self.messages_in(str(where))
        cards = [card for m in messages for card in m.cards]
        if not cards:
            raise AssertionError(f"no card in {where!r}")
        return cards[-1]

    def message(self, activity_id: str) -> Message:
        return self.messages[activity_id]

    # -- routes ----------------------------------------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        p, h = self.prefix, self.serve
        app.router.add_post(f"{p}/v3/conversations", h(self._create_conversation))
        app.router.add_post(f"{p}/v3/conversations/{{cid}}/activities", h(self._send))
        app.router.add_post(f"{p}/v3/conversations/{{cid}}/activities/{{aid}}", h(self._send))
        app.router.add_put(f"{p}/v3/conversations/{{cid}}/activities/{{aid}}", h(self._update))
        app.router.add_delete(f"{p}/v3/conversations/{{cid}}/activities/{{aid}}", h(self._delete))
        app.router.add_get(f"{p}/v3/conversations/{{cid}}/members", h(self._members))
        app.router.add_get(f"{p}/v3/conversations/{{cid}}/members/{{mid}}", h(self._member))
        app.router.add_get(f"{p}/v3/conversations/{{cid}}/pagedmembers", h(self._paged_members))
        app.router.add_get(f"{p}/v3/conversations/{{cid}}/pagedMembers", h(self._paged_members))
        app.router.add_get(f"{p}/v3/teams/{{tid}}/conversations", h(self._team_channels))
        app.router.add_get(f"{p}/v3/teams/{{tid}}", h(self._team_details))

    def unauthorized(self, request: web.Request) -> Answer | None:
        if self.require_token is None or request.headers.get("Authorization") == f"Bearer {self.require_token}":
            return None
        return Answer(401, {"message": "Authorization has been denied for this request."})

    def fault_answer(self, fault: Fault) -> Answer:
        """Teams' 503 and 504 come without a body (status table: no code)."""
        answer = super().fault_answer(fault)
        return Answer(answer.status, None, answer.headers) if fault.status in (503, 504) else answer

    # -- handlers --------------------------------------------------------------------------------------
    def _create_conversation(self, request: web.Request, body: Any) -> Answer:
        if not isinstance(body, dict):
            raise _bad_syntax("the body must be a ConversationParameters object")
        raw = body.get("channelData")
        channel_data: Json = raw if isinstance(raw, dict) else {}
        tenant_data = channel_data.get("tenant")
        tenant = tenant_data.get("id") if isinstance(tenant_data, dict) else None
        tenant = tenant or body.get("tenantId") or body.get("tenantID")
        if tenant is not None and tenant != self.tenant_id:
            raise ApiError(
                403, "Forbidden", "The tenant is not the bot's tenant.", problem=f"foreign tenant {tenant!r}"
            )
        if body.get("isGroup"):
            return self._create_thread(body, channel_data)
        if not tenant:
            raise _bad_syntax("a 1:1 chat needs the tenant id (channelData.tenant.id)")
        members = body.get("members")
        if not isinstance(members, list) or len(members) != 1 or not isinstance(members[0], dict):
            raise _bad_syntax("a 1:1 chat takes exactly one member")
        if body.get("activity") is not None:
            self.problem(
                "POST /v3/conversations: an initial activity in a 1:1 create; post it with "
                "POST /v3/conversations/{id}/activities as the docs do"
            )
        member_id = str(members[0].get("id") or "")
        if not (member_id.startswith("29:") or _is_guid(member_id)):
            raise ApiError(
                400,
                "BadArgument",
                "Invalid member id.",
                problem=f"member id {member_id[:40]!r} is neither a 29: id nor an Entra object id",
            )
        user = self.find_user(member_id)
        if user is None or not user.installed:
            raise ApiError(403, "ForbiddenOperationException", "Bot is not installed in user's personal scope")
        if user.blocked:
            raise ApiError(403, "ConversationBlockedByUser", "User blocked the conversation with the bot.")
        return Answer(201, {"id": self.personal_chat(user).id})

    def _create_thread(self, body: Json, channel_data: Json) -> Answer:
        channel = channel_data.get("channel") if isinstance(channel_data.get("channel"), dict) else None
        if channel is None:
            raise _bad_syntax("the bot cannot create group chats; a group create needs channelData.channel.id")
        channel_id = str(channel.get("id") or "")
        team = self.teams.get(self._channel_team.get(channel_id, ""))
        if team is None:
            raise ApiError(404, "ConversationNotFound", "Conversation not found.")
        if not team.bot_installed:
            raise ApiError(403, "BotNotInConversationRoster", "The bot is not part of the conversation roster.")
        activity = body.get("activity")
        if not isinstance(activity, dict):
            raise _bad_syntax("a new channel thread needs its first message in 'activity'")
        self._check_activity(activity)
        self._channel_conversation(channel_id, team)
        message = self._store(channel_id, activity, thread_id=None)
        return Answer(201, {"id": thread_conversation_id(channel_id, message.id), "activityId": message.id})

    def _send(self, request: web.Request, body: Any) -> Answer:
        conversation, thread = self._conversation(request.match_info["cid"])
        self._check_can_post(conversation)
        activity = self._checked(body)
        reply_to = request.match_info.get("aid") or activity.get("replyToId")
        message = self._store(conversation.id, activity, thread_id=thread, reply_to_id=reply_to)
        return Answer(201, {"id": message.id})

    def _update(self, request: web.Request, body: Any) -> Answer:
        conversation, _thread = self._conversation(request.match_info["cid"])
        self._check_can_post(conversation)
        message = self._existing(conversation, request.match_info["aid"])
        activity = self._checked(body)
        message.history.append(message.activity)
        message.activity = {**activity, "id": message.id}
        return Answer(200, {"id": message.id})

    def _delete(self, request: web.Request, body: Any) -> Answer:
        conversation, _thread = self._conversation(request.match_info["cid"])
        self._existing(conversation, request.match_info["aid"]).deleted = True
        return Answer(200)

    def _members(self, request: web.Request, body: Any) -> Answer:
        conversation, _thread = self._conversation(request.match_info["cid"])
        self._check_roster(conversation)
        return Answer(200, [self.users[m].account(self.tenant_id) for m in conversation.members])

    def _member(self, request: web.Request, body: Any) -> Answer:
        conversation, _thread = self._conversation(request.match_info["cid"])
        self._check_roster(conversation)
        user = self.find_user(request.match_info["mid"])
        if user is None or user.aad_id not in conversation.members:
            raise ApiError(404, "MemberNotFoundInConversation", "The member was not found in the conversation.")
        return Answer(200, user.account(self.tenant_id))

    def _paged_members(self, request: web.Request, body: Any) -> Answer:
        conversation, _thread = self._conversation(request.match_info["cid"])
        self._check_roster(conversation)
        try:
            size = int(request.query.get("pageSize") or 0) or 200
        except ValueError as exc:
            raise ApiError(400, "BadArgument", "Invalid pageSize.", problem="pageSize is not a number") from exc
        size = min(max(size, self.min_page_size), 500)
        token = request.query.get("continuationToken") or ""
        start = decode_offset(token) if token else 0
        if start is None:
            raise ApiError(400, "BadArgument", "Invalid continuation token.", problem="invalid continuationToken")
        members = conversation.members[start : start + size]
        page: Json = {"members": [self.users[m].account(self.tenant_id) for m in members]}
        if start + size < len(conversation.members):
            page["continuationToken"] = encode_offset(start + size)
        return Answer(200, page)

    def _team_channels(self, request: web.Request, body: Any) -> Answer:
        team = self._team(request.match_info["tid"])
        return Answer(
            200,
            {
                "conversations": [
                    {"id": cid, "name": None if cid == team.id else name} for name, cid in team.channels.items()
                ]
            },
        )

    def _team_details(self, request: web.Request, body: Any) -> Answer:
        team = self._team(request.match_info["tid"])
        return Answer(
            200, {"id": team.id, "name": team.name, "aadGroupId": str(uuid.uuid5(uuid.NAMESPACE_URL, team.id))}
        )

    # -- helpers ---------------------------------------------------------------------------------------
    def _team(self, team_id: str) -> Team:
        team = self.teams.get(team_id)
        if team is None:
            raise ApiError(404, "NotFound", "Team not found.")
        if not team.bot_installed:
            raise ApiError(403, "BotNotInConversationRoster", "The bot is not part of the conversation roster.")
        return team

    def _channel_conversation(self, channel_id: str, team: Team) -> Conversation:
        conversation = self.conversations.get(channel_id)
        if conversation is None:
            conversation = Conversation(channel_id, "channel", team.members, team.bot_installed, team_id=team.id)
            self.conversations[channel_id] = conversation
        conversation.members, conversation.bot_installed = team.members, team.bot_installed
        return conversation

    def _conversation(self, conversation_id: str) -> tuple[Conversation, str | None]:
        """The conversation an id names, and the thread root for ``<channel>;messageid=<root>`` ids."""
        base, _, thread = conversation_id.partition(";messageid=")
        if base in self._channel_team:
            conversation = self._channel_conversation(base, self.teams[self._channel_team[base]])
        elif base in self.teams:
            conversation = self._channel_conversation(base, self.teams[base])
        else:
            found = self.conversations.get(base) or self._personal_by_id(base)
            if found is None:
                raise ApiError(404, "ConversationNotFound", "Conversation not found.")
            conversation = found
        return conversation, thread or None

    def _personal_by_id(self, conversation_id: str) -> Conversation | None:
        """A 1:1 chat exists once the user has the app, before the bot ever wrote in it (inbound activities
        from :mod:`teams_activities` use the same ids)."""
        if not conversation_id.startswith("a:"):
            return None
        user = next(
            (u for u in self.users.values() if personal_conversation_id(u.aad_id, self.app_id) == conversation_id), None
        )
        return self.personal_chat(user) if user else None

    def _check_roster(self, conversation: Conversation) -> None:
        if not conversation.bot_installed:
            raise ApiError(403, "BotNotInConversationRoster", "The bot is not part of the conversation roster.")

    def _check_can_post(self, conversation: Conversation) -> None:
        self._check_roster(conversation)
        if conversation.kind == "personal":
            user = self.users[conversation.members[0]]
            if user.blocked:
                raise ApiError(403, "ConversationBlockedByUser", "User blocked the conversation with the bot.")
            if not user.installed:
                raise ApiError(403, user.uninstall_code, "The bot is blocked or uninstalled by the user.")

    def _existing(self, conversation: Conversation, activity_id: str) -> Message:
        message = self.messages.get(activity_id)
        if message is None or message.deleted or message.conversation_id != conversation.id:
            raise ApiError(404, "ActivityNotFoundInConversation", "Conversation not found.")
        return message

    def _checked(self, body: Any) -> Json:
        if not isinstance(body, dict):
            raise ApiError(400, "BadArgument", "The body must be an activity.", problem="the body is not an activity")
        self._check_activity(body)
        return body

    def _check_activity(self, activity: Json) -> None:
        """What Teams refuses (400 ``BadArgument``; 413 when too big), recorded as a problem too."""
        problems: list[str] = []
        if activity.get("type") != "message":
            problems.append(f"activity type must be 'message', not {activity.get('type')!r}")
        attachments = activity.get("attachments")
        if attachments is not None and not isinstance(attachments, list):
            problems.append("attachments must be a list")
            attachments = []
        if not activity.get("text") and not attachments:
            problems.append("a message needs text or attachments")
        for i, attachment in enumerate(attachments or []):
            if not isinstance(attachment, dict) or not isinstance(attachment.get("contentType"), str):
                problems.append(f"attachment {i} needs a contentType")
            elif attachment["contentType"] == CARD_TYPE:
                problems += [f"attachment {i}: {p}" for p in card_problems(attachment.get("content"))]
        if problems:
            raise ApiError(400, "BadArgument", "Invalid activity.", problem="; ".join(problems))
        size = activity_size(activity)
        if size > MAX_ACTIVITY_BYTES:
            raise ApiError(
                413,
                "MessageSizeTooBig",
                "Message size too large.",
                problem=f"activity is {size} bytes in UTF-16, over {MAX_ACTIVITY_BYTES}",
            )

    def _store(
        self, conversation_id: str, activity: Json, *, thread_id: str | None, reply_to_id: str | None = None
    ) -> Message:
        message_id = new_message_id()
        conversation = self.conversations.get(conversation_id)
        if conversation is not None and conversation.kind == "channel" and thread_id is None:
            thread_id = message_id  # a post to the channel itself starts a new thread
        message = Message(message_id, conversation_id, thread_id, {**activity, "id": message_id}, reply_to_id)
        self.messages[message_id] = message
        return message


def _bad_syntax(why: str) -> ApiError:
    return ApiError(400, "BadSyntax", "Incorrect conversation creation parameters", problem=why)


_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _is_guid(value: str) -> bool:
    return bool(_GUID.fullmatch(value))
