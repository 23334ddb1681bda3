"""The port on Slack's Web API: DMs, channel posts, updates, private incident channels.

Every method may be repeated by the outbox after a crash or an error, so each is safe to
repeat: a channel that already exists is found again by name, inviting a member is not
an error, and a post under an outbox key is found again instead of posted twice
(:mod:`adapters.slack.sent`). The outbox is the one retry loop: the client retries only
what Slack did not carry out (a connection that was never made, a short rate limit;
:func:`adapters.slack.config.make_client`); a longer ``Retry-After`` becomes
:class:`~bot.ports.RetryLater`, and a person Slack does not know (any more)
:class:`~bot.ports.Unreachable`, so an escalation moves on.

Right after ``conversations.create`` Slack may not know the channel yet for a moment
(``channel_not_found``): invites and posts into a fresh channel are retried after a short
pause, as Slack's own engineering advice and Netflix's Dispatch do.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import UTC, timedelta
from typing import Any, ParamSpec, TypeVar

from aiohttp import ClientConnectorError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import SlackMessage, render_one, stamp_pages
from adapters.slack.config import OUTBOX_CALL
from adapters.slack.sent import SentLedger, key_of, metadata
from bot.events import UserRef
from bot.messages import Reply
from bot.ports import ChannelRef, MessageRef, RetryLater, Unreachable

log = logging.getLogger(__name__)
T = TypeVar("T")
P = ParamSpec("P")

PLATFORM = "slack"
#: ``conversations.invite`` takes at most this many users per call in practice.
INVITE_CHUNK = 30
#: Pauses before retrying a call that a freshly created channel is not ready for.
FRESH_CHANNEL_PAUSES = (0.2, 0.5, 1.0, 2.0)
NOT_READY = frozenset({"channel_not_found", "not_in_channel"})
#: Alternative names tried when a name is taken by a channel the bot is not in.
MAX_NAME_SUFFIX = 5
MAX_LIST_PAGES = 50
#: Errors of a DM to someone Slack cannot deliver to: deactivated, deleted, not visible.
UNREACHABLE = frozenset({"user_not_found", "user_disabled", "user_not_visible", "cannot_dm_bot"})
#: Errors of a history the bot may not read (it posts in public channels without joining).
NO_HISTORY = frozenset({"missing_scope", "not_in_channel", "channel_not_found"})
#: History pages searched for a post whose outcome was unknown, and how far before the
#: first attempt (clocks differ).
LOOKUP_PAGES = 5
LOOKUP_MARGIN = timedelta(minutes=5)


def error_of(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "")) if exc.response is not None else ""


def not_carried_out(exc: Exception) -> bool:
    """Slack certainly did not post: it answered with an error of its own (not a 5xx), asked to
    wait (429), or was never reached. A 5xx, a timeout or a dropped connection may have posted."""
    if isinstance(exc, ClientConnectorError):
        return True
    if isinstance(exc, SlackApiError) and exc.response is not None:
        return int(exc.response.status_code) < 500
    return False


def retry_after(exc: SlackApiError) -> float | None:
    """Seconds Slack asked to wait (a 429 the client did not wait out), else None."""
    if exc.response is None or exc.response.status_code != 429:
        return None
    found = next((v for k, v in (exc.response.headers or {}).items() if str(k).lower() == "retry-after"), "")
    value = str(found[0] if isinstance(found, list) and found else found or "")
    return float(value) if value.isascii() and value.isdigit() else 30.0


def for_the_outbox(method: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, Coroutine[Any, Any, T]]:
    """A rate limit becomes :class:`RetryLater` at once, so the outbox comes back when Slack
    asked instead of holding its round (and the message's lease) while waiting in the call."""

    @functools.wraps(method)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> T:
        token = OUTBOX_CALL.set(True)  # the client waits out no rate limit here (config.py)
        try:
            return await method(*args, **kwargs)
        except SlackApiError as exc:
            wait = retry_after(exc)
            if wait is not None:
                raise RetryLater(wait) from exc
            raise
        finally:
            OUTBOX_CALL.reset(token)

    return wrapped


class SlackPlatform:
    name = PLATFORM

    def __init__(self, client: AsyncWebClient, *, ledger: SentLedger | None = None,
                 pauses: Sequence[float] = FRESH_CHANNEL_PAUSES) -> None:
        self.client = client
        self.ledger = ledger
        """What was posted under which outbox key (None: posts are not keyed, as in unit tests)."""
        self._pauses = tuple(pauses)
        self._bot_user_id = ""
        self.dm_channels: dict[str, str] = {}
        """user id → the ``D…`` id of their DM with the bot, as Slack answered posts."""

    # -- messages ------------------------------------------------------------------
    @for_the_outbox
    async def dm(self, to: UserRef, reply: Reply, *, key: str = "") -> MessageRef:
        """Posting to a user id opens the app's DM with them; the answer names the ``D…``
        channel, which later updates need (by one ``ts``: so one message)."""
        try:
            return await self._post_once(to.id, render_one(reply), key)
        except SlackApiError as exc:
            if error_of(exc) in UNREACHABLE:
                raise Unreachable(error_of(exc)) from exc
            raise

    @for_the_outbox
    async def post(self, to: ChannelRef, reply: Reply, *, key: str = "") -> MessageRef:
        """One message (the card and the briefing are updated or read as one)."""
        return await self._when_ready(lambda: self._post_once(to.id, render_one(reply), key))

    async def _post_once(self, channel: str, page: SlackMessage, key: str) -> MessageRef:
        """Post ``page`` unless it was posted under ``key`` before (see :mod:`adapters.slack.sent`)."""
        if not key or self.ledger is None:
            return await self.send(channel, [page])
        known = await self.ledger.find(key)
        if known is not None and known.ts:
            return MessageRef(PLATFORM, known.channel, known.ts)
        if known is not None:  # an earlier attempt's outcome is unknown: did it land?
            started = known.started_at
            if started.tzinfo is None:  # SQLite hands back naive UTC
                started = started.replace(tzinfo=UTC)
            found = await self._look_up(known.channel or channel, key, since=started.timestamp())
            if found is not None:
                log.info("outbox message %s was posted by an earlier attempt; not posted again", key)
                await self.ledger.record(key, found.channel_id, found.id)
                return found
        else:
            await self.ledger.start(key, channel)
        try:
            ref = await self.send(channel, [page], metadata=metadata(key))
        except (SlackApiError, ClientConnectorError) as exc:
            if not_carried_out(exc):  # certainly not posted: the next attempt need not look
                await self.ledger.forget(key)
            raise
        await self.ledger.record(key, ref.channel_id, ref.id)
        return ref

    async def _look_up(self, channel: str, key: str, *, since: float) -> MessageRef | None:
        """:meth:`find_posted`, or None where the bot may not read the history (a public team
        channel it posts in without being a member): then posting again is the lesser harm."""
        try:
            return await self.find_posted(channel, key, since=since)
        except SlackApiError as exc:
            if error_of(exc) not in NO_HISTORY:
                raise
            log.warning("cannot look for outbox message %s in the channel's history (%s); posting it again",
                        key, error_of(exc))
            return None

    async def find_posted(self, channel: str, key: str, *, since: float) -> MessageRef | None:
        """The bot's message carrying ``key`` in its metadata, posted after ``since`` (epoch s)."""
        if channel.startswith(("U", "W")):  # the app DM with a user: its D… id
            channel = self.dm_channels.get(channel) or str(
                (await self.client.conversations_open(users=channel))["channel"]["id"])
        oldest = f"{since - LOOKUP_MARGIN.total_seconds():.6f}"
        cursor = ""
        for _page in range(LOOKUP_PAGES):
            response = await self.client.conversations_history(channel=channel, oldest=oldest, limit=200,
                                                               include_all_metadata=True, cursor=cursor or None)
            messages: list[dict[str, Any]] = response.get("messages", []) or []
            for message in messages:
                if key_of(message) == key:
                    return MessageRef(PLATFORM, channel, str(message["ts"]))
            cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        return None

    async def send(self, channel: str, pages: list[SlackMessage], *, thread_ts: str = "",
                   earlier: tuple[str, ...] = (), metadata: dict[str, object] | None = None) -> MessageRef:
        """Post the pages of one reply in order; returns where the first landed. The last
        page (with the buttons) names the pages above it (:func:`stamp_pages`); ``metadata``
        goes on the first page."""
        first: MessageRef | None = None
        posted = list(earlier)
        for n, page in enumerate(pages):
            blocks = stamp_pages(page.blocks, posted) if n == len(pages) - 1 else page.blocks
            args: dict[str, Any] = {"channel": channel, "text": page.text, "blocks": blocks}
            if thread_ts:
                args["thread_ts"] = thread_ts
            if metadata and n == 0:
                args["metadata"] = metadata
            response = await self.client.chat_postMessage(**args)
            ref = MessageRef(PLATFORM, str(response["channel"]), str(response["ts"]))
            if channel.startswith(("U", "W")):
                self.dm_channels[channel] = ref.channel_id
            posted.append(ref.id)
            first = first or ref
            channel = ref.channel_id  # a user id opened the DM: the rest goes to its D… id
        assert first is not None
        return first

    @for_the_outbox
    async def update(self, ref: MessageRef, reply: Reply, *, key: str = "") -> None:
        """The outbox knows one ``ts`` per message, so what it updates stays one message."""
        page = render_one(reply)
        await self.client.chat_update(channel=ref.channel_id, ts=ref.id, text=page.text, blocks=page.blocks)

    async def replace(self, channel: str, old: list[str], pages: list[SlackMessage]) -> None:
        """Put ``pages`` where the messages ``old`` (in order) are: update as many as both
        have, delete the old ones left over, post the new ones left over below them."""
        shared = min(len(old), len(pages))
        for n in range(shared):
            blocks = stamp_pages(pages[n].blocks, old[:n]) if n == len(pages) - 1 else pages[n].blocks
            await self.client.chat_update(channel=channel, ts=old[n], text=pages[n].text, blocks=blocks)
        for ts in old[shared:]:
            await self.client.chat_delete(channel=channel, ts=ts)
        if len(pages) > shared:
            await self.send(channel, pages[shared:], earlier=tuple(old[:shared]))

    # -- incident spaces -------------------------------------------------------------
    @for_the_outbox
    async def open_space(self, *, name: str, members: list[UserRef], excluded: frozenset[str] = frozenset(),
                         key: str = "") -> ChannelRef:
        """A private channel named from the incident number only; an existing one of the
        bot's with that name is the one an earlier attempt created. Its members are invited by
        :meth:`invite`, which the core calls next, side by side with posting the card."""
        channel_id = ""
        for attempt in range(MAX_NAME_SUFFIX + 1):
            candidate = name if attempt == 0 else f"{name}-{attempt + 1}"
            try:
                response = await self.client.conversations_create(name=candidate, is_private=True)
            except SlackApiError as exc:
                if error_of(exc) != "name_taken":
                    raise
                channel_id = await self._find_own(candidate)  # ours, from an attempt that crashed?
                if channel_id:
                    break
                log.warning("channel name %s is taken by a channel the bot did not create", candidate)
                continue
            channel_id = str(response["channel"]["id"])
            log.info("created private channel %s", candidate)
            break
        if not channel_id:
            raise LookupError(f"no free channel name for {name}")
        return ChannelRef(PLATFORM, channel_id)

    @for_the_outbox
    async def invite(self, space: ChannelRef, members: list[UserRef], *, key: str = "") -> None:
        ids = list(dict.fromkeys(m.id for m in members if m.id))
        chunks = [ids[i:i + INVITE_CHUNK] for i in range(0, len(ids), INVITE_CHUNK)]
        await asyncio.gather(*(self._invite_chunk(space.id, chunk) for chunk in chunks))

    async def _invite_chunk(self, channel: str, users: list[str]) -> None:
        try:
            # ``force``: a user Slack does not know (a mistyped or deactivated id in
            # school.yaml) is skipped instead of failing the whole invite.
            await self._when_ready(lambda: self.client.conversations_invite(channel=channel, users=",".join(users),
                                                                            force=True))
        except SlackApiError as exc:
            error = error_of(exc)
            if error in ("already_in_channel", "cant_invite_self"):
                if len(users) > 1:  # one of them is in already: the others one by one
                    for user in users:
                        await self._invite_chunk(channel, [user])
                return
            raise

    async def _find_own(self, name: str) -> str:
        """The id of the private channel called ``name`` that the bot itself created ("" when
        there is none). A channel someone else created under the next incident's name, even
        with the bot invited, is never used: the report would be posted where they read it."""
        bot_user = await self.bot_user_id()
        cursor = ""
        for _page in range(MAX_LIST_PAGES):
            response = await self.client.conversations_list(types="private_channel", exclude_archived=True,
                                                            limit=200, cursor=cursor or None)
            channels: list[dict[str, Any]] = response.get("channels", [])
            for channel in channels:
                if channel.get("name") == name and channel.get("creator") == bot_user:
                    return str(channel["id"])
            cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        return ""

    async def bot_user_id(self) -> str:
        if not self._bot_user_id:
            self._bot_user_id = str((await self.client.auth_test()).get("user_id") or "")
        return self._bot_user_id

    async def _when_ready(self, call: Callable[[], Awaitable[T]]) -> T:
        for pause in (*self._pauses, None):
            try:
                return await call()
            except SlackApiError as exc:
                if pause is None or error_of(exc) not in NOT_READY:
                    raise
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")
