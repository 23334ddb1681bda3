"""Conversation state repository with optimistic concurrency.

Two presses of the same button can arrive at once (a double tap, a platform retry).
Each save names the version it read; a save that finds another version raises
:class:`~bot.errors.StoreConflict`, and the service re-reads and decides again, at
which point the second press is recognised as stale.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.state import ConversationState
from bot.errors import StoreConflict
from bot.store.models import ConversationRow


class ConversationStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def load(self, key: str) -> ConversationState | None:
        async with self._sessions() as session:
            row = await session.get(ConversationRow, key)
            return ConversationState.from_json(row.state) if row else None

    async def save(self, key: str, state: ConversationState, *, expected: ConversationState | None) -> None:
        """Store ``state`` if the stored one is still ``expected`` (None: no row yet)."""
        async with self._sessions() as session, session.begin():
            if expected is None:
                session.add(ConversationRow(key=key, state=state.to_json(), version=state.version))
                try:
                    await session.flush()
                except IntegrityError as exc:
                    raise StoreConflict(key) from exc
                return
            result = await session.execute(
                update(ConversationRow)
                .where(ConversationRow.key == key, ConversationRow.version == expected.version)
                .values(state=state.to_json(), version=state.version)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise StoreConflict(key)

    async def count(self) -> int:
        async with self._sessions() as session:
            return len((await session.execute(select(ConversationRow.key))).all())
