"""Buttons and forms on a running incident: take it, tick steps, brief the team, close.

Every press is checked against who pressed it. Only the incident's members and the
roles of its escalation chain may act; the owner alone briefs the team and closes; a
suspected colleague is refused even when they hold one of those roles. A forged,
foreign or stale button gets a short explanation and changes nothing, and the refusal
is logged with the incident number and the verb only (never a name or free text).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import texts as conversation_texts
from bot.directory import SchoolDirectory
from bot.events import ButtonPressed, FormSubmitted, UserRef
from bot.incidents import card, journal, records, texts
from bot.incidents.models import ChecklistRow, IncidentRow
from bot.incidents.outcomes import OUTCOMES
from bot.messages import Button, ButtonStyle, Form, FormField, Reply, Section, Tone
from bot.notify.escalation import EscalationService, excluded
from bot.notify.outbox import enqueue
from bot.playbooks.library import PlaybookLibrary
from bot.store.models import utcnow

log = logging.getLogger(__name__)

PAYLOAD = re.compile(r"inc:(\d{4}-\d{4,6}):([a-z]+)(?::([A-Za-z0-9_.-]{1,64}))?")
VERBS = frozenset({"ack", "tick", "untick", "brief", "edit", "save", "send", "close", "closed"})
OWNER_ONLY = frozenset({"brief", "edit", "save", "send", "close", "closed"})
MAX_BRIEFING = 3000


def may_act(incident: IncidentRow, directory: SchoolDirectory, user: UserRef, *, roles: list[str]) -> bool:
    """The owner, or a holder of one of ``roles`` on the incident's platform, unless a
    suspected colleague: they are refused whatever role they hold."""
    if user.platform != incident.reporter_platform or user.id in excluded(incident, directory):
        return False
    return incident.owner_id == user.id or any(
        user.id in getattr(directory.roles.get(role), user.platform, []) for role in roles if role in directory.roles)


def is_incident_payload(payload: str) -> bool:
    return payload.startswith("inc:")


class IncidentActions:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], library: PlaybookLibrary,
                 directory: SchoolDirectory, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self._library = library
        self._directory = directory
        self._clock = clock
        self._escalation = EscalationService(sessions, directory, clock=clock)

    async def handle(self, event: ButtonPressed | FormSubmitted) -> list[Reply]:
        match = PAYLOAD.fullmatch(event.payload)
        lang: str = self._directory.language
        if not match or match.group(2) not in VERBS:
            log.warning("refused incident action: malformed payload")
            return [_remark(conversation_texts.unknown_button(lang), lang)]
        number, verb, arg = match.group(1), match.group(2), match.group(3) or ""
        async with self._sessions() as session:
            incident = (await session.execute(
                select(IncidentRow).where(IncidentRow.number == number))).scalar_one_or_none()
        if incident is None:
            log.warning("refused incident action on %s: %s (unknown incident)", number, verb)
            return [_remark(conversation_texts.unknown_button(lang), lang)]
        lang = incident.lang
        refusal = self._refusal(incident, event.user, verb)
        if refusal:
            log.warning("refused incident action on %s: %s (%s)", number, verb, refusal[0])
            return [_remark(refusal[1], lang)]
        if isinstance(event, FormSubmitted) != (verb == "save"):
            log.warning("refused incident action on %s: %s (button and form mixed up)", number, verb)
            return [_remark(conversation_texts.unknown_button(lang), lang)]
        if verb == "ack":
            return await self._acknowledge(incident, event.user)
        if verb in ("tick", "untick"):
            return await self._tick(number, arg, event.user, done=verb == "tick")
        if verb == "close":
            return [_outcome_choice(number, lang)]
        if verb == "closed":
            return await self._close(number, arg, event.user, lang)
        if verb == "save":
            assert isinstance(event, FormSubmitted)
            return await self._save(number, event.values.get("text", ""), lang)
        if verb == "send":
            return await self._send(number, arg, event.user, lang)
        async with self._sessions() as session:
            snapshot = await card.load(session, number)
        if verb == "edit":
            return [self._edit_form(snapshot)]
        return [card.preview(snapshot, self._library, self._directory)]

    # -- access ---------------------------------------------------------------------
    def _refusal(self, incident: IncidentRow, user: UserRef, verb: str) -> tuple[str, str] | None:
        lang = incident.lang
        roles = incident.chain_roles if verb == "ack" else incident.access_roles
        if not may_act(incident, self._directory, user, roles=roles):
            return "foreign", texts.not_allowed(lang)
        is_owner = incident.owner_id == user.id
        if incident.status == "closed":
            return "closed", texts.incident_closed_already(lang, incident.number)
        if verb in OWNER_ONLY and not is_owner:
            owner = journal.display(f"{user.platform}:{incident.owner_id}", self._directory, lang) \
                if incident.owner_id else texts.label(lang, "nobody")
            return "not-owner", texts.owner_only(lang, owner)
        return None

    # -- verbs ----------------------------------------------------------------------
    async def _acknowledge(self, incident: IncidentRow, user: UserRef) -> list[Reply]:
        lang = incident.lang
        if await self._escalation.acknowledge(number=incident.number, user=user):
            log.info("incident %s acknowledged", incident.number)
            text = texts.you_own_it(lang, incident.number)
            return [Reply(text, (Section(text, tone=Tone.INFO),), replace=True, lang=lang)]
        async with self._sessions() as session:
            owner_id = (await session.execute(
                select(IncidentRow.owner_id).where(IncidentRow.id == incident.id))).scalar_one()
        owner = journal.display(f"{user.platform}:{owner_id}", self._directory, lang)
        text = texts.taken_by(lang, incident.number, owner)
        return [Reply(text, (Section(text),), replace=True, lang=lang)]

    async def _tick(self, number: str, step_id: str, user: UserRef, *, done: bool) -> list[Reply]:
        now = self._clock()
        async with self._sessions() as session, session.begin():
            incident = (await session.execute(select(IncidentRow).where(IncidentRow.number == number))).scalar_one()
            changed = await session.execute(
                update(ChecklistRow).where(ChecklistRow.incident_id == incident.id, ChecklistRow.step_id == step_id,
                                           ChecklistRow.done.is_not(done))
                .values(done=done, done_by=journal.actor_id(user) if done else None, done_at=now if done else None))
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                known = (await session.execute(select(ChecklistRow.id).where(
                    ChecklistRow.incident_id == incident.id, ChecklistRow.step_id == step_id))).first()
                if known is None:
                    log.warning("refused incident action on %s: tick (no such step)", number)
                    return [_remark(conversation_texts.unknown_button(incident.lang), incident.lang)]
                return []  # already in that state: a double tap changes nothing
            await journal.record(session, incident, actor=journal.actor_id(user),
                                 kind="checked" if done else "unchecked", detail=step_id, at=now)
            await self._offer_briefing_when_due(session, incident, now)
        return []

    async def _offer_briefing_when_due(self, session: AsyncSession, incident: IncidentRow, now: datetime) -> None:
        """The protocol reached its inform-the-team step when every step before it is done:
        then the owner gets the preview in a DM, once."""
        playbook = self._library.get(incident.playbook)
        if not (playbook and playbook.briefing and incident.owner_id) or incident.briefing_offered:
            return
        briefing_steps = {s.id for s in playbook.steps if s.briefing}
        items = (await session.execute(select(ChecklistRow).where(ChecklistRow.incident_id == incident.id)
                                       .order_by(ChecklistRow.position))).scalars().all()
        before = []
        for item in items:
            if item.step_id in briefing_steps:
                break
            before.append(item)
        else:
            return  # no inform-the-team step fits this incident's answers
        if all(item.done for item in before):
            incident.briefing_offered = True
            await enqueue(session, key=f"{incident.number}:briefing-due", kind="dm",
                          target={"platform": incident.reporter_platform, "id": incident.owner_id},
                          payload={"template": "briefing_due", "number": incident.number}, due_at=now)

    async def _close(self, number: str, outcome: str, user: UserRef, lang: str) -> list[Reply]:
        if outcome not in OUTCOMES:
            log.warning("refused incident action on %s: closed (unknown outcome)", number)
            return [_remark(conversation_texts.unknown_button(lang), lang)]
        await records.close(self._sessions, number=number, outcome=outcome, by=user, clock=self._clock)
        log.info("incident %s closed: %s", number, outcome)
        text = texts.closed(lang, number, texts.outcome(lang, outcome))
        return [Reply(text, (Section(text, tone=Tone.INFO),), replace=True, lang=lang)]

    def _edit_form(self, snapshot: card.Snapshot) -> Reply:
        incident = snapshot.incident
        lang = incident.lang
        text = card.briefing_text(snapshot, self._library, self._directory)
        field = FormField("text", texts.briefing_field(lang), required=True, multiline=True,
                          max_length=MAX_BRIEFING, value=text)
        form = Form(card.payload(incident.number, "save"), texts.briefing_title(lang, incident.number),
                    texts.save_briefing(lang), (field,), intro=texts.briefing_explain(lang, texts.team_channel(lang)),
                    cancel=Button(card.payload(incident.number, "brief"), texts.cancel(lang)))
        return Reply(form.title, (Section(form.intro, tone=Tone.INFO),), lang=lang, form=form)

    async def _save(self, number: str, text: str, lang: str) -> list[Reply]:
        text = text.strip().replace("\r\n", "\n")
        if not text or len(text) > MAX_BRIEFING:
            return [_remark(texts.briefing_empty(lang), lang)]
        async with self._sessions() as session, session.begin():
            snapshot = await card.load(session, number)
            found = card.leaks(snapshot, text, self._library, self._directory)
            if found:
                log.info("incident %s: briefing edit refused (%d identifying terms)", number, len(found))
                return [_remark(texts.briefing_leaks(lang, ", ".join(found)), lang)]
            saved = await session.execute(update(IncidentRow).where(IncidentRow.number == number,
                                                                    IncidentRow.briefing_sent.is_(False))
                                          .values(briefing_draft=text))
            if saved.rowcount != 1:  # type: ignore[attr-defined]
                return [_remark(texts.briefing_already_sent(lang), lang)]
        async with self._sessions() as session:
            snapshot = await card.load(session, number)
        return [_replacing(card.preview(snapshot, self._library, self._directory))]

    async def _send(self, number: str, expected: str, user: UserRef, lang: str) -> list[Reply]:
        """Post exactly the previewed text, once: the confirmation and the post are one
        conditional update and one outbox message carrying that text."""
        channel = getattr(self._directory.channels.get("team"), user.platform, "")
        if not channel:
            return [_remark(texts.no_team_channel(lang), lang)]
        now = self._clock()
        async with self._sessions() as session, session.begin():
            snapshot = await card.load(session, number)
            incident = snapshot.incident
            if card.colleague_suspected(incident):
                return [_remark(texts.briefing_not_to_team(lang), lang)]
            text = card.briefing_text(snapshot, self._library, self._directory)
            if card.digest(text) != expected:
                return [_remark(texts.briefing_changed(lang), lang)]
            found = card.leaks(snapshot, text, self._library, self._directory)
            if found:
                return [_remark(texts.briefing_leaks(lang, ", ".join(found)), lang)]
            confirmed = await session.execute(
                update(IncidentRow).where(IncidentRow.id == incident.id, IncidentRow.briefing_sent.is_(False),
                                          IncidentRow.briefing_draft == incident.briefing_draft)
                .values(briefing_draft=text, briefing_sent=True))
            if confirmed.rowcount != 1:  # type: ignore[attr-defined]
                return [_remark(texts.briefing_already_sent(lang), lang)]
            await enqueue(session, key=f"{number}:briefing", kind="briefing",
                          target={"platform": user.platform, "id": channel}, payload={"number": number, "text": text},
                          due_at=now)
            await journal.record(session, incident, actor=journal.actor_id(user), kind="briefing", detail=text, at=now)
            playbook = self._library.get(incident.playbook)
            briefing_steps = [s.id for s in playbook.steps if s.briefing] if playbook else []
            await session.execute(update(ChecklistRow).where(
                ChecklistRow.incident_id == incident.id, ChecklistRow.step_id.in_(briefing_steps),
                ChecklistRow.done.is_(False)).values(done=True, done_by=journal.actor_id(user), done_at=now))
        log.info("incident %s: team briefing sent", number)
        done = texts.briefing_sent(lang, number)
        return [Reply(done, (Section(done, tone=Tone.INFO),), replace=True, lang=lang)]


def _outcome_choice(number: str, lang: str) -> Reply:
    text = texts.choose_outcome(lang, number)
    choices = tuple(Button(card.payload(number, "closed", outcome), texts.outcome(lang, outcome),
                           ButtonStyle.DANGER if outcome == "police" else ButtonStyle.DEFAULT) for outcome in OUTCOMES)
    return Reply(text, (Section(text),), choices, lang=lang)


def _remark(text: str, lang: str) -> Reply:
    return Reply(text, (Section(text),), ephemeral=True, lang=lang)


def _replacing(reply: Reply) -> Reply:
    return Reply(reply.text, reply.sections, reply.choices, reply.actions, replace=True, lang=reply.lang)

