"""What the Teams adapter remembers, in the core's database so that every replica shares it.

* ``teams_people``: who is who. Teams addresses a person by a ``29:…`` id and their
  personal chat with the bot; the school names them by e-mail or Entra object id. Each
  activity and each roster read fills this in, so a coordinator who never wrote to the bot
  can still be reached, and one lookup is never repeated.
* ``teams_sent``: what was sent under an outbox key, so a retry after a crash updates the
  message it already sent instead of sending a second one (Teams has no idempotency key).
* ``teams_spaces``: how an incident's space was made (a group chat, a channel thread, or
  1:1 copies when the channel is not safe for this incident) and where its card copies are.
* ``teams_activities``: activity ids already handled, so that a redelivered activity
  does nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.db import upsert_insert
from bot.store.models import Base, utcnow

#: Forget handled activity ids after this long (Teams redelivers within minutes).
KEEP_ACTIVITIES = timedelta(hours=1)


class TeamsPersonRow(Base):
    __tablename__ = "teams_people"

    object_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    teams_id: Mapped[str] = mapped_column(String(200), nullable=False, default="", index=True)
    upn: Mapped[str] = mapped_column(String(320), nullable=False, default="", index=True)
    email: Mapped[str] = mapped_column(String(320), nullable=False, default="", index=True)
    conversation_id: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    """Their personal chat with the bot ("a:…"), once known."""
    service_url: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class TeamsSentRow(Base):
    __tablename__ = "teams_sent"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(400), nullable=False)
    activity_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class TeamsSpaceRow(Base):
    __tablename__ = "teams_spaces"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16), nullable=False)
    """``graph`` (a group chat), ``channel`` (a thread) or ``direct`` (1:1 copies)."""
    conversation_id: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    members: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    copies: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    """In ``direct`` mode: member -> [conversation id, activity id] of their copy of the card."""
    ready: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    """A group chat with the app installed in it (the bot can post there)."""


class TeamsActivityRow(Base):
    __tablename__ = "teams_activities"

    activity_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)




class SentLedger:
    """Outbox key → the messages sent under it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def find(self, key: str) -> TeamsSentRow | None:
        if not key:
            return None
        async with self._sessions() as session:
            return await session.get(TeamsSentRow, key[:300])

    async def record(self, key: str, conversation_id: str, activity_ids: list[str]) -> None:
        if not key:
            return
        async with self._sessions() as session, session.begin():
            insert = upsert_insert(session)
            values = {"conversation_id": conversation_id, "activity_ids": activity_ids, "sent_at": utcnow()}
            await session.execute(insert(TeamsSentRow).values(key=key[:300], **values)
                                  .on_conflict_do_update(index_elements=[TeamsSentRow.key], set_=values))


class SeenActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._new = 0

    async def first_time(self, activity_id: str, now: datetime) -> bool:
        async with self._sessions() as session, session.begin():
            insert = upsert_insert(session)
            result = await session.execute(insert(TeamsActivityRow).values(activity_id=activity_id[:200], seen_at=now)
                                           .on_conflict_do_nothing(index_elements=[TeamsActivityRow.activity_id]))
            first = bool(result.rowcount)  # type: ignore[attr-defined]
            self._new += first
            if self._new >= 500:
                self._new = 0
                await session.execute(delete(TeamsActivityRow).where(TeamsActivityRow.seen_at < now - KEEP_ACTIVITIES))
        return first


async def latest_service_url(sessions: async_sessionmaker[AsyncSession]) -> str:
    """The service URL Teams gave most recently (the tenant's region), for proactive messages."""
    async with sessions() as session:
        row = (await session.execute(select(TeamsPersonRow.service_url).where(TeamsPersonRow.service_url != "")
                                     .order_by(TeamsPersonRow.seen_at.desc()).limit(1))).scalar_one_or_none()
    return row or ""
