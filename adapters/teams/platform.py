"""The port on Teams: 1:1 messages, channel posts, card updates and incident spaces.

Every call may be repeated by the outbox after a crash or an error. Teams has no
idempotency key, so what is sent under an outbox key is written down at once
(:class:`~adapters.teams.store.SentLedger`) and a repeat updates that message instead of
sending a second one. A person who blocked the bot or lacks the app (403) raises
:class:`~bot.ports.Unreachable`, so the escalation moves on at once.

Incident spaces, as the school chose in ``school.yaml`` (``teams.incident_space``):

* ``graph``: a group chat per incident through Microsoft Graph, with exactly the people
  the protocol reports to, topic "Incident 2026-0042" (a number, never names), the app
  installed in it so the card can be posted there;
* ``channel``: a thread per incident in the safety team's channel. Every member of that
  team reads every thread, so when someone excluded from this incident is a member, the
  incident stays out of the channel and each member gets the card in their 1:1 chat;
* ``direct`` (the fallback above, and for a single member): the card in each member's 1:1
  chat; an update reaches every copy, and someone invited later gets their own.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.teams.cards import card_activity, render_one
from adapters.teams.connector import Connector, ConnectorError
from adapters.teams.graph import GraphClient, GraphError
from adapters.teams.people import PLATFORM, People, Person
from adapters.teams.store import SentLedger, TeamsSpaceRow
from bot import teams_ids
from bot.directory import SchoolDirectory
from bot.events import UserRef
from bot.messages import Reply
from bot.ports import ChannelRef, MessageRef, Unreachable

log = logging.getLogger(__name__)

DIRECT = "direct:"
GRAPH, CHANNEL, DIRECT_MODE = "graph", "channel", "direct"


class TeamsPlatform:
    name = PLATFORM

    def __init__(self, sessions: async_sessionmaker[AsyncSession], connector: Connector, people: People,
                 directory: SchoolDirectory | None, *, graph: GraphClient | None = None, manifest_id: str = "") -> None:
        self._sessions = sessions
        self.connector = connector
        self.people = people
        self._directory = directory
        self.graph = graph
        self._manifest_id = manifest_id
        self.ledger = SentLedger(sessions)

    @property
    def mode(self) -> str:
        teams = self._directory.teams if self._directory else None
        return teams.incident_space if teams else GRAPH

    # -- messages ----------------------------------------------------------------------
    async def dm(self, to: UserRef, reply: Reply, *, key: str = "") -> MessageRef:
        person = await self.people.resolve(to.id)
        if person is None:
            log.warning("a Teams person in school.yaml could not be found in Teams; treated as unreachable")
            raise Unreachable(PLATFORM)
        try:
            service_url, conversation = await self.people.personal_chat(person)
            return await self._send(service_url, conversation, reply, key=key, owner=to.id)
        except ConnectorError as exc:
            if exc.blocked:
                raise Unreachable(PLATFORM) from None
            raise

    async def _send(self, service_url: str, conversation: str, reply: Reply, *, key: str,
                    owner: str = "") -> MessageRef:
        """One card (what the outbox sends it may update later by one id); a repeat under the
        same key updates the message sent before instead of sending a second one."""
        activity = card_activity(render_one(reply, owner=owner))
        sent = await self.ledger.find(key)
        if sent is not None and sent.conversation_id == conversation and sent.activity_ids:
            await self.connector.update(service_url, conversation, sent.activity_ids[0], activity)
            return MessageRef(PLATFORM, conversation, sent.activity_ids[0])
        activity_id = await self.connector.send(service_url, conversation, activity)
        await self.ledger.record(key, conversation, [activity_id])
        return MessageRef(PLATFORM, conversation, activity_id)

    async def post(self, to: ChannelRef, reply: Reply, *, key: str = "") -> MessageRef:
        """In an incident space, or a new thread in a team channel (the briefing)."""
        space = await self._space(to.id)
        if space is not None:
            if space.mode == DIRECT_MODE:
                await self._copies(space, reply, key=key)
                return MessageRef(PLATFORM, to.id, "card")
            return await self._send(self.people.service_url, space.conversation_id, reply, key=key)
        channel = teams_ids.parse_channel(to.id)
        if channel is None:
            raise LookupError("not a Teams channel (check channels in school.yaml)")
        sent = await self.ledger.find(key)
        if sent is not None:
            return MessageRef(PLATFORM, sent.conversation_id, sent.activity_ids[0])
        conversation, activity_id = await self.connector.create_conversation(self.people.service_url, {
            "isGroup": True, "channelData": {"channel": {"id": channel.channel_id},
                                             "tenant": {"id": self.people.tenant_id}},
            "activity": card_activity(render_one(reply)), "tenantId": self.people.tenant_id})
        await self.ledger.record(key, conversation, [activity_id])
        return MessageRef(PLATFORM, conversation, activity_id)

    async def update(self, ref: MessageRef, reply: Reply, *, key: str = "") -> None:
        space = await self._space(ref.channel_id)
        if space is not None and space.mode == DIRECT_MODE:
            await self._copies(space, reply, key=key)
            return
        # What the outbox updates by one id stays one message (its longest texts shortened if needed).
        await self.connector.update(self.people.service_url, ref.channel_id, ref.id, card_activity(render_one(reply)))
        if space is not None and space.copies:
            await self._copies(space, reply, key=key)

    # -- incident spaces ---------------------------------------------------------------
    async def open_space(self, *, name: str, members: list[UserRef], excluded: frozenset[str] = frozenset(),
                         key: str = "") -> ChannelRef:
        async with self._sessions() as session:
            existing = await session.get(TeamsSpaceRow, name)
        if existing is not None:
            if existing.mode == GRAPH and not existing.ready:  # the app's install failed last time: again
                await self._install(existing)
            return ChannelRef(PLATFORM, self._space_id(existing))
        ids = list(dict.fromkeys(m.id for m in members if m.id))
        mode = self.mode
        if mode == GRAPH:
            chat = await self._open_chat(name, ids)
            if chat is not None:
                return chat
        if mode == CHANNEL:
            # Who may read the channel decides whether this incident can go there: read now when
            # anyone is excluded; else a recent read says who needs a 1:1 copy.
            roster = await self.people.roster(self._safety_channel(), fresh=any(
                teams_ids.person_kind(value) for value in excluded))
            if await self._outside(excluded, roster):
                return await self._open_thread(name, ids, roster)
            log.info("someone excluded from this incident is (or may be) in the safety team: it goes 1:1")
        await self._store(TeamsSpaceRow(name=name, mode=DIRECT_MODE, members=ids, copies={}, ready=True))
        return ChannelRef(PLATFORM, f"{DIRECT}{name}")

    async def invite(self, space: ChannelRef, members: list[UserRef], *, key: str = "") -> None:
        """Whoever joins later (the coordinator who took it) gets the card as a 1:1 copy, kept
        up to date like the card itself; a channel thread's team member reads it there. (Adding
        someone to a group chat would need another tenant-wide Graph permission, and a chat
        that began with two people takes nobody more.) The copy is sent by the next card
        update, which the core queues right after every invite."""
        row = await self._space(space.id)
        if row is None:
            raise LookupError("no such Teams incident space")
        ids = [m.id for m in members if m.id and m.id not in row.members]
        if not ids:
            return
        inside: set[str] = set()
        if row.mode == CHANNEL:
            roster = await self.people.roster(self._safety_channel())
            inside = {user_id for user_id in ids if await self._is_member(user_id, roster)}
        await self._merge(row.name, members=ids, copies={i: [] for i in ids if i not in inside}, fresh_only=True)

    async def _open_chat(self, name: str, ids: list[str]) -> ChannelRef | None:
        """A group chat with the members Graph can bind; None when fewer than two can be (then
        each gets the card 1:1). Whoever cannot be bound gets a 1:1 copy instead."""
        if self.graph is None:
            raise LookupError("graph incident spaces need Microsoft Graph (TEAMS_APP_PASSWORD or a certificate)")
        bound: dict[str, str] = {}
        for user_id in ids:
            member = await self._graph_member(user_id)
            if member:
                bound[user_id] = member
        if len(bound) < 2:
            return None
        topic = f"Incident {name.removeprefix('incident-').upper()}"
        try:
            chat_id = await self.graph.create_group_chat(topic, list(bound.values()))
        except GraphError as exc:
            if exc.status not in (400, 404):
                raise
            log.warning("Graph would not create the incident chat (%s); the card goes 1:1 instead", exc.code)
            return None
        # Stored at once: Graph has no idempotency key, a retry must not make a second chat.
        row = TeamsSpaceRow(name=name, mode=GRAPH, conversation_id=chat_id, members=ids, ready=False,
                            copies={i: [] for i in ids if i not in bound})
        await self._store(row)
        await self._install(row)
        log.info("created the group chat of %s", topic)
        return ChannelRef(PLATFORM, chat_id)

    async def _install(self, row: TeamsSpaceRow) -> None:
        assert self.graph is not None
        await self.graph.install_app(row.conversation_id, await self.graph.catalog_app_id(self._manifest_id))
        async with self._sessions() as session, session.begin():
            await session.execute(update(TeamsSpaceRow).where(TeamsSpaceRow.name == row.name).values(ready=True))

    async def _open_thread(self, name: str, ids: list[str], roster: list[dict[str, Any]]) -> ChannelRef:
        channel = self._safety_channel()
        topic = f"**Incident {name.removeprefix('incident-').upper()}**"
        root = card_activity(render_one(Reply(topic.replace("**", ""), ())))
        conversation, activity_id = await self.connector.create_conversation(self.people.service_url, {
            "isGroup": True, "channelData": {"channel": {"id": channel}, "tenant": {"id": self.people.tenant_id}},
            "activity": root, "tenantId": self.people.tenant_id})
        if ";messageid=" not in conversation:
            conversation = f"{channel};messageid={activity_id}"
        # A member outside the safety team cannot read the thread: they get a 1:1 copy of the card.
        outside: dict[str, Any] = {i: [] for i in ids if not await self._is_member(i, roster)}
        await self._store(TeamsSpaceRow(name=name, mode=CHANNEL, conversation_id=conversation, members=ids,
                                        copies=outside, ready=True))
        return ChannelRef(PLATFORM, conversation)

    async def _outside(self, excluded: frozenset[str], roster: list[dict[str, Any]]) -> bool:
        """Whether everyone excluded is shown to be outside the safety team. Fails closed: a
        Teams id that cannot be resolved to a person counts as possibly inside."""
        for value in excluded:
            if teams_ids.person_kind(value) is None:
                continue  # another platform's id: not a Teams person
            if _in_roster(value, roster):
                return False
            person = await self.people.resolve(value)
            if person is None or not (person.object_id or person.teams_id):
                return False
            if any(_in_roster(i, roster) for i in (person.object_id, person.teams_id) if i):
                return False
        return True

    async def _is_member(self, user_id: str, roster: list[dict[str, Any]]) -> bool:
        if _in_roster(user_id, roster):
            return True
        person = await self.people.resolve(user_id)
        return person is not None and any(_in_roster(i, roster) for i in (person.object_id, person.teams_id) if i)

    def _safety_channel(self) -> str:
        teams = self._directory.teams if self._directory else None
        channel = teams_ids.parse_channel(teams.safety_channel) if teams else None
        if channel is None:
            raise LookupError("channel incident spaces need teams.safety_channel in school.yaml")
        return channel.channel_id

    async def _graph_member(self, user_id: str) -> str:
        """The Entra object id Graph binds a chat member by ("" when the person cannot be found)."""
        try:
            person = await self.people.resolve(user_id)
        except GraphError as exc:  # no User.Read.All, or an unknown address: not a reason to fail the chat
            log.info("a chat member could not be looked up in Graph (%s)", exc.code)
            return ""
        return person.object_id if person is not None else ""

    async def _copies(self, space: TeamsSpaceRow, reply: Reply, *, key: str) -> None:
        """The card in every member's 1:1 chat: updated where it is, sent where it is not."""
        copies: dict[str, Any] = dict(space.copies)
        activity = card_activity(render_one(reply))
        targets = space.members if space.mode == DIRECT_MODE else [m for m in space.members if m in copies]
        for user_id in targets:
            if copies.get(user_id):
                conversation, activity_id = copies[user_id]
                await self.connector.update(self.people.service_url, conversation, activity_id, activity)
                continue
            person = await self.people.resolve(user_id)
            if person is None:
                log.warning("an incident member could not be found in Teams; no copy of the card")
                continue
            try:
                service_url, conversation = await self.people.personal_chat(person)
                activity_id = await self.connector.send(service_url, conversation, activity)
            except ConnectorError as exc:
                if not exc.blocked:
                    raise
                log.warning("an incident member cannot get messages from the bot; no copy of the card")
                continue
            await self._merge(space.name, copies={user_id: [conversation, activity_id]})  # recorded as it lands

    async def _merge(self, name: str, *, members: Sequence[str] = (), copies: dict[str, Any] | None = None,
                     fresh_only: bool = False) -> None:
        """Add members and copies to a space's row, read and written in one locked transaction,
        so that an invite and a card post at the same moment cannot undo each other."""
        async with self._sessions() as session, session.begin():
            row = (await session.execute(select(TeamsSpaceRow).where(TeamsSpaceRow.name == name)
                                         .with_for_update())).scalar_one()
            merged = dict(row.copies)
            for user_id, where in (copies or {}).items():
                if not (fresh_only and merged.get(user_id)):
                    merged[user_id] = where
            row.members = [*row.members, *(m for m in members if m not in row.members)]
            row.copies = merged

    async def _space(self, space_id: str) -> TeamsSpaceRow | None:
        async with self._sessions() as session:
            if space_id.startswith(DIRECT):
                return await session.get(TeamsSpaceRow, space_id.removeprefix(DIRECT))
            return (await session.execute(select(TeamsSpaceRow).where(TeamsSpaceRow.conversation_id == space_id)
                                          .limit(1))).scalar_one_or_none()

    @staticmethod
    def _space_id(row: TeamsSpaceRow) -> str:
        return f"{DIRECT}{row.name}" if row.mode == DIRECT_MODE else row.conversation_id

    async def _store(self, row: TeamsSpaceRow) -> None:
        async with self._sessions() as session, session.begin():
            session.add(row)

    async def reach(self, user_id: str) -> tuple[str, str, Person]:
        """(service URL, personal chat, person) of someone the core names, for answers that
        belong in their 1:1 chat (a mention, a press in a shared place)."""
        person = await self.people.resolve(user_id)
        if person is None:
            raise Unreachable(PLATFORM)
        service_url, conversation = await self.people.personal_chat(person)
        return service_url, conversation, person


def _in_roster(value: str, roster: list[dict[str, Any]]) -> bool:
    """Whether a directory id (e-mail, object id or 29: id) names someone in a roster."""
    return any(teams_ids.same_person(value, object_id=str(member.get("aadObjectId") or ""),
                                     teams_id=str(member.get("id") or ""),
                                     upn=str(member.get("userPrincipalName") or ""),
                                     email=str(member.get("email") or ""))
               for member in roster)
