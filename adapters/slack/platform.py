"""The port on Slack's Web API: DMs, channel posts, updates, private incident channels.

Every method may be repeated by the outbox after a crash or an error, so each is safe to
repeat: a channel that already exists is found again by name, and inviting a member is
not an error. Rate limits (429 with ``Retry-After``), server errors and dropped
connections are retried by slack_sdk's retry handlers on the client
(:func:`adapters.slack.config.make_client`); what still fails raises, and the outbox
keeps the message and retries it later.

Right after ``conversations.create`` Slack may not know the channel yet for a moment
(``channel_not_found``): invites and posts into a fresh channel are retried after a short
pause, as Slack's own engineering advice and Netflix's Dispatch do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import SlackMessage, render_one, stamp_pages
from bot.events import UserRef
from bot.messages import Reply
from bot.ports import ChannelRef, MessageRef

log = logging.getLogger(__name__)
T = TypeVar("T")

PLATFORM = "slack"
#: ``conversations.invite`` takes at most this many users per call in practice.
INVITE_CHUNK = 30
#: Pauses before retrying a call that a freshly created channel is not ready for.
FRESH_CHANNEL_PAUSES = (0.2, 0.5, 1.0, 2.0)
NOT_READY = frozenset({"channel_not_found", "not_in_channel"})
#: Alternative names tried when a name is taken by a channel the bot is not in.
MAX_NAME_SUFFIX = 5
MAX_LIST_PAGES = 50


def error_of(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "")) if exc.response is not None else ""


class SlackPlatform:
    name = PLATFORM

    def __init__(self, client: AsyncWebClient, *, pauses: Sequence[float] = FRESH_CHANNEL_PAUSES) -> None:
        self.client = client
        self._pauses = tuple(pauses)
        self._bot_user_id = ""
        self.dm_channels: dict[str, str] = {}
        """user id → the ``D…`` id of their DM with the bot, as Slack answered posts."""

    # -- messages ------------------------------------------------------------------
    async def dm(self, to: UserRef, reply: Reply, *, key: str = "") -> MessageRef:
        """Posting to a user id opens the app's DM with them; the answer names the ``D…``
        channel, which later updates need (by one ``ts``: so one message)."""
        return await self.send(to.id, [render_one(reply)])

    async def post(self, to: ChannelRef, reply: Reply, *, key: str = "") -> MessageRef:
        """One message (the card and the briefing are updated or read as one)."""
        return await self._when_ready(lambda: self.send(to.id, [render_one(reply)]))

    async def send(self, channel: str, pages: list[SlackMessage], *, thread_ts: str = "",
                   earlier: tuple[str, ...] = ()) -> MessageRef:
        """Post the pages of one reply in order; returns where the first landed. The last
        page (with the buttons) names the pages above it (:func:`stamp_pages`)."""
        first: MessageRef | None = None
        posted = list(earlier)
        for n, page in enumerate(pages):
            blocks = stamp_pages(page.blocks, posted) if n == len(pages) - 1 else page.blocks
            args: dict[str, Any] = {"channel": channel, "text": page.text, "blocks": blocks}
            if thread_ts:
                args["thread_ts"] = thread_ts
            response = await self.client.chat_postMessage(**args)
            ref = MessageRef(PLATFORM, str(response["channel"]), str(response["ts"]))
            if channel.startswith(("U", "W")):
                self.dm_channels[channel] = ref.channel_id
            posted.append(ref.id)
            first = first or ref
            channel = ref.channel_id  # a user id opened the DM: the rest goes to its D… id
        assert first is not None
        return first

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
