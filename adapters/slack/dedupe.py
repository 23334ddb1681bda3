"""Slack retries an event it did not see acknowledged within 3 seconds (up to three
times, over about five minutes, with ``X-Slack-Retry-Num``); a reconnecting Socket Mode
client can get one twice too. The ``event_id`` of each event is stored the first time it
is seen, in the core's database so that every replica shares it, and a repeat is
acknowledged without doing anything: no second reply, incident or DM.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from slack_bolt.response import BoltResponse
from sqlalchemy import DateTime, String, delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.db import upsert_insert
from bot.store.models import Base, utcnow
from bot.textclean import clean

log = logging.getLogger(__name__)

#: Longer than Slack's retry window (about five minutes).
KEEP = timedelta(hours=1)
#: Forget old ids every this many new ones.
PRUNE_EVERY = 500


class SlackEventRow(Base):
    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class SeenEvents:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock
        self._new = 0

    async def first_time(self, event_id: str) -> bool:
        now = self._clock()
        async with self._sessions() as session, session.begin():
            insert = upsert_insert(session)
            result = await session.execute(insert(SlackEventRow).values(event_id=clean(event_id)[:64], seen_at=now)
                                           .on_conflict_do_nothing(index_elements=[SlackEventRow.event_id]))
            first = bool(result.rowcount)  # type: ignore[attr-defined]
            self._new += first
            if self._new >= PRUNE_EVERY:
                self._new = 0
                await session.execute(delete(SlackEventRow).where(SlackEventRow.seen_at < now - KEEP))
        return first

    def middleware(self) -> Callable[..., Awaitable[BoltResponse | None]]:
        """Bolt middleware for the event listeners: repeats of an event end here with a 200 (a
        bare ``return`` would make Bolt try the next listener, and answer 404 when none is left:
        Slack would retry again)."""

        async def drop_repeats(body: dict[str, object], next: Callable[[], Awaitable[None]]) -> BoltResponse | None:
            event_id = body.get("event_id") if body.get("type") == "event_callback" else None
            if isinstance(event_id, str) and event_id and not await self.first_time(event_id):
                log.info("dropped a repeated Slack event")
                return BoltResponse(status=200, body="")
            await next()
            return None

        return drop_repeats
