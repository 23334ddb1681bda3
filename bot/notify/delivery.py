"""Turn outbox messages into replies and hand them to the platform port.

Outbox payloads carry ids and template names only (no pupil data), so rendering happens
here, at delivery time, in the recipient's language. A platform error propagates: the
outbox worker then retries with backoff, and nothing is lost.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot import texts
from bot.events import UserRef
from bot.messages import Button, ButtonStyle, Reply, Section, Tone
from bot.notify.outbox import OutboxMessage
from bot.ports import ChannelRef, ChatPlatform


def render(message: OutboxMessage, lang: str = "nl") -> Reply:
    """The reply for an outbox template."""
    payload = message.payload
    number = str(payload.get("number", ""))
    template = payload.get("template")
    if template == "escalation":
        urgent = bool(payload.get("urgent"))
        text = texts.escalation_dm(lang, number, texts.role_name(str(payload.get("role", "")), lang), urgent)
        return Reply(text, (Section(text, tone=Tone.DANGER if urgent else Tone.WARNING),),
                     (Button(f"inc:{number}:ack", texts.take_it(lang), ButtonStyle.PRIMARY),), lang=lang)
    if template == "incident_taken":
        text = texts.incident_taken(lang, number)
        return Reply(text, (Section(text, tone=Tone.INFO),), lang=lang)
    if template == "nobody_took_it":
        text = texts.nobody_took_it(lang, number)
        return Reply(text, (Section(text, tone=Tone.DANGER),), lang=lang)
    raise ValueError(f"unknown outbox template {template!r}")


class Delivery:
    """The outbox worker's ``deliver``: routes each message to the right platform."""

    def __init__(self, platforms: Mapping[str, ChatPlatform], *, lang: str = "nl") -> None:
        self._platforms = dict(platforms)
        self._lang = lang

    async def __call__(self, message: OutboxMessage) -> None:
        target = message.target
        platform = self._platforms.get(str(target.get("platform")))
        if platform is None:
            raise LookupError(f"no platform '{target.get('platform')}' configured")
        reply = render(message, self._lang)
        if message.kind == "dm":
            await platform.dm(UserRef(platform.name, str(target["id"])), reply)
        elif message.kind == "post":
            await platform.post(ChannelRef(platform.name, str(target["id"])), reply)
        else:
            raise ValueError(f"unknown outbox kind {message.kind!r}")
