"""Conversation state repository with optimistic concurrency.

Two presses of the same button can arrive at once (a double tap, a platform retry).
Each save names the version it read; a save that finds another version raises
:class:`~bot.errors.StoreConflict`, and the service re-reads and decides again, at
which point the second press is recognised as stale.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.conversation.state import ConversationState
from bot.errors import StoreConflict
from bot.store import direct
from bot.store.models import ConversationRow, utcnow


class ConversationStore:
    """Reads and writes through SQLAlchemy Core on the engine, not an ORM session: a button
    press costs a statement or two, and a session's bookkeeping around each (identity map,
    begin, rollback on close) was most of what a press cost.

    On PostgreSQL with asyncpg the three statements go through a small asyncpg pool of the
    store's own (:mod:`bot.store.direct`), which costs half the CPU of SQLAlchemy's checkout.

    It also remembers the states this process last read or wrote (:meth:`recall`): the
    next press of the same person usually needs no read at all. A remembered state may be
    stale (another replica moved the conversation on); the version check of :meth:`save`
    catches that, and the service then reads afresh.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, remember: int = 10_000) -> None:
        self._sessions = sessions
        bind = sessions.kw.get("bind")
        assert isinstance(bind, AsyncEngine), "the session factory is bound to the engine"
        # Each read and write is one statement, atomic by itself: without a transaction around
        # it, a press costs no BEGIN and COMMIT round trips.
        self._single: AsyncEngine = bind.execution_options(isolation_level="AUTOCOMMIT")
        self._remember = remember
        self._recent: OrderedDict[str, ConversationState] = OrderedDict()
        self._direct = direct.DirectPool(bind) if direct.supported(bind) else None
        if self._direct is not None:
            self._sql = {name: direct.compiled(bind, statement, columns)
                         for name, (statement, columns) in _STATEMENTS.items()}

    async def close(self) -> None:
        """Close the store's own connections (SQLAlchemy's pool closes with the engine)."""
        if self._direct is not None:
            await self._direct.close()

    def recall(self, key: str) -> ConversationState | None:
        """The state this process last read or saved for ``key``, if it still has it."""
        state = self._recent.get(key)
        if state is not None:
            self._recent.move_to_end(key)
        return state

    def _keep(self, key: str, state: ConversationState | None) -> None:
        if state is None:
            self._recent.pop(key, None)
            return
        self._recent[key] = state
        self._recent.move_to_end(key)
        while len(self._recent) > self._remember:
            self._recent.popitem(last=False)

    async def load(self, key: str) -> ConversationState | None:
        """The stored state, read from the database."""
        if self._direct is not None:
            row = await self._direct.fetchval(*self._statement("load", k=key))
            row = json.loads(row) if isinstance(row, str) else row
        else:
            async with self._single.connect() as connection:
                row = (await connection.execute(LOAD, {"k": key})).scalar_one_or_none()
        state = ConversationState.from_json(row) if row is not None else None
        self._keep(key, state)
        return state

    async def save(self, key: str, state: ConversationState, *, expected: ConversationState | None) -> None:
        """Store ``state`` if the stored one is still ``expected`` (None: no row yet)."""
        try:
            if self._direct is not None:
                await self._save_direct(self._direct, key, state, expected=expected)
            else:
                await self._save_sqlalchemy(key, state, expected=expected)
        except BaseException:
            self._keep(key, None)  # whatever is stored now, it is not known here
            raise
        self._keep(key, state)

    async def _save_direct(self, pool: direct.DirectPool, key: str, state: ConversationState, *,
                           expected: ConversationState | None) -> None:
        values = {"key": key, "k": key, "state": json.dumps(state.to_json()), "version": state.version,
                  "updated_at": utcnow()}
        if expected is None:
            try:
                await pool.execute(*self._statement("insert", **values))
            except direct.Duplicate as exc:
                raise StoreConflict(key) from exc
        elif await pool.execute(*self._statement("save", v=expected.version, **values)) != 1:
            raise StoreConflict(key)

    def _statement(self, name: str, **values: Any) -> list[Any]:
        sql, order = self._sql[name]
        return [sql, *(values[n] for n in order)]

    async def _save_sqlalchemy(self, key: str, state: ConversationState, *,
                               expected: ConversationState | None) -> None:
        async with self._single.connect() as connection:
            if expected is None:
                try:
                    await connection.execute(insert(TABLE).values(key=key, state=state.to_json(),
                                                                  version=state.version, updated_at=utcnow()))
                except IntegrityError as exc:
                    raise StoreConflict(key) from exc
            else:
                result = await connection.execute(SAVE, {"k": key, "v": expected.version,
                                                         "state": state.to_json(), "version": state.version,
                                                         "updated_at": utcnow()})
                if result.rowcount != 1:
                    raise StoreConflict(key)

    async def count(self) -> int:
        async with self._sessions() as session:
            return len((await session.execute(select(ConversationRow.key))).all())


TABLE: Table = ConversationRow.__table__  # type: ignore[assignment]
#: Built once: constructing a statement on every press costs more than running it.
LOAD = select(TABLE.c.state).where(TABLE.c.key == bindparam("k"))
SAVE = update(TABLE).where(TABLE.c.key == bindparam("k"), TABLE.c.version == bindparam("v"))
#: The same statements for :mod:`bot.store.direct`, with the columns an INSERT or UPDATE sets.
_STATEMENTS = {"load": (LOAD, ()), "save": (SAVE, ("state", "version", "updated_at")),
               "insert": (insert(TABLE), ("key", "state", "version", "updated_at"))}
