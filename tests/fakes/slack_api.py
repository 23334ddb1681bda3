"""An offline fake of the Slack Web API, served on 127.0.0.1 in the test's own event loop.

Scenario tests and the benchmark must run the real ``slack_sdk``/Bolt client code (argument encoding,
retry handlers, response parsing) without touching the network, and must fail the way Slack fails:
channel-name rules, single-use triggers, block limits, rate limits, eventual consistency right after
``conversations.create``. A stub that only records call shapes would not catch those (STYLE.md: avoid
``MagicMock`` web clients). Facts behind the rules: shared ``docs/slack-notes.md`` §5, §7 and §11.

Usage::

    async with FakeSlack() as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.url)
        await client.chat_postMessage(channel="U1", text="Hoi")    # after fake.add_user("U1", "juf")
        [call] = await fake.wait_for("chat.postMessage")

Where Slack's behaviour is undocumented or the docs disagree, the handler's docstring says which choice
the fake made.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import secrets
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

from aiohttp import web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

Json = dict[str, Any]
Surface = Literal["message", "modal", "home"]

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
MESSAGE_BLOCKS_JSON_LIMIT = 12_000
"""Undocumented; Slack answers ``msg_blocks_too_long`` somewhere around 12-13k characters (bolt-js#2509)."""
MESSAGE_TEXT_LIMIT = 40_000
VIEW_SIZE_LIMIT = 250_000
RESPONSE_URL_POSTS = 5
NOT_FOUND_WINDOW = 1.0
"""Seconds after ``conversations.create`` during which ``not_found_after_create`` applies."""

_CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")


@dataclass(frozen=True)
class Call:
    """One request to ``/api/{method}``: the merged arguments and the lower-cased request headers.

    ``at`` is ``time.monotonic()`` on arrival, so a benchmark can compare calls with each other.
    """

    method: str
    args: Json
    headers: dict[str, str]
    at: float

    @property
    def token(self) -> str:
        auth = self.headers.get("authorization", "")
        return auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else str(self.args.get("token", ""))


@dataclass
class Channel:
    """A conversation the fake knows: a team channel, a private channel, a DM (``is_im``) or a group DM."""

    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    members: set[str] = field(default_factory=set)
    user: str = ""
    """The other party of a DM."""
    is_archived: bool = False
    creator: str = ""
    created: int = field(default_factory=lambda: int(time.time()))
    created_at: float = float("-inf")
    """``FakeSlack.clock()`` at ``conversations.create``; only channels created through the API have one."""
    not_found_left: int = 0


@dataclass(frozen=True)
class OpenedView:
    """A modal opened with ``views.open``, with the user the trigger was issued for."""

    view_id: str
    user: str
    view: Json


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int
    left: int
    after: bool = False
    """Carry the call out first, then answer the error (the outcome the caller cannot know)."""


@dataclass
class Outage:
    """Every call to ``methods`` (all when empty) fails until ``until`` (the fake's clock)."""

    until: float
    status: int
    error: str
    retry_after: int = 0
    after: bool = False
    methods: frozenset[str] = frozenset()
    failed: int = 0


@dataclass
class _Trigger:
    user: str
    expires_at: float
    used: bool = False


class SlackError(Exception):
    """An ``ok: false`` answer. Handlers raise it; the dispatcher turns it into Slack's JSON."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


# ---------------------------------------------------------------------------------------------------------
# Block Kit validation
# ---------------------------------------------------------------------------------------------------------


def check_blocks(blocks: object, *, surface: Surface = "message") -> list[str]:
    """Return what Slack would reject in ``blocks`` (an empty list means they would be accepted).

    A plain function so renderer unit tests can check their output without HTTP. slack_sdk validates
    only model objects and never the 50-blocks limit (notes §7), so the fake enforces the documented
    limits itself and uses ``Block.parse(...).to_dict()`` as a backstop for everything else.

    Args:
        blocks: the ``blocks`` array of a message, modal or Home tab.
        surface: ``"message"`` (≤50 blocks, ≤12,000 characters of JSON), ``"modal"`` or ``"home"`` (≤100).

    Returns:
        Messages in Slack's style, e.g. ``"[ERROR] must be at most 75 characters
        [json-pointer:/blocks/0/elements/0/text/text]"``.
    """
    return [message for _code, message in _block_problems(blocks, surface, "/blocks")]


def _err(what: str, pointer: str) -> str:
    return f"[ERROR] {what} [json-pointer:{pointer}]"


def _block_problems(blocks: object, surface: Surface, root: str) -> list[tuple[str, str]]:
    """Problems as ``(error code, message)``; the code is ``invalid_blocks`` or ``msg_blocks_too_long``."""
    if not isinstance(blocks, list):
        return [("invalid_blocks", _err("blocks must be an array", root))]
    problems: list[tuple[str, str]] = []
    limit = MESSAGE_BLOCK_LIMIT if surface == "message" else VIEW_BLOCK_LIMIT
    if len(blocks) > limit:
        problems.append(("invalid_blocks", _err(f"no more than {limit} items allowed", root)))
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        pointer = f"{root}/{i}"
        found = _check_block(block, pointer, block_ids)
        if not found and isinstance(block, dict):
            backstop = _sdk_check(block, pointer)
            if backstop:
                found.append(backstop)
        problems += [("invalid_blocks", message) for message in found]
    if surface == "message":
        size = len(json.dumps(blocks, separators=(",", ":"), ensure_ascii=False))
        if size > MESSAGE_BLOCKS_JSON_LIMIT:
            what = f"blocks JSON is {size} characters, more than {MESSAGE_BLOCKS_JSON_LIMIT}"
            problems.append(("msg_blocks_too_long", _err(what, root)))
    return problems


def _check_block(block: object, pointer: str, block_ids: set[str]) -> list[str]:
    if not isinstance(block, dict):
        return [_err("must be an object", pointer)]
    kind = block.get("type")
    if not isinstance(kind, str) or not kind:
        return [_err("missing required field: type", f"{pointer}/type")]
    out = _check_id(block.get("block_id"), f"{pointer}/block_id", block_ids, "block_id")
    if kind == "section":
        text, fields = block.get("text"), block.get("fields")
        if text is None and fields is None:
            out.append(_err("a section needs text or fields", pointer))
        if text is not None:
            out += _check_text(text, f"{pointer}/text", 3000)
        if fields is not None:
            if not isinstance(fields, list) or not fields:
                out.append(_err("fields must be a non-empty array", f"{pointer}/fields"))
            else:
                if len(fields) > 10:
                    out.append(_err("no more than 10 items allowed", f"{pointer}/fields"))
                for j, item in enumerate(fields):
                    out += _check_text(item, f"{pointer}/fields/{j}", 2000)
        if block.get("accessory") is not None:
            out += _check_element(block["accessory"], f"{pointer}/accessory")
    elif kind == "header":
        out += _check_text(block.get("text"), f"{pointer}/text", 150, plain_only=True)
    elif kind == "actions":
        out += _check_elements(block.get("elements"), pointer, 25)
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            out.append(_err("elements must be a non-empty array", f"{pointer}/elements"))
        elif len(elements) > 10:
            out.append(_err("no more than 10 items allowed", f"{pointer}/elements"))
    elif kind == "input":
        out += _check_text(block.get("label"), f"{pointer}/label", 2000, plain_only=True)
        if block.get("hint") is not None:
            out += _check_text(block["hint"], f"{pointer}/hint", 2000, plain_only=True)
        element = block.get("element")
        if not isinstance(element, dict):
            out.append(_err("missing required field: element", f"{pointer}/element"))
        else:
            out += _check_element(element, f"{pointer}/element")
    return out


def _check_id(value: object, pointer: str, seen: set[str], name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, str) or not value:
        return [_err(f"{name} must be a non-empty string", pointer)]
    if len(value) > 255:
        return [_err("must be at most 255 characters", pointer)]
    if value in seen:
        return [_err(f"duplicate {name} {value!r}", pointer)]
    seen.add(value)
    return []


def _check_text(obj: object, pointer: str, limit: int, *, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict):
        return [_err("must be a text object", pointer)]
    kind = obj.get("type")
    if plain_only and kind != "plain_text":
        return [_err("must be a plain_text object", f"{pointer}/type")]
    if kind not in ("plain_text", "mrkdwn"):
        return [_err("type must be plain_text or mrkdwn", f"{pointer}/type")]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [_err("must be more than 0 characters", f"{pointer}/text")]
    if len(text) > limit:
        return [_err(f"must be at most {limit} characters", f"{pointer}/text")]
    return []


def _check_elements(elements: object, pointer: str, limit: int) -> list[str]:
    if not isinstance(elements, list) or not elements:
        return [_err("elements must be a non-empty array", f"{pointer}/elements")]
    out = [_err(f"no more than {limit} items allowed", f"{pointer}/elements")] if len(elements) > limit else []
    action_ids: set[str] = set()
    for j, element in enumerate(elements):
        where = f"{pointer}/elements/{j}"
        out += _check_element(element, where)
        if isinstance(element, dict) and isinstance(element.get("action_id"), str):
            out += _check_id(element["action_id"], f"{where}/action_id", action_ids, "action_id")
    return out


def _check_element(element: object, pointer: str) -> list[str]:
    if not isinstance(element, dict):
        return [_err("must be an object", pointer)]
    out: list[str] = []
    action_id = element.get("action_id")
    if action_id is not None and (not isinstance(action_id, str) or not action_id or len(action_id) > 255):
        out.append(_err("action_id must be 1 to 255 characters", f"{pointer}/action_id"))
    if element.get("type") == "button":
        out += _check_text(element.get("text"), f"{pointer}/text", 75, plain_only=True)
        for key, limit in (("value", 2000), ("url", 3000)):
            value = element.get(key)
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                out.append(_err(f"must be a string of at most {limit} characters", f"{pointer}/{key}"))
        if element.get("style") not in (None, "primary", "danger"):
            out.append(_err("style must be primary or danger", f"{pointer}/style"))
    if element.get("placeholder") is not None:
        out += _check_text(element["placeholder"], f"{pointer}/placeholder", 150, plain_only=True)
    options = element.get("options")
    if isinstance(options, list):
        if len(options) > 100:
            out.append(_err("no more than 100 items allowed", f"{pointer}/options"))
        for k, option in enumerate(options):
            where = f"{pointer}/options/{k}"
            if not isinstance(option, dict):
                out.append(_err("must be an object", where))
                continue
            out += _check_text(option.get("text"), f"{where}/text", 75)
            value = option.get("value")
            if not isinstance(value, str) or len(value) > 150:
                out.append(_err("must be a string of at most 150 characters", f"{where}/value"))
    return out


def _sdk_check(block: Json, pointer: str) -> str | None:
    """Let slack_sdk's model validation judge what the explicit checks above do not cover."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated keys such as "subtype" warn; that is not Slack's verdict
        try:
            parsed = Block.parse(block)
            if parsed is None:
                return _err(f"unsupported block type {block.get('type')!r}", f"{pointer}/type")
            parsed.to_dict()
        except SlackObjectFormationError as exc:
            return _err(str(exc), pointer)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            return _err(f"malformed block ({exc})", pointer)
    return None


def _view_problems(view: Json, surface: Literal["modal", "home"]) -> list[str]:
    """Modal and Home tab rules (notes §7). ``callback_id`` is required for modals: stricter than Slack,
    because the adapter routes submissions on it and a modal without one could never be handled."""
    out: list[str] = []
    if view.get("type") != surface:
        out.append(_err(f"type must be {surface!r}", "/view/type"))
    if surface == "modal":
        out += _check_text(view.get("title"), "/view/title", 24, plain_only=True)
        for key in ("submit", "close"):
            if view.get(key) is not None:
                out += _check_text(view[key], f"/view/{key}", 24, plain_only=True)
        callback_id = view.get("callback_id")
        if not isinstance(callback_id, str) or not callback_id:
            out.append(_err("missing required field: callback_id", "/view/callback_id"))
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and view.get("submit") is None:
            out.append(_err("submit is required when blocks contain an input block", "/view/submit"))
    for key, limit in (("callback_id", 255), ("external_id", 255), ("private_metadata", 3000)):
        value = view.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            out.append(_err(f"must be a string of at most {limit} characters", f"/view/{key}"))
    if "blocks" not in view:
        out.append(_err("missing required field: blocks", "/view/blocks"))
    else:
        out += [message for _code, message in _block_problems(view["blocks"], surface, "/view/blocks")]
    return out


# ---------------------------------------------------------------------------------------------------------
# Request parsing helpers
# ---------------------------------------------------------------------------------------------------------


async def _read_args(request: web.Request) -> Json:
    """Merge query string, form body and JSON body: slack_sdk sends ``params`` in the query even for POST."""
    args: Json = dict(request.query)
    if request.body_exists:
        if request.content_type == "application/json":
            data = await request.json()
            if isinstance(data, dict):
                args.update(data)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            args.update({k: v if isinstance(v, str) else getattr(v, "filename", str(v)) for k, v in form.items()})
    return args


def _truthy(value: object) -> bool:
    """slack_sdk turns booleans into "1"/"0" (``convert_bool_to_0_or_1``); other clients send "true"."""
    return value is True or value == 1 or (isinstance(value, str) and value.lower() in ("1", "true"))


def _maybe_json(value: object, error: str) -> Any:
    """``blocks``/``attachments``/``view`` arrive as JSON values in a JSON body, as strings in a form."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise SlackError(error) from exc
    return value


def _split_ids(value: object) -> list[str]:
    raw = ",".join(value) if isinstance(value, list) else str(value or "")
    return [part.strip() for part in raw.split(",") if part.strip()]


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: object) -> int:
    if not cursor:
        return 0
    try:
        kind, _, number = base64.b64decode(str(cursor)).decode().partition(":")
        if kind != "offset":
            raise ValueError(kind)
        return int(number)
    except ValueError as exc:
        raise SlackError("invalid_cursor") from exc


def _invalid(problems: list[str], error: str) -> SlackError:
    return SlackError(error, errors=problems, response_metadata={"messages": problems})


# ---------------------------------------------------------------------------------------------------------
# The fake
# ---------------------------------------------------------------------------------------------------------


class FakeSlack:
    """The Slack Web API on ``http://127.0.0.1:PORT/api/`` plus ``/response_url/{id}``.

    Args:
        bot_user_id, bot_id, team_id, app_id: the identity ``auth.test`` reports and messages carry.
        clock: seconds, monotonic; replace it to move trigger expiry and the ``not_found_after_create``
            window without sleeping.

    Knobs (plain attributes): ``latency`` (seconds slept, without blocking, before every /api answer),
    ``page_size`` (cap on ``conversations.list`` pages), ``not_found_after_create``, ``invite_limit``
    (users per ``conversations.invite``), ``chat_write_public`` (may post to public channels without
    joining), ``socket_url`` (set by the Socket Mode fake).

    State for assertions: ``calls``, ``users``, ``channels``, ``ephemerals``, ``views`` (every modal and Home
    view by id), ``opened_views``, ``home`` (by user), ``responses`` (by response_url id), ``max_invite_chunk``.
    """

    def __init__(
        self,
        *,
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        team_id: str = "T0001",
        app_id: str = "A0001",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.team_id = team_id
        self.app_id = app_id
        self.clock = clock
        self.latency = 0.0
        self.page_size: int | None = None
        self.not_found_after_create = 0
        self.invite_limit = 1000
        self.max_invite_chunk = 0
        self.chat_write_public = False
        self.socket_url: str | None = None
        self.calls: list[Call] = []
        self.users: dict[str, Json] = {}
        self.channels: dict[str, Channel] = {}
        self.ephemerals: list[Json] = []
        self.views: dict[str, Json] = {}
        self.opened_views: list[OpenedView] = []
        self.home: dict[str, Json] = {}
        self.responses: dict[str, list[Json]] = {}
        self.rejected_responses: list[tuple[str, str, Json]] = []
        """``(response_url id, error, body)`` for response_url posts Slack would refuse."""
        self._messages: dict[str, list[Json]] = {}
        self._mpims: dict[tuple[str, ...], str] = {}
        self._failures: dict[str, deque[_Failure]] = {}
        self.outages: list[Outage] = []
        self.latency_for: dict[str, float] = {}
        """Per-method ``latency`` (a slow ``chat.postMessage`` to kill a process in the middle of)."""
        self.arrived: list[tuple[str, Json]] = []
        """Every call as it arrives, before ``latency`` and before it is carried out."""
        self._triggers: dict[str, _Trigger] = {}
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)
        self._epoch = int(time.time()) * 1_000_000
        self._runner: web.AppRunner | None = None
        self._base = ""
        self._handlers: dict[str, Callable[[Json], Json]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "conversations.create": self._conversations_create,
            "conversations.list": self._conversations_list,
            "conversations.invite": self._conversations_invite,
            "conversations.open": self._conversations_open,
            "conversations.members": self._conversations_members,
            "conversations.history": self._conversations_history,
            "users.info": self._users_info,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
        }
        self.add_user(bot_user_id, "protocolwijzer", is_bot=True)

    # -- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Serve on 127.0.0.1 at a port the OS picks, in the running event loop."""
        app = web.Application()
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/response_url/{id}", self._response_url)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self._base = f"http://{host}:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def started(self) -> bool:
        return self._runner is not None

    @property
    def base(self) -> str:
        if not self._base:
            raise RuntimeError("FakeSlack is not started; await fake.start() first")
        return self._base

    @property
    def url(self) -> str:
        """The ``base_url`` for ``AsyncWebClient``."""
        return f"{self.base}/api/"

    def response_url(self, response_id: str | int) -> str:
        return f"{self.base}/response_url/{response_id}"

    # -- state set-up and accessors --------------------------------------------------------------------

    def add_user(self, user_id: str, name: str, *, is_bot: bool = False, real_name: str | None = None) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name or name,
            "deleted": False,
            "is_bot": is_bot,
            "profile": {"real_name": real_name or name, "display_name": name},
        }

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        members: Iterable[str] = (),
        bot_is_member: bool = True,
        is_archived: bool = False,
    ) -> Channel:
        """Add an existing team channel (``C…``/``G…``), e.g. the coordinators' channel."""
        if channel_id in self.channels:
            raise ValueError(f"channel {channel_id} already exists")
        channel = Channel(channel_id, name, is_private=is_private, members=set(members), is_archived=is_archived)
        if bot_is_member:
            channel.members.add(self.bot_user_id)
        self.channels[channel_id] = channel
        return channel

    def dm_id(self, user_id: str) -> str:
        """The app DM with a user: ``"D" + user_id[1:]``, so payload builders can derive it too."""
        if user_id not in self.users:
            raise KeyError(f"unknown user {user_id!r}; call fake.add_user() first")
        dm = "D" + user_id[1:]
        if dm not in self.channels:
            self.channels[dm] = Channel(dm, "", is_im=True, user=user_id, members={user_id, self.bot_user_id})
        return dm

    def channel_by_name(self, name: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def members(self, channel_id: str) -> set[str]:
        return set(self.channels[channel_id].members)

    def messages_in(self, channel_id: str) -> list[Json]:
        """The current version of every message in a channel (a user id means their app DM), thread
        replies included with their ``thread_ts``, in posting order."""
        if channel_id[:1] in ("U", "W"):
            channel_id = self.dm_id(channel_id)
        return [dict(m) for m in self._messages.get(channel_id, [])]

    def issue_trigger(self, ttl: float = 3.0, *, user: str = "") -> str:
        """A ``trigger_id`` that ``views.open`` accepts once within ``ttl`` seconds (``ttl=0``: expired)."""
        trigger_id = f"{next(self._ids)}.{int(time.time())}.{secrets.token_hex(16)}"
        self._triggers[trigger_id] = _Trigger(user, self.clock() + ttl)
        return trigger_id

    # -- calls and failure injection -------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def auth_test_count(self) -> int:
        return len(self.calls_to("auth.test"))

    def reset_calls(self) -> None:
        self.calls.clear()

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Poll until ``count`` calls to ``method`` were answered. Bolt calls the API after its HTTP ack,
        so asserting right after the POST would race."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            calls = self.calls_to(method)
            if len(calls) >= count:
                return calls
            if loop.time() >= deadline:
                seen = [c.method for c in self.calls]
                raise AssertionError(
                    f"expected {count} call(s) to {method} within {timeout:g}s, got {len(calls)}; methods seen: {seen}"
                )
            await asyncio.sleep(0.01)

    async def wait_until(self, predicate: Callable[[], bool], *, timeout: float = 5.0, what: str = "") -> None:
        """Poll any condition, e.g. ``lambda: len(fake.responses.get("1", [])) == 2``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() >= deadline:
                seen = [c.method for c in self.calls]
                raise AssertionError(f"not reached within {timeout:g}s: {what or predicate}; methods seen: {seen}")
            await asyncio.sleep(0.01)

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        error: str | None = None,
        retry_after: int = 0,
        times: int = 1,
        after: bool = False,
    ) -> None:
        """Answer the next ``times`` calls to ``method`` with ``{"ok": false, "error": error}``.

        ``error`` defaults to ``ratelimited`` for 429 (with a ``Retry-After`` header) and ``internal_error``
        for 5xx; with ``status=200`` it must be given (e.g. ``channel_not_found``). ``after``: the call is
        carried out first (a message is posted) and then the error is answered, as when Slack's front end
        fails after the work was done.
        """
        if error is None:
            if status == 200:
                raise ValueError("fail_next(status=200) needs an error such as 'channel_not_found'")
            error = "ratelimited" if status == 429 else "internal_error"
        self._failures.setdefault(method, deque()).append(_Failure(status, error, retry_after, times, after))

    def fail_for(self, seconds: float, *, status: int = 500, retry_after: int = 0, after: bool = False,
                 methods: Iterable[str] = ()) -> Outage:
        """An outage: every call (or every call to ``methods``) fails for ``seconds`` from now, as in
        :meth:`fail_next`. Several outages may be lined up; the first that holds applies."""
        error = "ratelimited" if status == 429 else "internal_error"
        outage = Outage(self.clock() + seconds, status, error, retry_after, after, frozenset(methods))
        self.outages.append(outage)
        return outage

    # -- HTTP ------------------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        method = request.match_info["method"]
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            args = await _read_args(request)
            bad_body = False
        except ValueError:
            args, bad_body = {}, True
        self.arrived.append((method, args))
        latency = self.latency_for.get(method, self.latency)
        if latency > 0:
            await asyncio.sleep(latency)
        call = Call(method, args, headers, at)
        response = self._answer(call, bad_body)
        self.calls.append(call)  # after the state change, so wait_for() implies its effects are visible
        return response

    def _answer(self, call: Call, bad_body: bool) -> web.Response:
        failure = self._failure_for(call.method)
        if failure is not None and not failure.after:
            return self._failed(failure)
        response = self._carry_out(call, bad_body)
        return self._failed(failure) if failure is not None else response

    def _failure_for(self, method: str) -> _Failure | Outage | None:
        now = self.clock()
        for outage in self.outages:
            if outage.until > now and (not outage.methods or method in outage.methods):
                outage.failed += 1
                return outage
        failures = self._failures.get(method)
        if not failures:
            return None
        failure = failures[0]
        failure.left -= 1
        if failure.left <= 0:
            failures.popleft()
        return failure

    @staticmethod
    def _failed(failure: _Failure | Outage) -> web.Response:
        headers = {"Retry-After": str(failure.retry_after)} if failure.status == 429 else None
        return web.json_response({"ok": False, "error": failure.error}, status=failure.status, headers=headers)

    def _carry_out(self, call: Call, bad_body: bool) -> web.Response:
        if bad_body:
            return web.json_response({"ok": False, "error": "invalid_form_data"})
        token = call.token
        if not token:
            return web.json_response({"ok": False, "error": "not_authed"})
        handler = self._handlers.get(call.method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        if token.startswith("xapp-") != (call.method == "apps.connections.open"):
            return web.json_response({"ok": False, "error": "not_allowed_token_type"})
        try:
            body = handler(call.args)
        except SlackError as exc:
            body = {"ok": False, "error": exc.error, **exc.extra}
        return web.json_response(body)

    async def _response_url(self, request: web.Request) -> web.Response:
        """Like Slack's response_url: text/plain ``ok``; at most 5 posts, then 404 ``used_url``."""
        response_id = request.match_info["id"]
        posts = self.responses.setdefault(response_id, [])
        if len(posts) >= RESPONSE_URL_POSTS:
            return web.Response(status=404, text="used_url")
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self.rejected_responses.append((response_id, "invalid_payload", {}))
            return web.Response(status=400, text="invalid_payload")
        error = ""
        if body.get("blocks") is not None and check_blocks(body["blocks"]):
            error = "invalid_blocks"
        elif not (body.get("text") or body.get("blocks") or body.get("attachments") or body.get("delete_original")):
            error = "no_text"
        if error:
            self.rejected_responses.append((response_id, error, body))
            return web.Response(status=400, text=error)
        posts.append(body)
        return web.Response(text="ok")

    # -- helpers for handlers --------------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}F{next(self._ids):07d}"

    def _next_ts(self) -> str:
        """Epoch seconds as Slack's are (a lookup by ``oldest`` depends on it), strictly increasing."""
        micros = self._epoch + next(self._ts) * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _new_hash(self) -> str:
        return f"{int(time.time())}.{secrets.token_hex(4)}"

    def _channel(self, value: object, *, user_means_dm: bool) -> Channel:
        """Resolve a ``channel`` argument. A user id means the app DM only where Slack allows it."""
        if not isinstance(value, str) or not value:
            raise SlackError("channel_not_found")
        if value[0] in ("U", "W"):
            if not user_means_dm:
                raise SlackError("channel_not_found")
            if value not in self.users:
                raise SlackError("user_not_found")
            return self.channels[self.dm_id(value)]
        channel = self.channel_by_name(value[1:]) if value.startswith("#") else self.channels.get(value)
        if channel is None and value.startswith("D"):
            # The app DM exists for every user (the Messages tab), even before the bot first wrote there.
            owner = next((p + value[1:] for p in ("U", "W") if p + value[1:] in self.users), None)
            channel = self.channels[self.dm_id(owner)] if owner else None
        if channel is None:
            raise SlackError("channel_not_found")
        return channel

    def _check_not_found_yet(self, channel: Channel) -> None:
        """Eventual consistency right after ``conversations.create`` (notes §5)."""
        if channel.not_found_left > 0 and self.clock() - channel.created_at < NOT_FOUND_WINDOW:
            channel.not_found_left -= 1
            raise SlackError("channel_not_found")

    def _check_can_post(self, channel: Channel) -> None:
        if channel.is_archived:
            raise SlackError("is_archived")
        public = not (channel.is_private or channel.is_im or channel.is_mpim)
        if self.bot_user_id not in channel.members and not (public and self.chat_write_public):
            raise SlackError("not_in_channel")

    def _content(self, args: Json) -> tuple[str | None, Any, Any]:
        text = args.get("text")
        blocks = _maybe_json(args.get("blocks"), "invalid_blocks_format")
        attachments = _maybe_json(args.get("attachments"), "invalid_attachments")
        if not text and not blocks and not attachments:
            raise SlackError("no_text")
        if isinstance(text, str) and len(text) > MESSAGE_TEXT_LIMIT:
            raise SlackError("msg_too_long")
        if blocks is not None:
            problems = _block_problems(blocks, "message", "/blocks")
            if problems:
                only_size = all(code == "msg_blocks_too_long" for code, _ in problems)
                raise _invalid([m for _, m in problems], "msg_blocks_too_long" if only_size else "invalid_blocks")
        return (text if isinstance(text, str) else None), blocks, attachments

    def _find_message(self, channel_id: str, ts: object) -> Json | None:
        return next((m for m in self._messages.get(channel_id, []) if m["ts"] == ts), None)

    def _channel_json(self, channel: Channel) -> Json:
        return {
            "id": channel.id,
            "name": channel.name,
            "is_channel": not (channel.is_im or channel.is_mpim),
            "is_group": False,
            "is_im": channel.is_im,
            "is_mpim": channel.is_mpim,
            "is_private": channel.is_private or channel.is_im or channel.is_mpim,
            "created": channel.created,
            "creator": channel.creator,
            "is_archived": channel.is_archived,
            "is_general": False,
            "name_normalized": channel.name,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": self.bot_user_id in channel.members,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
            "num_members": len(channel.members),
        }

    def _checked_view(self, raw: object, surface: Literal["modal", "home"]) -> Json:
        view = _maybe_json(raw, "invalid_arguments")
        if not isinstance(view, dict):
            raise _invalid([_err("missing required field: view", "/view")], "invalid_arguments")
        if len(json.dumps(view)) > VIEW_SIZE_LIMIT:
            raise SlackError("view_too_large")
        problems = _view_problems(view, surface)
        if problems:
            raise _invalid(problems, "invalid_arguments")
        return view

    def _store_view(self, view: Json, view_id: str | None = None) -> Json:
        view_id = view_id or self._new_id("V")
        stored: Json = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": "",
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "external_id": "",
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        stored.update(view)
        stored.update(id=view_id, hash=self._new_hash(), root_view_id=view_id)
        self.views[view_id] = stored
        return stored

    # -- method handlers -------------------------------------------------------------------------------

    def _auth_test(self, args: Json) -> Json:
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": "Fake",
            "user": "protocolwijzer",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, args: Json) -> Json:
        if self.socket_url is None:
            raise SlackError("fake_socket_not_started")
        return {"ok": True, "url": self.socket_url}

    def _chat_post_message(self, args: Json) -> Json:
        """``channel`` may be a user id (the app DM), a ``D…`` id, a channel id or ``#name``. An unknown user
        id gives ``user_not_found`` (Slack's exact error here is undocumented). ``thread_ts`` is stored
        without checking that the parent exists."""
        channel = self._channel(args.get("channel"), user_means_dm=True)
        self._check_not_found_yet(channel)
        self._check_can_post(channel)
        text, blocks, attachments = self._content(args)
        ts = self._next_ts()
        message: Json = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": text or "",
            "ts": ts,
        }
        if blocks is not None:
            message["blocks"] = blocks
        if attachments is not None:
            message["attachments"] = attachments
        meta = _maybe_json(args.get("metadata"), "invalid_metadata_format")
        if meta is not None:
            if not isinstance(meta, dict) or not isinstance(meta.get("event_type"), str) or not isinstance(
                    meta.get("event_payload"), dict):
                raise SlackError("invalid_metadata_schema")
            message["metadata"] = meta
        thread_ts = args.get("thread_ts")
        if thread_ts:
            message["thread_ts"] = thread_ts
            parent = self._find_message(channel.id, thread_ts)
            if parent is not None:
                parent["thread_ts"] = parent["ts"]
                parent["reply_count"] = parent.get("reply_count", 0) + 1
        self._messages.setdefault(channel.id, []).append(message)
        return {"ok": True, "channel": channel.id, "ts": ts, "message": dict(message)}

    def _chat_delete(self, args: Json) -> Json:
        """A bot token deletes only the bot's own messages (``cant_delete_message`` otherwise)."""
        channel = self._channel(args.get("channel"), user_means_dm=False)
        message = self._find_message(channel.id, args.get("ts"))
        if message is None:
            raise SlackError("message_not_found")
        if message.get("user") != self.bot_user_id:
            raise SlackError("cant_delete_message")
        self._messages[channel.id].remove(message)
        return {"ok": True, "channel": channel.id, "ts": message["ts"]}

    def _chat_update(self, args: Json) -> Json:
        """Needs the ``D…`` id in DMs (a user id is ``channel_not_found``). Keys that are sent replace the old
        ones; an empty ``blocks`` array removes the blocks, as Slack documents."""
        channel = self._channel(args.get("channel"), user_means_dm=False)
        message = self._find_message(channel.id, args.get("ts"))
        if message is None:
            raise SlackError("message_not_found")
        if message.get("user") != self.bot_user_id:
            raise SlackError("cant_update_message")
        text, blocks, attachments = self._content(args)
        if text is not None:
            message["text"] = text
        for key, value in (("blocks", blocks), ("attachments", attachments)):
            if value == []:
                message.pop(key, None)
            elif value is not None:
                message[key] = value
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel.id,
            "ts": message["ts"],
            "text": message["text"],
            "message": dict(message),
        }

    def _chat_post_ephemeral(self, args: Json) -> Json:
        user = args.get("user")
        if not isinstance(user, str) or user not in self.users:
            raise SlackError("user_not_found")
        channel = self._channel(args.get("channel"), user_means_dm=True)
        self._check_can_post(channel)
        if user not in channel.members:
            raise SlackError("user_not_in_channel")
        text, blocks, _attachments = self._content(args)
        ts = self._next_ts()
        self.ephemerals.append(
            {
                "channel": channel.id,
                "user": user,
                "text": text,
                "blocks": blocks,
                "thread_ts": args.get("thread_ts"),
                "ts": ts,
            }
        )
        return {"ok": True, "message_ts": ts}

    def _conversations_create(self, args: Json) -> Json:
        """Names: ASCII ``[a-z0-9_-]`` only (Slack also accepts some non-Latin letters; the bot never needs them)."""
        name = args.get("name")
        name = name if isinstance(name, str) else ""
        if not name:
            raise SlackError("invalid_name_required")
        if len(name) > 80:
            raise SlackError("invalid_name_maxlength")
        if not _CHANNEL_NAME.fullmatch(name):
            raise SlackError("invalid_name_specials")
        if not any(ch.isalnum() for ch in name):
            raise SlackError("invalid_name_punctuation")
        if self.channel_by_name(name) is not None:
            raise SlackError("name_taken")
        channel = Channel(
            self._new_id("C"),
            name,
            is_private=_truthy(args.get("is_private")),
            members={self.bot_user_id},
            creator=self.bot_user_id,
            created_at=self.clock(),
            not_found_left=self.not_found_after_create,
        )
        self.channels[channel.id] = channel
        return {"ok": True, "channel": self._channel_json(channel)}

    def _conversations_list(self, args: Json) -> Json:
        """Private channels, DMs and group DMs are listed only when the bot is a member."""
        types = set(_split_ids(args.get("types") or "public_channel"))
        if not types <= {"public_channel", "private_channel", "im", "mpim"}:
            raise SlackError("invalid_types")
        try:
            limit = int(args.get("limit") or 100) or 100
        except ValueError as exc:
            raise SlackError("invalid_limit") from exc
        page = min(limit, self.page_size) if self.page_size else limit
        exclude_archived = _truthy(args.get("exclude_archived"))

        def kind(c: Channel) -> str:
            return "im" if c.is_im else "mpim" if c.is_mpim else "private_channel" if c.is_private else "public_channel"

        visible = [
            c
            for c in self.channels.values()
            if kind(c) in types
            and not (exclude_archived and c.is_archived)
            and (kind(c) == "public_channel" or self.bot_user_id in c.members)
        ]
        start = _decode_cursor(args.get("cursor"))
        end = start + page
        return {
            "ok": True,
            "channels": [self._channel_json(c) for c in visible[start:end]],
            "response_metadata": {"next_cursor": _encode_cursor(end) if end < len(visible) else ""},
        }

    def _conversations_invite(self, args: Json) -> Json:
        """Per-user problems fail the whole call with an ``errors`` list (the slack-api-ref example shape)
        unless ``force`` is set. ``already_in_channel`` only when every valid user is already a member; a
        mix invites the new ones and succeeds (Slack documents no mixed case). The cap is ``invite_limit``
        (1000 by default; docs say 30, 100 or 1000 — the bot chunks at 30)."""
        users = _split_ids(args.get("users"))
        self.max_invite_chunk = max(self.max_invite_chunk, len(users))
        channel = self._channel(args.get("channel"), user_means_dm=False)
        if channel.is_im or channel.is_mpim:
            raise SlackError("method_not_supported_for_channel_type")
        self._check_not_found_yet(channel)
        if not users:
            raise SlackError("no_user")
        if len(users) > self.invite_limit:
            raise SlackError("too_many_users")
        if channel.is_archived:
            raise SlackError("is_archived")
        if self.bot_user_id not in channel.members:
            raise SlackError("not_in_channel")
        errors: list[Json] = []
        valid: list[str] = []
        for user in users:
            problem = "cant_invite_self" if user == self.bot_user_id else "" if user in self.users else "user_not_found"
            if problem:
                errors.append({"user": user, "ok": False, "error": problem})
            else:
                valid.append(user)
        if errors and not (_truthy(args.get("force")) and valid):
            raise SlackError(errors[0]["error"], errors=errors)
        new = [user for user in valid if user not in channel.members]
        if not new:
            raise SlackError("already_in_channel")
        channel.members.update(new)
        return {"ok": True, "channel": self._channel_json(channel)}

    def _conversations_open(self, args: Json) -> Json:
        """1 user: the app DM; 2-8: a group DM (``G…``). The bot's own id is ignored; nothing left gives
        ``not_enough_users`` (Slack's rule for that error is not documented precisely)."""
        if not args.get("users"):
            existing = self.channels.get(str(args.get("channel") or ""))
            if args.get("channel"):
                if existing is None or not (existing.is_im or existing.is_mpim):
                    raise SlackError("channel_not_found")
                return {"ok": True, "channel": {"id": existing.id}}
            raise SlackError("users_list_not_supplied")
        users = [u for u in _split_ids(args.get("users")) if u != self.bot_user_id]
        if not users:
            raise SlackError("not_enough_users")
        if len(users) > 8:
            raise SlackError("too_many_users")
        if any(u not in self.users for u in users):
            raise SlackError("user_not_found")
        if len(users) == 1:
            already = "D" + users[0][1:] in self.channels
            channel = self.channels[self.dm_id(users[0])]
        else:
            key = tuple(sorted(users))
            already = key in self._mpims
            if not already:
                group = Channel(self._new_id("G"), "mpdm-" + "--".join(key), is_mpim=True, is_private=True)
                group.members = {*users, self.bot_user_id}
                self.channels[group.id] = group
                self._mpims[key] = group.id
            channel = self.channels[self._mpims[key]]
        body: Json = {
            "ok": True,
            "channel": self._channel_json(channel) if _truthy(args.get("return_im")) else {"id": channel.id},
        }
        if already:
            body.update(no_op=True, already_open=True)
        return body

    def _conversations_members(self, args: Json) -> Json:
        channel = self._channel(args.get("channel"), user_means_dm=False)
        if channel.is_private and self.bot_user_id not in channel.members:
            raise SlackError("channel_not_found")
        return {"ok": True, "members": sorted(channel.members), "response_metadata": {"next_cursor": ""}}

    def _conversations_history(self, args: Json) -> Json:
        """Newest first, top-level messages only; ``oldest`` is exclusive. Message ``metadata`` is
        included only with ``include_all_metadata`` (the app subscribes to no metadata events). The bot
        reads a private channel only as a member; its app DMs always."""
        channel = self._channel(args.get("channel"), user_means_dm=False)
        if self.bot_user_id not in channel.members:
            raise SlackError("channel_not_found" if channel.is_private else "not_in_channel")
        oldest = float(str(args.get("oldest") or "0"))
        with_metadata = _truthy(args.get("include_all_metadata"))
        found = [m for m in self._messages.get(channel.id, [])
                 if float(m["ts"]) > oldest and m.get("thread_ts", m["ts"]) == m["ts"]]
        found.reverse()
        limit = min(int(str(args.get("limit") or 100)), 999)
        start = _decode_cursor(args.get("cursor"))
        page = found[start:start + limit]
        messages = [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(found)
        return {"ok": True, "messages": [dict(m) for m in messages], "has_more": more,
                "response_metadata": {"next_cursor": _encode_cursor(start + limit) if more else ""}}

    def _users_info(self, args: Json) -> Json:
        user = self.users.get(str(args.get("user") or ""))
        if user is None:
            raise SlackError("user_not_found")
        return {"ok": True, "user": dict(user)}

    def _views_open(self, args: Json) -> Json:
        """A trigger is exchanged only when the view is accepted; a rejected view leaves it usable."""
        trigger_id = args.get("trigger_id")
        if not trigger_id:
            raise _invalid([_err("missing required field: trigger_id", "/trigger_id")], "invalid_arguments")
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if self.clock() >= trigger.expires_at:
            raise SlackError("expired_trigger_id")
        view = self._checked_view(args.get("view"), "modal")
        trigger.used = True
        stored = self._store_view(view)
        self.opened_views.append(OpenedView(stored["id"], trigger.user, stored))
        return {"ok": True, "view": stored}

    def _views_update(self, args: Json) -> Json:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        current = self.views.get(str(view_id)) if view_id else None
        if current is None and external_id:
            current = next((v for v in self.views.values() if v.get("external_id") == external_id), None)
        if current is None:
            raise SlackError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        surface: Literal["modal", "home"] = "home" if current["type"] == "home" else "modal"
        view = self._checked_view(args.get("view"), surface)
        stored = self._store_view(view, current["id"])
        stored["root_view_id"] = current["root_view_id"]
        for user, home in self.home.items():
            if home["id"] == stored["id"]:
                self.home[user] = stored
        return {"ok": True, "view": stored}

    def _views_publish(self, args: Json) -> Json:
        user_id = str(args.get("user_id") or "")
        if user_id not in self.users:
            raise SlackError("user_not_found")
        current = self.home.get(user_id)
        if current is not None and args.get("hash") and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        view = self._checked_view(args.get("view"), "home")
        stored = self._store_view(view, current["id"] if current else None)
        self.home[user_id] = stored
        return {"ok": True, "view": stored}
