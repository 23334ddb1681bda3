"""The simulator's side of the port: DMs, incident spaces and the team channel.

Messages live in the core's database, in three small tables of the adapter's own, and
not in memory. Why: the outbox records where each message landed (the incident card,
the coordinators' escalation DMs) and updates it later, possibly after a restart, and
the conversation state already survives a restart; a simulator that forgot its messages
would fail those updates forever. The tables sit on the core's ``Base`` and are made by
the migrations (:mod:`bot.store.migrate`) with everything else.

A message holds what the page shows: the *rendered* JSON of a reply
(:func:`adapters.web.render.render_reply`), as a chat platform stores what it displays;
``update`` replaces it and bumps ``version``. Channels are plain strings:
``dm:<user id>`` for a person's direct messages with the bot, ``space:<name>`` for an
incident space, and the directory's channel id (``team``) for the team channel. A message
with ``only_for`` is seen by that person alone (like Slack's ephemeral messages): the
briefing preview a coordinator opened from the card stays theirs.

Every port method may be repeated by the outbox after a crash: a space found by name is
returned as it is, and inviting a member again is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from adapters.web.render import render_reply
from bot.events import UserRef
from bot.messages import Reply
from bot.ports import ChannelRef, MessageRef
from bot.store.db import upsert_insert
from bot.store.models import Base, utcnow

PLATFORM = "web"
SPACE_PREFIX = "space:"
DM_PREFIX = "dm:"
#: The inbox shows at most this many of the latest messages per channel.
INBOX_LIMIT = 100


class WebSpaceRow(Base):
    __tablename__ = "web_spaces"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class WebMemberRow(Base):
    __tablename__ = "web_space_members"

    space: Mapped[str] = mapped_column(ForeignKey("web_spaces.name", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)


class WebMessageRow(Base):
    __tablename__ = "web_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    only_for: Mapped[str | None] = mapped_column(String(128))
    content: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


def dm_channel(user_id: str) -> str:
    return f"{DM_PREFIX}{user_id}"


@dataclass(frozen=True)
class Stored:
    """One message as the page gets it."""

    id: int
    channel: str
    only_for: str | None
    content: dict[str, Any]
    version: int
    at: datetime


@dataclass(frozen=True)
class Space:
    name: str
    messages: list[Stored]


@dataclass(frozen=True)
class Inbox:
    dms: list[Stored]
    spaces: list[Space]
    team: list[Stored]


def _stored(row: WebMessageRow) -> Stored:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)  # SQLite gives naive UTC back
    return Stored(row.id, row.channel, row.only_for, dict(row.content), row.version, at)


class WebPlatform:
    """The port for the simulator. ``clock`` stamps messages with the simulated time."""

    name = PLATFORM

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    # -- the port ------------------------------------------------------------------
    async def dm(self, to: UserRef, reply: Reply, *, key: str = "") -> MessageRef:
        return await self.add(dm_channel(to.id), reply)

    async def post(self, to: ChannelRef, reply: Reply, *, key: str = "") -> MessageRef:
        return await self.add(to.id, reply)

    async def update(self, ref: MessageRef, reply: Reply, *, key: str = "") -> None:
        if not ref.id.isdigit():
            raise LookupError(f"no message {ref.id!r}")
        async with self._sessions() as session, session.begin():
            changed = await session.execute(
                update(WebMessageRow).where(WebMessageRow.id == int(ref.id), WebMessageRow.channel == ref.channel_id)
                .values(content=render_reply(reply), version=WebMessageRow.version + 1))
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise LookupError(f"no message {ref.id!r} in {ref.channel_id!r}")

    async def open_space(self, *, name: str, members: list[UserRef], excluded: frozenset[str] = frozenset(),
                         key: str = "") -> ChannelRef:
        async with self._sessions() as session, session.begin():
            insert = upsert_insert(session)
            await session.execute(insert(WebSpaceRow).values(name=name, created_at=self._clock())
                                  .on_conflict_do_nothing(index_elements=[WebSpaceRow.name]))
            await self._add_members(session, name, members)
        return ChannelRef(PLATFORM, f"{SPACE_PREFIX}{name}")

    async def invite(self, space: ChannelRef, members: list[UserRef], *, key: str = "") -> None:
        name = space.id.removeprefix(SPACE_PREFIX)
        async with self._sessions() as session, session.begin():
            if not space.id.startswith(SPACE_PREFIX) or await session.get(WebSpaceRow, name) is None:
                raise LookupError(f"no space {space.id!r}")
            await self._add_members(session, name, members)

    # -- what the adapter adds and reads -------------------------------------------
    async def add(self, channel: str, reply: Reply, *, only_for: str | None = None) -> MessageRef:
        """Store a message in ``channel`` (seen only by ``only_for`` when given)."""
        async with self._sessions() as session, session.begin():
            row = WebMessageRow(channel=channel, only_for=only_for, content=render_reply(reply), version=1,
                                at=self._clock())
            session.add(row)
            await session.flush()
            message_id = row.id
        return MessageRef(PLATFORM, channel, str(message_id))

    async def visible(self, message_id: int, user_id: str, *, team: str) -> Stored | None:
        """The message, when ``user_id`` may see it; None otherwise (or when it does not exist)."""
        async with self._sessions() as session:
            row = await session.get(WebMessageRow, message_id)
            if row is None or (row.only_for is not None and row.only_for != user_id):
                return None
            if row.channel == dm_channel(user_id) or (team and row.channel == team):
                return _stored(row)
            if row.channel.startswith(SPACE_PREFIX) and await session.get(
                    WebMemberRow, (row.channel.removeprefix(SPACE_PREFIX), user_id)) is not None:
                return _stored(row)
            return None

    async def inbox(self, user_id: str, *, team: str) -> Inbox:
        """What ``user_id`` sees: their DMs, the spaces they are in, the team channel."""
        async with self._sessions() as session:
            names = list((await session.execute(
                select(WebSpaceRow.name).join(WebMemberRow, WebMemberRow.space == WebSpaceRow.name)
                .where(WebMemberRow.user_id == user_id)
                .order_by(WebSpaceRow.created_at, WebSpaceRow.name))).scalars())
            dms = await self._latest(session, dm_channel(user_id), user_id)
            spaces = [Space(name, await self._latest(session, f"{SPACE_PREFIX}{name}", user_id)) for name in names]
            team_messages = await self._latest(session, team, user_id) if team else []
        return Inbox(dms, spaces, team_messages)

    async def members(self, name: str) -> set[str]:
        async with self._sessions() as session:
            return set((await session.execute(
                select(WebMemberRow.user_id).where(WebMemberRow.space == name))).scalars())

    # -- helpers -------------------------------------------------------------------
    @staticmethod
    async def _latest(session: AsyncSession, channel: str, user_id: str) -> list[Stored]:
        rows = (await session.execute(
            select(WebMessageRow)
            .where(WebMessageRow.channel == channel,
                   or_(WebMessageRow.only_for.is_(None), WebMessageRow.only_for == user_id))
            .order_by(WebMessageRow.id.desc()).limit(INBOX_LIMIT))).scalars().all()
        return [_stored(row) for row in reversed(rows)]

    @staticmethod
    async def _add_members(session: AsyncSession, name: str, members: Sequence[UserRef]) -> None:
        insert = upsert_insert(session)
        for user_id in dict.fromkeys(member.id for member in members):
            await session.execute(insert(WebMemberRow).values(space=name, user_id=user_id)
                                  .on_conflict_do_nothing(index_elements=[WebMemberRow.space, WebMemberRow.user_id]))
