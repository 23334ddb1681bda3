"""What the outbox posted on Slack under each key, so that a repeated delivery never posts twice.

Slack's ``chat.postMessage`` has no idempotency key. When a post's outcome is unknown (a
5xx or a dropped connection after Slack may have carried it out, or a crash before the
outbox marked the message sent), a second post could double a coordinator's DM. So:

* before posting under a key, the key is written down as *started* (with the time);
* the post carries the key in its message metadata (never shown to anyone);
* after Slack answers, the key is written down with the message's ``ts``;
* a repeat finds the ``ts`` and posts nothing; a repeat of a *started* key without a ``ts``
  first looks for a message with that key in the conversation's history since the first
  attempt (:meth:`adapters.slack.platform.SlackPlatform.find_posted`), and posts only when
  there is none.

The table lives in the core's database, so every replica shares it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import DateTime, String, delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.db import upsert_insert
from bot.store.models import Base, utcnow

#: Longer than the outbox tries a message (a day), so a repeat always finds its key.
KEEP = timedelta(days=7)
PRUNE_EVERY = 200
#: ``metadata.event_type`` of every message posted for the outbox.
METADATA_TYPE = "protocolwijzer_outbox"


class SlackSentRow(Base):
    __tablename__ = "slack_sent"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    channel: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    """Where the post went: a user id (the app DM) until Slack named the ``D…`` channel."""
    ts: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    """Empty while the outcome of the first attempt is unknown."""
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


def metadata(key: str) -> dict[str, object]:
    """The message metadata that lets a later attempt find this post (ids only, no content)."""
    return {"event_type": METADATA_TYPE, "event_payload": {"key": key}}


def key_of(message: dict[str, object]) -> str:
    data = message.get("metadata")
    if not isinstance(data, dict) or data.get("event_type") != METADATA_TYPE:
        return ""
    payload = data.get("event_payload")
    return str(payload.get("key", "")) if isinstance(payload, dict) else ""


class SentLedger:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._recorded = 0

    async def find(self, key: str) -> SlackSentRow | None:
        async with self._sessions() as session:
            return await session.get(SlackSentRow, key[:300])

    async def start(self, key: str, channel: str) -> None:
        """Written before the post; a second start keeps the first attempt's time."""
        async with self._sessions() as session, session.begin():
            insert = upsert_insert(session)
            await session.execute(insert(SlackSentRow).values(key=key[:300], channel=channel, ts="",
                                                              started_at=utcnow())
                                  .on_conflict_do_nothing(index_elements=[SlackSentRow.key]))

    async def record(self, key: str, channel: str, ts: str) -> None:
        async with self._sessions() as session, session.begin():
            insert = upsert_insert(session)
            values = {"channel": channel, "ts": ts}
            await session.execute(insert(SlackSentRow).values(key=key[:300], started_at=utcnow(), **values)
                                  .on_conflict_do_update(index_elements=[SlackSentRow.key], set_=values))
            self._recorded += 1
            if self._recorded % PRUNE_EVERY == 0:  # the outbox gives a message up after a day
                await session.execute(delete(SlackSentRow).where(SlackSentRow.started_at < utcnow() - KEEP))

    async def forget(self, key: str) -> None:
        """An attempt that certainly did not post: the next one posts without looking first."""
        async with self._sessions() as session, session.begin():
            await session.execute(delete(SlackSentRow).where(SlackSentRow.key == key[:300], SlackSentRow.ts == ""))
