"""Carry out outbox messages through the platform port.

Outbox payloads carry ids and template names only (no pupil data); what a message says
is rendered here, at delivery time, from the current database state and in the school's
language. A platform error propagates: the outbox worker retries with backoff, and
nothing is lost. Every kind is safe to deliver twice (a crash after the platform call
but before the outbox row is marked sent): spaces are found by name, card updates
render the current state, invites to members are no-ops.

Kinds:
    dm        a direct message from a template (reported, escalation, taken, nobody, closed, briefing due)
    space     open the private space, invite its members and post the incident card
    card      update the incident card in the space
    invite    add the owner to the space
    taken     update the other coordinators' escalation DMs: "taken by ..."
    briefing  post the confirmed team briefing in the team channel
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import texts
from bot.directory import SchoolDirectory
from bot.events import UserRef
from bot.incidents import card, journal, reporting
from bot.incidents import texts as incident_texts
from bot.incidents.models import IncidentRow
from bot.messages import Button, ButtonStyle, Reply, Section, Tone, headline
from bot.notify import escalation
from bot.notify.outbox import OutboxMessage, sent_refs
from bot.playbooks.library import PlaybookLibrary
from bot.ports import ChannelRef, ChatPlatform, MessageRef, Unreachable


class SpaceNotReady(Exception):
    """The incident space is not open yet; the outbox retries this message later."""


def render(message: OutboxMessage, lang: str = "nl", directory: SchoolDirectory | None = None,
           library: PlaybookLibrary | None = None) -> Reply:
    """The reply for a DM template that needs no database (the playbook library names the
    protocol of an escalation; without it, or for a playbook no longer there, the DM has the
    number only)."""
    payload = message.payload
    number = str(payload.get("number", ""))
    template = payload.get("template")
    if template == "escalation":
        urgent = bool(payload.get("urgent"))
        text = incident_texts.escalation_dm(lang, number, _title(payload.get("playbook"), lang, directory, library),
                                            str(payload.get("role", "")), urgent=urgent,
                                            again=int(payload.get("level", 0) or 0) > 0)
        return Reply(text, (Section(text, tone=Tone.DANGER if urgent else Tone.WARNING),),
                     (Button(card.payload(number, "ack"), texts.take_it(lang), ButtonStyle.PRIMARY),), lang=lang)
    if template == "incident_taken":
        owner = journal.display(f"{message.target.get('platform')}:{payload.get('owner', '')}", directory, lang)
        text = incident_texts.incident_taken_reporter(lang, number, owner)
        return Reply(text, (Section(text, tone=Tone.INFO),), lang=lang)
    if template == "reported" and directory is not None:
        return reporting.confirmation(payload, directory)
    if template == "nobody_took_it":
        text = texts.nobody_took_it(lang, number)
        return Reply(text, (Section(text, tone=Tone.DANGER),), lang=lang)
    if template == "incident_closed":
        text = incident_texts.closed_reporter(lang, number)
        return Reply(text, (Section(text, tone=Tone.INFO),), lang=lang)
    raise ValueError(f"unknown outbox template {template!r}")


def _title(playbook_id: object, lang: str, directory: SchoolDirectory | None, library: PlaybookLibrary | None) -> str:
    """The protocol's title in ``lang`` (the school's jurisdiction variant if any)."""
    playbook = library.get(str(playbook_id)) if library is not None and playbook_id else None
    return playbook.title.get(lang, directory.jurisdiction if directory else None) if playbook else ""


class Delivery:
    """The outbox worker's ``deliver``: routes each message to the right platform."""

    def __init__(self, platforms: Mapping[str, ChatPlatform], sessions: async_sessionmaker[AsyncSession],
                 library: PlaybookLibrary, directory: SchoolDirectory,
                 escalations: escalation.EscalationService | None = None) -> None:
        self._platforms = platforms  # not copied: adapters may register after start
        self._escalation = escalations
        """Told when a coordinator turns out to be unreachable, so the next role is pinged at once."""
        self._sessions = sessions
        self._library = library
        self._directory = directory

    async def __call__(self, message: OutboxMessage) -> MessageRef | None:
        target = message.target
        platform = self._platforms.get(str(target.get("platform")))
        if platform is None:
            raise LookupError(f"no platform '{target.get('platform')}' configured")
        kind = message.kind
        number = str(message.payload.get("number", ""))
        lang = self._directory.language
        if kind == "dm":
            to = UserRef(platform.name, str(target["id"]))
            if message.payload.get("template") == "briefing_due":
                return await platform.dm(to, await self._briefing_due(number), key=message.key)
            try:
                return await platform.dm(to, render(message, lang, self._directory, self._library), key=message.key)
            except Unreachable:
                if message.payload.get("template") == "escalation" and self._escalation is not None:
                    await self._escalation.unreachable(number=number, level=int(message.payload.get("level", 0)),
                                                       user=to, key=message.key)
                raise
        if kind == "space":
            return await self._open_space(platform, number, [str(m) for m in message.payload.get("members", [])],
                                          key=message.key)
        if kind == "card":
            await self._update_card(platform, number)
            return None
        if kind == "invite":
            async with self._sessions() as session:
                snapshot = await card.load(session, number)
            if not snapshot.incident.space_id:
                raise SpaceNotReady(number)
            await platform.invite(ChannelRef(platform.name, snapshot.incident.space_id),
                                  [UserRef(platform.name, str(target["id"]))], key=message.key)
            return None
        if kind == "taken":
            await self._update_other_dms(platform, number, str(message.payload.get("owner", "")))
            return None
        if kind == "briefing":  # exactly the text the owner confirmed
            text = str(message.payload.get("text", ""))
            return await platform.post(ChannelRef(platform.name, str(target["id"])),
                                       Reply(headline(text), (Section(text),), lang=lang), key=message.key)
        raise ValueError(f"unknown outbox kind {kind!r}")

    async def _open_space(self, platform: ChatPlatform, number: str, members: list[str], *,
                          key: str) -> MessageRef | None:
        async with self._sessions() as session:
            snapshot = await card.load(session, number)
        incident = snapshot.incident
        excluded = escalation.excluded(incident, self._directory)
        people = [UserRef(platform.name, m) for m in members if m not in excluded]
        if incident.owner_id and incident.owner_id not in members:
            people.append(UserRef(platform.name, incident.owner_id))
        # The space's id is stored as soon as it exists, before anything is posted in it: a
        # retry uses that id and never looks a name up again (a name can be taken by others).
        if incident.space_id:
            space = ChannelRef(platform.name, incident.space_id)
        else:
            space = await platform.open_space(name=f"incident-{number.lower()}", members=people,
                                              excluded=frozenset(excluded), key=key)
            await self._store(incident.id, space_id=space.id)
        if incident.card_id:
            await platform.invite(space, people, key=key)  # a repeated delivery: the card is already there
            return None
        # Invite and post the card side by side: each is a round trip and neither needs the other.
        shown = card.render(snapshot, self._library, self._directory)
        invited, posted = await asyncio.gather(platform.invite(space, people, key=key),
                                               platform.post(space, shown, key=f"{key}:card"), return_exceptions=True)
        if isinstance(posted, BaseException):
            raise posted
        await self._store(incident.id, card_id=posted.id)
        if isinstance(invited, BaseException):
            raise invited  # retried later: with the card stored, only the invite is repeated
        # Whatever changed while the card was being posted is shown now.
        async with self._sessions() as session:
            current = card.render(await card.load(session, number), self._library, self._directory)
        if current != shown:
            await platform.update(MessageRef(platform.name, space.id, posted.id), current, key=f"{key}:card")
        return posted

    async def _store(self, incident_id: int, **values: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(update(IncidentRow).where(IncidentRow.id == incident_id).values(**values))

    async def _update_card(self, platform: ChatPlatform, number: str) -> None:
        async with self._sessions() as session:
            snapshot = await card.load(session, number)
        if not snapshot.incident.card_id:
            raise SpaceNotReady(number)
        ref = MessageRef(platform.name, snapshot.incident.space_id, snapshot.incident.card_id)
        await platform.update(ref, card.render(snapshot, self._library, self._directory), key=f"{number}:card")

    async def _update_other_dms(self, platform: ChatPlatform, number: str, owner: str) -> None:
        lang = self._directory.language
        who = journal.display(f"{platform.name}:{owner}", self._directory, lang)
        text = incident_texts.taken_by(lang, number, who)
        async with self._sessions() as session:
            refs = await sent_refs(session, key_prefix=f"{number}:escalation:")
        for key, ref in refs:
            if key.split(":", 3)[-1] != owner:  # the owner's own DM was replaced by their press
                await platform.update(ref, Reply(text, (Section(text),), lang=lang), key=key)

    async def _briefing_due(self, number: str) -> Reply:
        async with self._sessions() as session:
            snapshot = await card.load(session, number)
        lang = snapshot.incident.lang
        return card.preview(snapshot, self._library, self._directory, intro=incident_texts.briefing_due(lang))
