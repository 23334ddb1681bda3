"""CPU per conversation statement: SQLAlchemy's async engine against the store's own asyncpg pool.

Every message and button press reads or writes one conversation row. This measures the CPU of
this process (``time.process_time``, so the kernel's share of the socket traffic included) for
one UPDATE of one row, three ways, on the local PostgreSQL:

* ``sqlalchemy``: a connection from the engine's pool, the statement, back to the pool (what the
  conversation store did before ``bot/store/direct.py``, and still does on SQLite);
* ``direct``: the store's asyncpg pool (:class:`bot.store.direct.DirectPool`);
* ``bare asyncpg``: one asyncpg connection held open, the baseline.

Statements are spaced (``--gap``, 4 ms) as a bot's are, so each finds PostgreSQL idle, as in
production; with no gap the figures are lower for all three. Exit 0 whatever they say.

    python bench/statement_cost.py [--count 600] [--gap 0.004] [--url postgresql+asyncpg://…]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, update  # noqa: E402

from bot.store import direct  # noqa: E402
from bot.store.db import make_engine  # noqa: E402

DEFAULT_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


async def cost(count: int, gap: float, statement: Callable[[int], Awaitable[object]]) -> float:
    """Mean CPU milliseconds per call, after 50 calls of warm-up."""
    for i in range(50):
        await statement(i)
    spent = 0.0
    for i in range(count):
        await asyncio.sleep(gap)
        start = time.process_time()
        await statement(i)
        spent += time.process_time() - start
    return spent / count * 1000


async def main(count: int, gap: float, url: str) -> None:
    import asyncpg

    table = Table(f"pw_bench_{uuid.uuid4().hex[:8]}", MetaData(), Column("key", String, primary_key=True),
                  Column("version", Integer))
    change = update(table).where(table.c.key == bindparam("k"))
    engine = make_engine(url)
    single = engine.execution_options(isolation_level="AUTOCOMMIT")
    pool = direct.DirectPool(engine)
    sql, order = direct.compiled(engine, change, ["version"])
    async with engine.begin() as connection:
        await connection.run_sync(table.metadata.create_all)
        await connection.execute(table.insert().values(key="a", version=0))
    bare = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        async def through_sqlalchemy(i: int) -> object:
            async with single.connect() as connection:
                return await connection.execute(change, {"k": "a", "version": i})

        async def through_direct(i: int) -> object:
            values = {"k": "a", "version": i}
            return await pool.execute(sql, *(values[name] for name in order))

        async def through_bare(i: int) -> object:
            return await bare.execute(f"UPDATE {table.name} SET version = $1 WHERE key = $2", i, "a")

        figures = {name: await cost(count, gap, statement) for name, statement in
                   (("sqlalchemy", through_sqlalchemy), ("direct", through_direct), ("bare asyncpg", through_bare))}
    finally:
        await bare.close()
        await pool.close()
        async with engine.begin() as connection:
            await connection.run_sync(table.metadata.drop_all)
        await engine.dispose()
    where = url.split("@")[-1]
    print(f"CPU per UPDATE of one row, {count} statements {gap * 1000:g} ms apart (PostgreSQL at {where}):")
    for name, ms in figures.items():
        print(f"  {name:<13} {ms:.3f} ms ({ms / figures['bare asyncpg']:.1f}x bare asyncpg)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--gap", type=float, default=0.004, help="seconds between statements")
    parser.add_argument("--url", default=DEFAULT_URL)
    args = parser.parse_args()
    asyncio.run(main(args.count, args.gap, args.url))
