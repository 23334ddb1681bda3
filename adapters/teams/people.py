"""Who is who in Teams: the school's names for people, and how to reach them.

The school's directory names a person by e-mail/UPN, Entra object id or ``29:`` id. The
core knows a Teams person by that same string (so roles, owners and exclusions compare
as they do on every platform), and by the Entra object id for anyone not in the directory.
Reaching someone takes their personal chat with the bot: known once they wrote to it,
else created through the Bot Connector with their id and the tenant (Teams allows this
when the app is installed for them: the admin's app setup policy).

Lookups are remembered in ``teams_people`` (shared by replicas) and in memory: a person's
e-mail is asked of Teams once (``GET …/members/{id}``), a team's roster once in a while.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.teams.connector import Connector, ConnectorError
from adapters.teams.store import TeamsPersonRow
from bot import teams_ids
from bot.directory import SchoolDirectory
from bot.events import UserRef
from bot.store.db import upsert_insert
from bot.store.models import utcnow

log = logging.getLogger(__name__)

PLATFORM = "teams"
#: A roster is read again at most this often when someone is still not found in it.
ROSTER_AGAIN = 600.0


@dataclass(frozen=True)
class Person:
    object_id: str = ""
    teams_id: str = ""
    upn: str = ""
    email: str = ""
    conversation_id: str = ""
    service_url: str = ""

    @property
    def address(self) -> str:
        """The member id a new 1:1 chat is created with: the ``29:`` id, else the object id."""
        return self.teams_id or self.object_id


def _person(row: TeamsPersonRow) -> Person:
    return Person(row.object_id, row.teams_id, row.upn, row.email, row.conversation_id, row.service_url)


class People:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], directory: SchoolDirectory | None,
                 connector: Connector, *, app_id: str, tenant_id: str, default_service_url: str,
                 rosters: Iterable[str] = (), find_user: Callable[[str], Any] | None = None) -> None:
        self._sessions = sessions
        self._directory = directory
        self._connector = connector
        self._app_id = app_id
        self.tenant_id = tenant_id
        self.service_url = default_service_url
        self._rosters = list(rosters)
        self._find_user = find_user
        """Graph's user lookup by e-mail (graph mode), for people in no team with the bot."""
        self._roster_read_at = 0.0
        self._roster_lock = asyncio.Lock()
        self._rosters_read: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        self.health: dict[str, int] = {}
        """What :meth:`warm` found at start (for ``/healthz``)."""
        self._core_ids: dict[str, str] = {}
        self._seen: dict[str, tuple[str, str, str]] = {}
        self._fallback_at: dict[str, float] = {}

    # -- from Teams to the core ------------------------------------------------------
    def _directory_entries(self) -> list[str]:
        if self._directory is None:
            return []
        return [value for holders in self._directory.roles.values() for value in holders.teams]

    async def seen(self, account: dict[str, Any], *, service_url: str, personal_conversation: str = "",
                   conversation: str = "") -> UserRef:
        """Remember who wrote (and where their personal chat is) and return them as the core
        knows them. ``account`` is the activity's ``from`` (``id``, ``aadObjectId``, ``name``);
        ``conversation`` is where they wrote, for asking Teams their e-mail when needed."""
        object_id = str(account.get("aadObjectId") or "").lower()
        teams_id = str(account.get("id") or "")
        name = str(account.get("name") or "")
        if not object_id:  # not a Microsoft 365 user (the bot itself, a connector): their Teams id only
            return UserRef(PLATFORM, teams_id, name)
        known = (teams_id, service_url, personal_conversation)
        if self._seen.get(object_id) != known:  # a write only when something changed (not on every press)
            await self._remember(object_id, teams_id=teams_id, service_url=service_url,
                                 conversation_id=personal_conversation)
            self._seen[object_id] = known
        if service_url:
            self.service_url = service_url
        cached = self._core_ids.get(object_id)
        if cached is None or (cached == object_id and time.monotonic() - self._fallback_at.get(object_id, 0) > 300):
            cached = await self._core_id(object_id, teams_id, service_url, conversation or personal_conversation)
            self._core_ids[object_id] = cached
            if cached == object_id:  # not (yet) matched to the directory: asked again in a while, never for good
                self._fallback_at[object_id] = time.monotonic()
        return UserRef(PLATFORM, cached, name)

    async def _core_id(self, object_id: str, teams_id: str, service_url: str, conversation_id: str) -> str:
        entries = self._directory_entries()
        for entry in entries:
            if teams_ids.same_person(entry, object_id=object_id, teams_id=teams_id):
                return entry
        if any(teams_ids.person_kind(e) == teams_ids.UPN for e in entries):
            person = await self._row(object_id)
            if person is not None and not (person.upn or person.email) and conversation_id and teams_id:
                person = await self._ask_teams(object_id, teams_id, service_url, conversation_id)
            for entry in entries:
                if person is not None and teams_ids.same_person(entry, upn=person.upn, email=person.email):
                    return entry
        return object_id

    async def _ask_teams(self, object_id: str, teams_id: str, service_url: str, conversation_id: str) -> Person | None:
        """Their e-mail and UPN, which activities do not carry (one call, then remembered)."""
        try:
            member = await self._connector.member(service_url, conversation_id, teams_id)
        except (ConnectorError, OSError, TimeoutError) as exc:
            log.warning("could not look up a Teams member (%s)", type(exc).__name__)
            return await self._row(object_id)
        await self._remember(object_id, upn=str(member.get("userPrincipalName") or ""),
                             email=str(member.get("email") or ""))
        return await self._row(object_id)

    # -- from the core to Teams ------------------------------------------------------
    async def resolve(self, user_id: str) -> Person | None:
        """The person a core id names, with whatever is known of how to reach them."""
        kind = teams_ids.person_kind(user_id)
        if kind == teams_ids.OBJECT_ID:
            return await self._row(user_id.lower()) or Person(object_id=user_id.lower())
        if kind == teams_ids.TEAMS_ID:
            return await self._by(TeamsPersonRow.teams_id == user_id) or Person(teams_id=user_id)
        if kind != teams_ids.UPN:
            return None
        found = await self._by_mail(user_id)
        if found is None and await self._read_rosters():
            found = await self._by_mail(user_id)
        if found is None and self._find_user is not None:
            object_id = await self._find_user(user_id)
            if object_id:
                await self._remember(str(object_id).lower(), upn=user_id.lower())
                found = await self._by_mail(user_id)
        return found

    async def personal_chat(self, person: Person) -> tuple[str, str]:
        """(service URL, conversation id) of their 1:1 chat with the bot, created when needed.
        Raises :class:`ConnectorError` (403) when Teams will not let the bot write to them."""
        service_url = person.service_url or self.service_url
        if person.conversation_id:
            return service_url, person.conversation_id
        conversation_id, _ = await self._connector.create_conversation(service_url, {
            "isGroup": False, "bot": {"id": f"28:{self._app_id}"}, "members": [{"id": person.address}],
            "channelData": {"tenant": {"id": self.tenant_id}}, "tenantId": self.tenant_id})
        if person.object_id:
            await self._remember(person.object_id, conversation_id=conversation_id, service_url=service_url)
        return service_url, conversation_id

    async def roster(self, conversation_id: str, *, fresh: bool = True) -> list[dict[str, Any]]:
        """Everyone in a team or channel, remembered on the way. ``fresh=False`` accepts a
        read of the last ROSTER_AGAIN seconds (not for deciding who may see an incident)."""
        cached = self._rosters_read.get(conversation_id)
        if not fresh and cached and time.monotonic() - cached[0] < ROSTER_AGAIN:
            return cached[1]
        members = await self._connector.members(self.service_url, conversation_id)
        self._rosters_read[conversation_id] = (time.monotonic(), members)
        for member in members:
            object_id = str(member.get("aadObjectId") or "").lower()
            if object_id:
                await self._remember(object_id, teams_id=str(member.get("id") or ""),
                                     upn=str(member.get("userPrincipalName") or ""),
                                     email=str(member.get("email") or ""))
        return members

    async def _read_rosters(self) -> bool:
        """Read the teams' rosters (side by side), at most once in ROSTER_AGAIN; callers that
        arrive while a read is under way wait for it. True when the table may know more now."""
        if not self._rosters:
            return False
        async with self._roster_lock:
            if self._roster_read_at and time.monotonic() - self._roster_read_at < ROSTER_AGAIN:
                return True
            results = await asyncio.gather(*(self.roster(c) for c in self._rosters), return_exceptions=True)
            self._roster_read_at = time.monotonic()
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result
            if isinstance(result, Exception):
                log.warning("could not read a team's roster (%s)", type(result).__name__)
        return True

    async def warm(self) -> dict[str, int]:
        """At start, for every Teams person in the school's directory: find them, and open their
        personal chat with the bot (Teams keeps one per person; opening it sends nothing). The
        first incident's pings then take one call each instead of three. Two entries naming one
        person are reported: an exclusion written one way would miss the other."""
        entries = list(dict.fromkeys(self._directory_entries()))
        await self._read_rosters()

        async def find(entry: str) -> Person | None:
            try:
                return await self.resolve(entry)
            except Exception as exc:  # Graph without User.Read.All, a network error: found later, or not
                log.warning("could not look up a person from school.yaml (%s)", type(exc).__name__)
                return None

        people = await asyncio.gather(*(find(e) for e in entries))
        by_person: dict[str, list[str]] = {}
        for entry, person in zip(entries, people, strict=True):
            if person is not None and (person.object_id or person.teams_id):
                by_person.setdefault(person.object_id or person.teams_id, []).append(entry)
        twice = [named for named in by_person.values() if len(named) > 1]
        if twice:
            log.error("school.yaml names %d person(s) in Teams more than once, in different ways; use one form "
                      "(the e-mail address) for each person, or an exclusion can miss them", len(twice))
        found = [p for p in people if p is not None]
        chats = await asyncio.gather(*(self.personal_chat(p) for p in found if not p.conversation_id),
                                     return_exceptions=True)
        blocked = sum(1 for c in chats if isinstance(c, ConnectorError) and c.status == 403)
        missing = len(entries) - len(found)
        if missing or blocked:
            log.warning("Teams: %d person(s) from school.yaml not found, %d cannot get messages from the bot "
                        "(app not installed or blocked)", missing, blocked)
        self.health = {"directory_people": len(entries), "not_found": missing, "blocked": blocked,
                       "named_twice": len(twice)}
        return self.health

    # -- the table -------------------------------------------------------------------
    async def _row(self, object_id: str) -> Person | None:
        async with self._sessions() as session:
            row = await session.get(TeamsPersonRow, object_id)
            return _person(row) if row else None

    async def _by(self, condition: Any) -> Person | None:
        async with self._sessions() as session:
            row = (await session.execute(select(TeamsPersonRow).where(condition).limit(1))).scalar_one_or_none()
            return _person(row) if row else None

    async def _by_mail(self, address: str) -> Person | None:
        address = address.lower()
        return await self._by(or_(func.lower(TeamsPersonRow.upn) == address,
                                  func.lower(TeamsPersonRow.email) == address))

    async def _remember(self, object_id: str, **values: str) -> None:
        values = {k: v for k, v in values.items() if v}
        async with self._sessions() as session, session.begin():
            insert = upsert_insert(session)
            statement = insert(TeamsPersonRow).values(object_id=object_id, seen_at=utcnow(), **values)
            await session.execute(statement.on_conflict_do_update(
                index_elements=[TeamsPersonRow.object_id], set_={**values, "seen_at": utcnow()}))
