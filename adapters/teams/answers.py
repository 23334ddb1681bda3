"""Where the core's replies go in Teams, given where the event came from.

A conversation lives in the person's personal chat with the bot. A press on a card
(``Action.Execute``) is answered in the invoke's response: the reply that ``replace``-s
becomes the new card in place, so the chat stays short on a phone; a short remark for the
presser alone (a stale or foreign button) is a message only they see. The ``Action.Submit``
fallback of older clients updates the card with the Bot Connector instead.

In a shared place (the incident chat or thread, a channel, a group chat) nothing meant for
one person is shown to everyone: a remark is the invoke's message for the presser, and a
whole answer (the briefing preview, the outcome choice) goes to their personal chat.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from adapters.teams import texts
from adapters.teams.cards import card_activity, render_cards, render_form
from adapters.teams.connector import ConnectorError
from adapters.teams.platform import TeamsPlatform
from bot.messages import Reply
from bot.ports import Unreachable

log = logging.getLogger(__name__)

CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"


@dataclass(frozen=True)
class Origin:
    """Where an event happened, as far as answering it is concerned."""

    user: str
    """The person as the core knows them."""
    service_url: str
    conversation_id: str
    personal: bool
    """In the person's own chat with the bot (else a channel, group chat or incident space)."""
    card_id: str = ""
    """The activity id of the pressed card ("" for a typed message)."""
    invoke: bool = False
    """Pressed with ``Action.Execute``: the answer can be the invoke's response."""
    values: dict[str, str] = dataclasses.field(default_factory=dict)
    """A submitted form's values, to show again beside a field error."""
    pages: tuple[str, ...] = ()
    """The activity ids of the earlier cards of the pressed card's reply (a long reply spans
    several cards; the last carries the buttons and names the ones above it)."""


PAGES_KEY = "pg"
MAX_PAGES = 10


def stamp_pages(card: dict[str, Any], earlier: list[str]) -> dict[str, Any]:
    """Every button of ``card`` names the cards above it, so that the next press replaces the
    whole reply instead of leaving stale cards behind."""
    if not earlier:
        return card

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: walk(v) for k, v in node.items()}
            if out.get("type") in ("Action.Execute", "Action.Submit") and isinstance(out.get("data"), dict):
                out["data"] = {**out["data"], PAGES_KEY: ",".join(earlier[:MAX_PAGES])}
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(card)  # type: ignore[no-any-return]


def pages_of(data: Any) -> tuple[str, ...]:
    """The earlier cards a press names (from the button's data; anything odd is ignored)."""
    raw = data.get(PAGES_KEY) if isinstance(data, dict) else None
    if not isinstance(raw, str):
        return ()
    return tuple(p for p in raw.split(",") if 0 < len(p) <= 100)[:MAX_PAGES]


def card_response(card: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": 200, "type": CARD, "value": card}


def message_response(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": MESSAGE, "value": text}


class Answers:
    def __init__(self, platform: TeamsPlatform, lang: str) -> None:
        self.platform = platform
        self.connector = platform.connector
        self.lang = lang

    async def deliver(self, origin: Origin, replies: list[Reply]) -> dict[str, Any] | None:
        """Show the replies; returns the invoke response (for ``Action.Execute``), if any."""
        response: dict[str, Any] | None = None
        elsewhere = False
        for reply in replies:
            try:
                if reply.ephemeral:
                    response = response or await self._remark(origin, reply)
                elif not origin.personal:
                    await self._to_personal_chat(origin, reply)
                    elsewhere = True
                elif reply.form is not None:
                    card = render_form(reply.form, owner=origin.user, lang=reply.lang, values=origin.values)
                    response = response or await self._replace_or_send(origin, card)
                elif reply.replace and response is None and origin.card_id:
                    response = await self._replace(origin, reply)
                else:
                    await self.send(origin.service_url, origin.conversation_id, reply, owner=origin.user)
            except (ConnectorError, Unreachable, OSError, TimeoutError) as exc:  # one failing must not drop the rest
                log.warning("a reply could not be shown in Teams (%s)", type(exc).__name__)
        if response is None and origin.invoke:
            lang = replies[0].lang if replies else self.lang
            response = message_response(texts.continue_in_chat(lang) if elsewhere else texts.see_below(lang))
        return response

    async def send(self, service_url: str, conversation_id: str, reply: Reply, *, owner: str = "") -> None:
        """One reply, as one card or (a long one) several; the last names the ones above it."""
        earlier: list[str] = []
        cards = render_cards(reply, owner=owner)
        for n, card in enumerate(cards):
            shown = stamp_pages(card, earlier) if n == len(cards) - 1 else card
            earlier.append(await self.connector.send(service_url, conversation_id, card_activity(shown)))

    async def form_errors(self, origin: Origin, reply: Reply, form: Any, field: str) -> dict[str, Any] | None:
        """The form again, as the person filled it in, with the remark under the field it is about."""
        card = render_form(form, owner=origin.user, lang=reply.lang, errors={field: reply.text},
                           values=origin.values)
        return await self._replace_or_send(origin, card)

    async def _replace(self, origin: Origin, reply: Reply) -> dict[str, Any] | None:
        """The pressed card becomes the reply's first card, the others follow below it, and the
        cards of the pressed reply above it go: the chat shows each answer once, in order."""
        cards = render_cards(dataclasses.replace(reply, replace=False), owner=origin.user)
        below: list[str] = []
        for n, card in enumerate(cards[1:], start=1):
            shown = stamp_pages(card, [origin.card_id, *below]) if n == len(cards) - 1 else card
            below.append(await self.connector.send(origin.service_url, origin.conversation_id, card_activity(shown)))
        for activity_id in origin.pages:
            try:
                await self.connector.delete(origin.service_url, origin.conversation_id, activity_id)
            except ConnectorError as exc:  # already gone, or never ours: the new answer stands anyway
                log.info("an earlier card could not be removed (%s)", exc.status)
        return await self._replace_or_send(origin, cards[0])

    async def _replace_or_send(self, origin: Origin, card: dict[str, Any]) -> dict[str, Any] | None:
        if origin.invoke and origin.card_id:
            return card_response(card)
        if origin.card_id:
            await self.connector.update(origin.service_url, origin.conversation_id, origin.card_id,
                                        card_activity(card))
        else:
            await self.connector.send(origin.service_url, origin.conversation_id, card_activity(card))
        return None

    async def _remark(self, origin: Origin, reply: Reply) -> dict[str, Any] | None:
        if origin.invoke:
            return message_response(reply.text)
        if origin.personal:
            await self.send(origin.service_url, origin.conversation_id, reply)
        else:
            await self._to_personal_chat(origin, reply)
        return None

    async def _to_personal_chat(self, origin: Origin, reply: Reply) -> None:
        service_url, conversation, _person = await self.platform.reach(origin.user)
        await self.send(service_url, conversation, dataclasses.replace(reply, replace=False), owner=origin.user)
