"""A small asyncpg pool beside SQLAlchemy's, for the statements every interaction makes.

Each message and button press reads or writes one conversation row
(:mod:`bot.store.conversations`). Through SQLAlchemy's async engine such a statement costs a
pool checkout, greenlet switches and the pool's events on top of the statement: about 1.0 ms
of CPU where asyncpg alone takes 0.4 ms (``python bench/statement_cost.py``), a fifth of what a
button press costs in all. For these statements only, the conversation store uses this pool;
everything else (migrations, incidents, the outbox) stays on SQLAlchemy.

* The statements are SQLAlchemy's own, compiled once for asyncpg (:func:`compiled`), so the
  table and its columns have one definition.
* Its connections are made by the engine and then detached from the engine's pool: they carry
  the engine's settings (a ``search_path``, TLS, the JSON codec) and count against nothing there.
* A connection is handed back without asyncpg's reset round trip: these single autocommit
  statements leave nothing behind (no transaction, no LISTEN, no advisory lock, no SET).
* A connection the server dropped (a restart, an idle timeout, ``pg_terminate_backend``) fails
  one statement, which is tried once more on a new connection; connections idle for a minute
  are closed. Trying an UPDATE again is safe: it names the version it replaces, so one that did
  go through the first time touches no row the second, and the store reports a conflict (the
  service rereads).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ClauseElement

if TYPE_CHECKING:  # asyncpg comes with the ``postgres`` extra: imported where a pool is made
    import asyncpg

log = logging.getLogger(__name__)

#: Connections in the pool at most (each replica; SQLAlchemy's own pool comes on top).
SIZE = 10
#: A connection unused for this long is closed (one that waited may have been dropped).
IDLE_SECONDS = 60.0


class Duplicate(Exception):
    """An INSERT found the key taken (asyncpg's unique violation, without importing asyncpg)."""


def _dropped() -> tuple[type[BaseException], ...]:
    """What a dropped connection raises (the statement is then tried once more)."""
    import asyncpg

    return (OSError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError,
            asyncpg.exceptions.OperatorInterventionError)


def supported(engine: AsyncEngine) -> bool:
    """Whether ``engine`` talks to PostgreSQL through asyncpg (SQLite keeps SQLAlchemy's path;
    asyncpg is then installed, as the engine could not connect without it)."""
    return engine.dialect.name == "postgresql" and engine.dialect.driver == "asyncpg"


def compiled(engine: AsyncEngine, statement: ClauseElement, names: Sequence[str] = ()) -> tuple[str, list[str]]:
    """``statement`` as asyncpg SQL (``$1``…) and the names of its parameters in order;
    ``names``: the columns an INSERT or UPDATE sets."""
    done: Any = statement.compile(dialect=engine.dialect, column_keys=list(names) or None)
    return str(done), list(done.positiontup or [])


class DirectPool:
    """Example::

        pool = DirectPool(engine)
        state = await pool.fetchval("SELECT state FROM conversations WHERE key = $1", key)
        await pool.close()
    """

    def __init__(self, engine: AsyncEngine, *, size: int = SIZE) -> None:
        self._engine = engine
        self._size = size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self._dropped: tuple[type[BaseException], ...] = ()
        # Disposing of the engine (a test's teardown, the end of a command) closes these too.
        event.listen(engine.sync_engine, "engine_disposed", self._terminate)

    async def fetchval(self, query: str, *args: Any) -> Any:
        return await self._on_a_connection("fetchval", query, args)

    async def execute(self, query: str, *args: Any) -> int:
        """Run ``query``; returns the number of rows it touched. Raises :class:`Duplicate` when
        an INSERT finds its key taken."""
        import asyncpg

        try:
            status = await self._on_a_connection("execute", query, args)
        except asyncpg.UniqueViolationError as exc:
            raise Duplicate(str(exc.constraint_name or "")) from exc
        return int(status.rsplit(" ", 1)[-1]) if status[-1:].isdigit() else 0

    async def _on_a_connection(self, method: str, query: str, args: tuple[Any, ...]) -> Any:
        """``connection.<method>(query, *args)``, once more on another connection when the first
        was dropped: an error of a lost connection (taking one from the pool included), or
        asyncpg's ``InternalClientError`` on a connection it then closed. That one comes when
        the server's notice that it terminated the connection arrives just as a statement
        starts ("cannot switch to state …"), before the statement was sent."""
        import asyncpg

        for attempt in (1, 2):
            pool = await self._ready()
            try:
                async with pool.acquire() as connection:
                    try:
                        return await getattr(connection, method)(query, *args)
                    except asyncpg.InternalClientError:
                        if attempt == 2 or not connection.is_closed():
                            raise
                        log.info("a database connection was dropped (terminated); trying once more")
            except self._dropped as exc:
                if attempt == 2:
                    raise
                log.info("a database connection was dropped (%s); trying once more", type(exc).__name__)
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    async def _ready(self) -> asyncpg.Pool:
        if self._pool is None:
            import asyncpg

            async with self._opening:
                if self._pool is None:
                    self._dropped = _dropped()
                    self._pool = await asyncpg.create_pool(
                        connect=self._connect, reset=_leave_as_is, min_size=0, max_size=self._size,
                        max_inactive_connection_lifetime=IDLE_SECONDS)
        return self._pool

    async def _connect(self, *_args: Any, **_kwargs: Any) -> asyncpg.Connection:
        proxied = await self._engine.raw_connection()
        connection = proxied.driver_connection
        proxied.detach()
        return connection

    def _terminate(self, _engine: Any) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.terminate()


async def _leave_as_is(_connection: Any) -> None:
    """Nothing to reset: see the module docstring."""
