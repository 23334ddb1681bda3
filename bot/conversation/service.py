"""Load state, let the engine decide, save state: the one place that does I/O around
the pure engine. Adapters call :meth:`ConversationService.handle` and render replies.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from bot import texts
from bot.conversation import payloads
from bot.conversation.engine import Engine, OpenIncident
from bot.conversation.state import ConversationState
from bot.errors import StoreConflict, UserFacingError
from bot.events import ButtonPressed, ConversationEvent, FormSubmitted
from bot.messages import Reply, Section, Tone
from bot.store.conversations import ConversationStore

if TYPE_CHECKING:
    from bot.incidents.reporting import Reporting

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


class ConversationService:
    """Example:

        service = ConversationService(engine, store, default_lang="nl")
        replies = await service.handle(TextMessage(key, user, "er gaat een naaktfoto rond"))
    """

    def __init__(self, engine: Engine, store: ConversationStore, *, default_lang: str = "nl",
                 reporting: Reporting | None = None) -> None:
        self.engine = engine
        self.store = store
        self.default_lang = default_lang
        self.reporting = reporting

    async def handle(self, event: ConversationEvent) -> list[Reply]:
        key = event.key.as_string()
        lang = self.default_lang
        try:
            for attempt in range(MAX_ATTEMPTS):
                stored = self.store.recall(key) if attempt == 0 else None
                if stored is not None and _made_on_a_newer_state(event, stored):
                    stored = None  # another replica moved the conversation on: read, then decide once
                remembered = stored is not None
                if stored is None:
                    stored = await self.store.load(key)
                state = stored or ConversationState(lang=self.default_lang)
                lang = state.lang
                decision = self.engine.decide(state, event)
                if remembered and (decision.effects or decision.state == state):
                    # From memory only what the save below verifies: an answer without a save, or an
                    # incident opened on the strength of this state, is decided on the stored state.
                    stored = await self.store.load(key)
                    state = stored or ConversationState(lang=self.default_lang)
                    decision = self.engine.decide(state, event)
                if decision.state == state and stored is not None:
                    return list(decision.replies)
                # Effects first: each is idempotent per (conversation, version), so a retry
                # after a conflict finds the incident instead of opening a second one.
                extra = [await self._carry_out(effect, event, f"{key}#{state.version}") for effect in decision.effects]
                new_state = _remember_report(decision.state, extra)
                try:
                    await self.store.save(key, new_state, expected=stored)
                except StoreConflict:
                    log.info("conversation update conflict, retrying", extra={"platform": event.key.platform})
                    continue
                return [*decision.replies, *extra]
            raise StoreConflict(key)
        except Exception:
            ref = uuid.uuid4().hex[:6]
            log.exception("unexpected error handling an event", extra={"ref": ref, "platform": event.key.platform})
            text = texts.unexpected_error(lang, ref)
            return [Reply(text, (Section(text, tone=Tone.DANGER),), ephemeral=True, lang=lang)]

    async def _carry_out(self, effect: OpenIncident, event: ConversationEvent, source_key: str) -> Reply:
        if self.reporting is None:
            raise UserFacingError("reporting is not configured (no school directory)")
        return await self.reporting.report(effect, reporter=event.user, source_key=source_key)


def _made_on_a_newer_state(event: ConversationEvent, state: ConversationState) -> bool:
    """A button names the version of the state it was rendered for. A press on a newer one than
    this process remembers means another replica (behind the same load balancer) moved the
    conversation on: deciding on the remembered state would only find the button unknown to it,
    then read and decide again. Reading first decides once."""
    if not isinstance(event, ButtonPressed | FormSubmitted):
        return False
    payload = payloads.decode(event.payload)
    return payload is not None and payload.version > state.version


def _remember_report(state: ConversationState, replies: list[Reply]) -> ConversationState:
    """After a report, the steps say "Gemeld als incident 2026-0042" instead of offering a
    second report: the number comes from the receipt the report returned."""
    from bot.incidents.reporting import RECEIPT  # reporting imports the engine: not at import time

    number = next((reply.meta[RECEIPT] for reply in replies if reply.meta.get(RECEIPT)), "")
    return state.evolve(reported=number) if number else state
