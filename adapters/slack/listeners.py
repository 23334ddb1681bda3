"""Slack's entry points, translated into neutral events for the core.

* a DM to the bot: the conversation itself;
* a mention in a channel: a question that may concern a pupil or colleague (it reaches a
  protocol) is answered privately, in the DM, with a note in the thread that only the
  asker sees; anything else gets the protocols as buttons in the thread;
* ``/protocol [question]`` and the message shortcut *Vraag Protocolwijzer* (the
  message's text only, never its files): the conversation in the DM;
* the Home tab: the protocols and, for whoever holds a school role, their open incidents;
* buttons and modals: back to the core, checked against whose conversation they belong to;
* a file shared in the DM or an incident channel: the warning (the file is never fetched).

Every listener acknowledges first (events are acknowledged by Bolt before the listener
runs) and works afterwards; only a modal submission waits for the core, briefly, because
its answer decides whether the modal closes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from adapters.slack import texts
from adapters.slack.answers import Answers, Origin
from adapters.slack.blocks import (
    ACTION_OPEN,
    ACTION_PAYLOAD,
    ACTION_RESUME,
    FIELD_PREFIX,
    FORM_CALLBACK,
    button,
    first_field_block,
    form_values,
    owner_of,
    pages_of,
    render_modal,
    render_pages,
)
from adapters.slack.dedupe import SeenEvents
from adapters.slack.home import render_home
from adapters.slack.mrkdwn import plain, to_mrkdwn, to_plain, without_mention
from adapters.slack.platform import PLATFORM, SlackPlatform
from bot.app import Core
from bot.conversation.views import Locale
from bot.events import ButtonPressed, Command, ConversationKey, Event, FileShared, FormSubmitted, TextMessage, UserRef
from bot.incidents.listing import open_incidents_for
from bot.incidents.reporting import RECEIPT
from bot.messages import Button, Reply, Section
from bot.store.db import session_factory

log = logging.getLogger(__name__)

SHORTCUT = "ask_protocolwijzer"
COMMAND = "/protocol"
#: A modal submission waits this long for the core before the modal is simply closed.
SUBMIT_WAIT = 2.0
MAX_TEXT = 4000
IGNORED_SUBTYPES = frozenset({"bot_message", "message_changed", "message_deleted", "channel_join", "channel_leave",
                              "group_join", "group_leave", "channel_topic", "group_topic", "channel_purpose",
                              "group_purpose", "channel_name", "group_name", "pinned_item", "unpinned_item"})


def conversation_key(user_id: str) -> ConversationKey:
    """Every Slack conversation lives in the user's DM with the bot."""
    return ConversationKey(PLATFORM, user_id, "dm")


def user_ref(user: dict[str, Any] | str) -> UserRef:
    if isinstance(user, str):
        return UserRef(PLATFORM, user)
    return UserRef(PLATFORM, str(user.get("id", "")), str(user.get("name") or user.get("username") or ""))


class SlackListeners:
    def __init__(self, core: Core, platform: SlackPlatform, seen: SeenEvents) -> None:
        self.core = core
        self.platform = platform
        self.answers = Answers(platform)
        self.seen = seen
        self._tasks: set[asyncio.Task[Any]] = set()
        self._busy = 0

    @property
    def lang(self) -> str:
        return self.core.directory.language if self.core.directory else self.core.settings.default_lang

    def register(self, app: AsyncApp) -> None:
        """Bolt tries the listeners in this order, building all of a listener's arguments for each
        one it tries: button presses, the most frequent requests, come first, and the repeat check
        is the events' own middleware rather than every request's."""
        app.action(re.compile(rf"^({ACTION_PAYLOAD}|{ACTION_OPEN}|{ACTION_RESUME})\.\d+$"))(
            self._tracked(self.on_button))
        once = [self.seen.middleware()]
        app.event("message", middleware=once)(self._tracked(self.on_message))
        app.event("app_mention", middleware=once)(self._tracked(self.on_mention))
        app.event("app_home_opened", middleware=once)(self._tracked(self.on_home))
        app.command(COMMAND)(self._tracked(self.on_command))
        app.shortcut(SHORTCUT)(self._tracked(self.on_shortcut))
        app.view_submission(FORM_CALLBACK)(self._tracked(self.on_submit))
        app.view_closed(FORM_CALLBACK)(self._tracked(self.on_close))

    def _tracked(self, listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """Count listeners at work (they run after Slack got its acknowledgement), so a
        shutdown can let them finish: see :meth:`drain`. ``wraps`` keeps the signature,
        from which Bolt picks the arguments to pass."""

        @functools.wraps(listener)
        async def tracked(**kwargs: Any) -> None:
            self._busy += 1
            try:
                await listener(**kwargs)
            finally:
                self._busy -= 1

        return tracked

    async def drain(self, timeout: float = 10.0, *, grace: float = 0.02) -> None:
        """Wait until no listener and no late answer is at work (and none started within
        ``grace`` seconds, as Bolt starts a listener just after it acknowledged)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(grace)
            if self._busy == 0 and not self._tasks:
                return
        raise TimeoutError(f"{self._busy} Slack listener(s) still at work after {timeout} s")

    async def _answer(self, event: Event, origin: Origin) -> list[Reply]:
        replies = await self.core.handle(event)
        await self.answers.deliver(origin, replies)
        return replies

    # -- messages ------------------------------------------------------------------
    async def on_message(self, event: dict[str, Any]) -> None:
        subtype = event.get("subtype")
        if event.get("bot_id") or subtype in IGNORED_SUBTYPES or not event.get("user"):
            return
        user, channel = user_ref(str(event["user"])), str(event.get("channel", ""))
        in_dm = event.get("channel_type") == "im"
        if in_dm:
            self.platform.dm_channels[user.id] = channel
        if subtype == "file_share" or event.get("files"):
            shared = FileShared(conversation_key(user.id), user, channel, with_bot=in_dm)
            thread = "" if in_dm else str(event.get("thread_ts") or event.get("ts") or "")
            # The warning is for everyone in an incident channel: each may now hold a copy.
            for reply in await self.core.handle(shared):
                await self.platform.send(channel, render_pages(reply), thread_ts=thread)
            return
        if not in_dm:
            return  # channel chatter is not for us (a mention arrives as app_mention)
        text = plain(str(event.get("text") or ""))[:MAX_TEXT]
        if text.strip():
            await self._answer(TextMessage(conversation_key(user.id), user, text), Origin(user.id, channel))

    async def on_mention(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        if not event.get("user"):
            return
        user, channel = user_ref(str(event["user"])), str(event.get("channel", ""))
        thread = str(event.get("thread_ts") or event.get("ts") or "")
        text = plain(without_mention(str(event.get("text") or ""), str(context.bot_user_id or "")))[:MAX_TEXT]
        lang = self.core.router.detect_language(text) or self.lang if text.strip() else self.lang
        if event.get("files"):  # shared with the bot: warned, for the sharer, where they shared it
            shared = FileShared(conversation_key(user.id), user, channel, with_bot=True)
            for reply in await self.core.handle(shared):
                await self.answers.whisper(Origin(user.id, channel, thread_ts=thread), reply)
        if text.strip() and self.core.router.route(text).decision != "menu":
            await self._answer(TextMessage(conversation_key(user.id), user, text), Origin(user.id))
            await self.platform.client.chat_postEphemeral(channel=channel, user=user.id, thread_ts=thread,
                                                          text=texts.answered_privately(lang))
            return
        menu = self._protocol_buttons(lang, texts.thread_intro(lang))
        await self.platform.client.chat_postMessage(channel=channel, thread_ts=thread, **menu)

    def _protocol_buttons(self, lang: str, intro: str) -> dict[str, Any]:
        elements = [button(Button(pid, title), ACTION_OPEN, index=i)
                    for i, (pid, title) in enumerate(self._protocols(lang)[:25])]
        blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": to_mrkdwn(intro)}}]
        if elements:
            blocks.append({"type": "actions", "block_id": "protocols", "elements": elements})
        return {"text": to_plain(intro), "blocks": blocks}

    def _protocols(self, lang: str) -> list[tuple[str, str]]:
        jurisdiction = self.core.directory.jurisdiction if self.core.directory else None
        loc = Locale(lang, jurisdiction)
        return [(p.id, loc.t(p.title)) for p in self.core.library.for_jurisdiction(jurisdiction)]

    # -- slash command and shortcut ----------------------------------------------------
    async def on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        user, channel = user_ref(str(body.get("user_id", ""))), str(body.get("channel_id", ""))
        text = plain(str(body.get("text") or ""))[:MAX_TEXT].strip()
        # Typed in the DM with the bot, the answer appears right there; typed anywhere else
        # (a channel, a DM between two people) it goes to that DM, and the ack says so.
        if channel and self.platform.dm_channels.get(user.id) == channel:
            await ack()
        else:
            await ack(text=to_plain(texts.continue_in_dm(self.lang)))
        command = Command(conversation_key(user.id), user, "start" if text else "menu", text)
        await self._answer(command, Origin(user.id, trigger_id=str(body.get("trigger_id", ""))))

    async def on_shortcut(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        user = user_ref(body.get("user") or {})
        message = body.get("message") or {}
        text = plain(str(message.get("text") or ""))[:MAX_TEXT].strip()  # never its files
        origin = Origin(user.id, trigger_id=str(body.get("trigger_id", "")))
        if message.get("files"):  # they asked the bot about a file: warned in their DM
            channel = str((body.get("channel") or {}).get("id") or "")
            for reply in await self.core.handle(FileShared(conversation_key(user.id), user, channel, with_bot=True)):
                await self.platform.send(user.id, render_pages(reply))
        if not text:
            notice = texts.shortcut_no_text(self.lang)
            await self.platform.client.chat_postMessage(channel=user.id, text=notice, blocks=[
                {"type": "section", "text": {"type": "mrkdwn", "text": to_mrkdwn(notice)}}])
            return
        await self._answer(Command(conversation_key(user.id), user, "start", text), origin)

    # -- Home tab ----------------------------------------------------------------------
    async def on_home(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        user = user_ref(str(event["user"]))
        incidents = None
        directory = self.core.directory
        if directory and directory.holds_a_role(user.platform, user.id):
            incidents = await open_incidents_for(session_factory(self.core.db), self.core.library, directory, user)
        view = render_home(self._protocols(self.lang), incidents, lang=self.lang)
        await self.platform.client.views_publish(user_id=user.id, view=view)

    # -- buttons -----------------------------------------------------------------------
    async def on_button(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user = user_ref(body.get("user") or {})
        origin = _origin(body, user.id, pressed=str(action.get("value", "")), block_id=str(action.get("block_id", "")))
        kind = str(action.get("action_id", "")).split(".", 1)[0]
        key = conversation_key(user.id)
        if kind == ACTION_OPEN:
            dm = Origin(user.id, origin.channel if origin.in_dm else "", trigger_id=origin.trigger_id)
            await self._answer(Command(key, user, "open", str(action.get("value", ""))[:64]), dm)
            if not origin.in_dm and origin.channel:
                await self.answers.whisper(origin, _note(texts.continue_in_dm(self.lang), self.lang))
            return
        owner = owner_of(str(action.get("block_id", "")))
        if owner and owner != user.id:
            log.warning("refused a Slack button from someone else's conversation")
            await self.answers.whisper(origin, _note(texts.not_yours(self.lang), self.lang))
            return
        if kind == ACTION_RESUME:
            await self._answer(Command(key, user, "resume"), origin)
            return
        await self._answer(ButtonPressed(key, user, origin.pressed), origin)

    # -- modals ------------------------------------------------------------------------
    async def on_submit(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = user_ref(body.get("user") or {})
        metadata = _metadata(view)
        if metadata.get("u") != user.id or not metadata.get("s"):
            log.warning("refused a Slack form that is not the submitter's")
            await ack(response_action="errors", errors={first_field_block(view): texts.not_yours(self.lang)})
            return
        origin = Origin.from_metadata(metadata, user.id)
        event = FormSubmitted(conversation_key(user.id), user, str(metadata["s"]),
                              form_values((view.get("state") or {}).get("values") or {}))
        work = asyncio.ensure_future(self.core.handle(event))
        try:
            replies = await asyncio.wait_for(asyncio.shield(work), SUBMIT_WAIT)
        except TimeoutError:  # the modal closes now; the answer follows in the conversation
            await ack()
            self._later(work, origin)
            return
        except Exception:  # never leave Slack without an answer: it would show its own error
            log.exception("a Slack form submission failed")
            await ack()
            return
        form = next((r for r in replies if r.form is not None), None)
        if form is not None and form.form is not None:
            new = render_modal(form.form, metadata=origin.metadata(form.form), lang=form.lang)
            await ack(response_action="update", view=new)
        elif replies and all(r.ephemeral for r in replies) and first_field_block(view):
            remark = replies[0]
            await ack(response_action="errors", errors={_error_block(view, remark): to_plain(remark.text)[:300]})
            return
        else:
            await ack()
        await self.answers.deliver(origin, _after_form(replies))

    async def on_close(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A closed conversation form goes back to the steps, so [Meld] works again;
        closing an incident form changes nothing (the preview it came from is still there)."""
        await ack()
        user = user_ref(body.get("user") or {})
        metadata = _metadata(view)
        cancel = str(metadata.get("x") or "")
        if metadata.get("u") != user.id or not cancel or cancel.startswith("inc:"):
            return
        await self._answer(ButtonPressed(conversation_key(user.id), user, cancel),
                           Origin.from_metadata(metadata, user.id))

    # -- helpers -----------------------------------------------------------------------
    def _later(self, work: asyncio.Future[list[Reply]], origin: Origin) -> None:
        async def deliver() -> None:
            try:
                await self.answers.deliver(origin, _after_form(await work))
            except Exception:
                log.exception("the answer to a slow Slack form submission could not be delivered")

        task = asyncio.ensure_future(deliver())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _origin(body: dict[str, Any], user_id: str, *, pressed: str, block_id: str = "") -> Origin:
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
    return Origin(user_id, channel, str(container.get("message_ts") or message.get("ts") or ""),
                  bool(container.get("is_ephemeral")), str(body.get("response_url") or ""),
                  str(message.get("thread_ts") or container.get("thread_ts") or ""),
                  str(body.get("trigger_id") or ""), pressed[:2000], tuple(pages_of(block_id))[:10])


def _error_block(view: dict[str, Any], remark: Reply) -> str:
    """The input a remark is about (the core names the field), else the first input."""
    field = remark.meta.get("field", "")
    blocks = {b.get("block_id", "") for b in view.get("blocks", []) if b.get("type") == "input"}
    return f"{FIELD_PREFIX}{field}" if f"{FIELD_PREFIX}{field}" in blocks else first_field_block(view)


def _after_form(replies: list[Reply]) -> list[Reply]:
    """Replies to a submitted modal: ``replace`` meant "instead of the form", and the
    modal is gone, so they are posted; the message the form was opened from (the steps)
    stays as it is. A report's receipt is not: the modal closing is the receipt, and the
    confirmation with the number comes through the outbox."""
    return [dataclasses.replace(r, replace=False) for r in replies if r.form is None and RECEIPT not in r.meta]


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(str(view.get("private_metadata") or "{}"))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _note(text: str, lang: str) -> Reply:
    return Reply(text, (Section(text),), ephemeral=True, lang=lang)
