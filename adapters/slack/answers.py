"""Where the core's replies go in Slack, given where the event came from.

A conversation lives in the user's DM with the bot. A reply that ``replace``-s updates
the message whose button was pressed (``chat.update``), so a DM stays short on a phone;
an ephemeral message is replaced through its ``response_url``. A reply with a form opens
a modal with the press's ``trigger_id`` (valid for 3 seconds and once); when that fails a
button to open it again is posted. In a channel (the incident channel) nobody's reply is
shown to everyone: what answers one person's press (the briefing preview, the outcome
choice) is ephemeral, for them alone, and a shared message such as the incident card is
never replaced by an answer meant for one person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import texts
from adapters.slack.blocks import ACTION_PAYLOAD, ACTION_RESUME, SlackMessage, button, render_modal, render_pages
from adapters.slack.platform import SlackPlatform, error_of
from bot.messages import Button, ButtonStyle, Form, Reply

log = logging.getLogger(__name__)

TRIGGER_ERRORS = frozenset({"expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"})


@dataclass(frozen=True)
class Origin:
    """Where an event happened, as far as answering it is concerned."""

    user: str
    channel: str = ""
    """The channel of the pressed message or the message; "" for the Home tab and modals
    without one (replies then go to the user's DM)."""
    message_ts: str = ""
    ephemeral: bool = False
    response_url: str = ""
    thread_ts: str = ""
    trigger_id: str = ""
    pressed: str = ""
    """The payload of the pressed button (a form that cannot open offers it again)."""
    pages: tuple[str, ...] = ()
    """The ``ts`` of the earlier pages of the pressed message's reply (a long reply)."""

    @property
    def in_dm(self) -> bool:
        return not self.channel or self.channel.startswith("D")

    def metadata(self, form: Form) -> dict[str, Any]:
        """What a modal carries in ``private_metadata``: whose it is, what submitting and
        cancelling it mean, and where to answer later (the pressed message)."""
        return {"u": self.user, "s": form.submit, "x": form.cancel.payload if form.cancel else "",
                "c": self.channel, "m": self.message_ts, "e": int(self.ephemeral), "r": self.response_url,
                "t": self.thread_ts, "p": list(self.pages)}

    @classmethod
    def from_metadata(cls, data: dict[str, Any], user: str) -> Origin:
        raw = data.get("p")
        pages: list[Any] = raw if isinstance(raw, list) else []
        return cls(user, str(data.get("c", "")), str(data.get("m", "")), bool(data.get("e")),
                   str(data.get("r", "")), str(data.get("t", "")), pages=tuple(str(ts) for ts in pages[:10]))


class Answers:
    def __init__(self, platform: SlackPlatform) -> None:
        self.platform = platform
        self.client = platform.client

    async def deliver(self, origin: Origin, replies: list[Reply]) -> None:
        replaced = False
        for reply in replies:
            try:
                if reply.form is not None:
                    await self.open_form(origin, reply)
                elif reply.ephemeral:
                    await self.whisper(origin, reply)
                elif reply.replace and not replaced and origin.message_ts and (origin.in_dm or origin.ephemeral):
                    await self._replace(origin, reply)
                    replaced = True
                elif origin.in_dm:
                    await self.platform.send(origin.channel or origin.user, render_pages(reply, owner=origin.user),
                                             thread_ts=origin.thread_ts)
                else:
                    await self.whisper(origin, reply)
            except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:  # one failing must not drop the others
                error = error_of(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
                log.warning("a reply could not be shown in Slack (%s)", error)

    async def open_form(self, origin: Origin, reply: Reply) -> dict[str, Any] | None:
        assert reply.form is not None
        view = render_modal(reply.form, metadata=origin.metadata(reply.form), lang=reply.lang)
        if origin.trigger_id:
            try:
                response = await self.client.views_open(trigger_id=origin.trigger_id, view=view)
                return dict(response.get("view") or {})
            except SlackApiError as exc:
                if error_of(exc) not in TRIGGER_ERRORS:
                    raise
                log.info("a form's trigger expired; offering a button to open it")
        # No (valid) trigger: a button whose press brings a fresh one.
        again = Button(origin.pressed if origin.pressed.startswith("inc:") else "", texts.open_form(reply.lang),
                       ButtonStyle.PRIMARY)
        kind = ACTION_PAYLOAD if again.payload else ACTION_RESUME
        notice = texts.form_expired(reply.lang)
        blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": notice}},
                  {"type": "actions", "block_id": f"o.{origin.user}.form",
                   "elements": [button(again, kind, value=again.payload or "resume")]}]
        if origin.in_dm:
            await self.client.chat_postMessage(channel=origin.channel or origin.user, text=notice, blocks=blocks)
        else:
            await self.client.chat_postEphemeral(channel=origin.channel, user=origin.user, text=notice, blocks=blocks)
        return None

    async def whisper(self, origin: Origin, reply: Reply) -> None:
        """For this user only: through the press's ``response_url`` when there is one
        (ephemeral, wherever the button was), else a message in their DM or an ephemeral
        message in the channel."""
        page = render_pages(reply, owner=origin.user)[0]
        if origin.response_url:
            await self._respond(origin, page, replace_original=False)
        elif origin.in_dm:
            await self.client.chat_postMessage(channel=origin.channel or origin.user, text=page.text,
                                               blocks=page.blocks)
        else:
            args: dict[str, Any] = {"channel": origin.channel, "user": origin.user, "text": page.text,
                                    "blocks": page.blocks}
            if origin.thread_ts:
                args["thread_ts"] = origin.thread_ts
            await self.client.chat_postEphemeral(**args)

    async def _replace(self, origin: Origin, reply: Reply) -> None:
        """The pressed message (and the pages of the same reply above it) becomes the reply."""
        pages = render_pages(replace(reply, replace=False), owner=origin.user if origin.in_dm else "")
        if origin.ephemeral and origin.response_url:
            await self._respond(origin, pages[0], replace_original=True)
            return
        await self.platform.replace(origin.channel, [*origin.pages, origin.message_ts], pages)

    async def _respond(self, origin: Origin, page: SlackMessage, *, replace_original: bool) -> None:
        """Through the press's ``response_url`` (5 uses in 30 minutes); when Slack no longer
        takes it, an ephemeral message in the same channel instead."""
        webhook = AsyncWebhookClient(origin.response_url, timeout=10)
        try:
            response = await webhook.send(text=page.text, blocks=page.blocks, replace_original=replace_original,
                                          response_type="ephemeral")
            if response.status_code == 200:
                return
            log.warning("a response_url answered %s; posting ephemerally instead", response.status_code)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("a response_url failed (%s); posting ephemerally instead", type(exc).__name__)
        if origin.channel and not origin.in_dm:
            await self.client.chat_postEphemeral(channel=origin.channel, user=origin.user, text=page.text,
                                                 blocks=page.blocks)
        else:
            await self.client.chat_postMessage(channel=origin.user, text=page.text, blocks=page.blocks)
