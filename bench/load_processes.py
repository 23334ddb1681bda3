"""The processes of bench/load.py: the fake Slack Web API and the bare Bolt app (children of this
file, asked over stdin/stdout as in bench/slack_ack.py), the ``serve`` replicas, the CPU they use
(``/proc``), and the benchmark's own PostgreSQL database.

    python bench/load_processes.py --serve fake|bare ARG     # how bench/load.py starts a child
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine  # noqa: E402

from bench.slack_ack import USERS as HOME_USERS  # noqa: E402
from bench.slack_ack import bare_app  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.reliability.served import LISTENING, environment, write_school  # noqa: E402

SERVER = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
DM_USERS = [f"UDM{i:05d}" for i in range(1, 2001)]
ANSWER_PREFIX = "UANS"
ANSWER_METHODS = ("chat.postMessage", "chat.update")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def answer_users(count: int) -> list[str]:
    return [f"{ANSWER_PREFIX}{i:05d}" for i in range(1, count + 1)]


# -- the child processes of this file: the fake Web API, the bare app ------------------------------------------
async def serve(kind: str, arg: str) -> None:
    """Print one JSON line when ready, then answer one JSON line per command on stdin until EOF."""
    if kind == "fake":
        fake = FakeSlack()
        await fake.start()
        for user in (*HOME_USERS, *DM_USERS, *answer_users(int(arg))):
            fake.add_user(user, user.lower())
            fake.dm_id(user)
        print(json.dumps({"url": fake.url, "base": fake.base}), flush=True)
        scanned, answers = [0], [0]

        def owner(channel: str) -> str:
            found = fake.channels.get(channel)
            return found.user if found is not None and found.is_im else channel

        def answer(command: list[str]) -> Any:
            if command[0] == "home":
                return fake.home.get(command[1], {})
            if command[0] == "latest":  # the newest message in each user's DM, as the bot left it
                return {user: (fake.messages_in(fake.dm_id(user)) or [None])[-1] for user in command[1:]}
            answers[0] += sum(c.method in ANSWER_METHODS for c in fake.calls[scanned[0]:])
            scanned[0] = len(fake.calls)
            mark = {"calls": len(fake.calls), "answers": answers[0],
                    "responses": sum(len(posts) for posts in fake.responses.values())}
            if command[0] == "answers":  # [user, at] of each answer since the call numbered command[1]
                mark["posted"] = [[owner(str(c.args.get("channel", ""))), c.at] for c in fake.calls[int(command[1]):]
                                  if c.method in ANSWER_METHODS]
                mark["methods"] = Counter(c.method for c in fake.calls[int(command[1]):])
            return mark
    else:
        runner = web.AppRunner(bare_app(arg), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        print(json.dumps({"url": f"http://127.0.0.1:{runner.addresses[0][1]}"}), flush=True)

        def answer(command: list[str]) -> Any:
            return {}

    while line := await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline):
        print(json.dumps(answer(line.split())), flush=True)
    await (fake.close() if kind == "fake" else runner.cleanup())


class Child:
    """A child process of this file, asked over stdin/stdout (as in bench/slack_ack.py)."""

    def __init__(self, process: asyncio.subprocess.Process, ready: dict[str, Any]) -> None:
        self.process, self.ready, self.url = process, ready, ready["url"]
        self.pids = [process.pid]

    @classmethod
    async def start(cls, *args: str) -> Child:
        process = await asyncio.create_subprocess_exec(sys.executable, __file__, "--serve", *args,
                                                       stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                       limit=256 * 1024 * 1024)
        assert process.stdout is not None
        return cls(process, json.loads(await process.stdout.readline()))

    async def ask(self, *command: str) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write((" ".join(command) + "\n").encode())
        return json.loads(await self.process.stdout.readline())

    async def stop(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


# -- the replicas: real `python -m bot serve` processes --------------------------------------------------------
@dataclass
class Replica:
    name: str
    process: asyncio.subprocess.Process
    url: str
    log_path: Path

    @property
    def pids(self) -> list[int]:
        return [self.process.pid]

    @classmethod
    async def start(cls, name: str, tmp: Path, api_url: str, database_url: str, profile: str = "") -> Replica:
        env = environment(cast(FakeSlack, SimpleNamespace(url=api_url)), database_url, write_school(tmp))
        log_path = tmp / f"serve-{name}.log"
        command = ["-m", "cProfile", "-o", profile] if profile else []
        with log_path.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, *command, "-m", "bot", "serve", cwd=ROOT, env=env,
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + 90
        while not (found := LISTENING.search(log_path.read_text(encoding="utf-8", errors="replace"))):
            if process.returncode is not None or time.monotonic() > deadline:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
                tail = "\n".join(log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-30:])
                raise RuntimeError(f"serve-{name} did not start (exit {process.returncode}):\n{tail}")
            await asyncio.sleep(0.05)
        return cls(name, process, f"http://127.0.0.1:{found.group(1)}", log_path)

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def problems(self) -> Counter[str]:
        """WARNING/ERROR lines of the log, without their time stamps."""
        found: Counter[str] = Counter()
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if " WARNING " in line or " ERROR " in line or "Traceback" in line:
                found[re.sub(r"^[\d\-:,. T]+", "", line)[:160]] += 1
        return found


def cpu_of(pids: list[int], *, reaped: bool = False) -> dict[int, float]:
    """utime + stime in seconds of each process (all its threads), from /proc/<pid>/stat; with
    ``reaped`` plus cutime + cstime, the CPU of its children that exited and were waited for."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        out[pid] = sum(int(n) for n in fields[11:15 if reaped else 13]) / CLK_TCK
    return out


def postgres_cpu() -> dict[int, float]:
    """Every PostgreSQL process on the machine, with what the postmaster's exited children used
    (a connection SQLAlchemy's pool opens beyond its size is closed again when given back)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return cpu_of(pids, reaped=True)


def used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


async def create_database() -> tuple[str, str, str]:
    name = f"pw_bench_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(SERVER, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            version = str((await connection.execute(text("SHOW server_version"))).scalar())
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return name, make_url(SERVER).set(database=name).render_as_string(hide_password=False), version


async def sessions(admin: AsyncEngine, name: str) -> int:
    async with admin.connect() as connection:
        found = await connection.execute(text("SELECT sessions FROM pg_stat_database WHERE datname = :name"),
                                         {"name": name})
        return int(found.scalar() or 0)


async def drop_database(name: str) -> None:
    admin = create_async_engine(SERVER, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "--serve":
        raise SystemExit("usage: python bench/load_processes.py --serve fake|bare ARG")
    asyncio.run(serve(sys.argv[2], sys.argv[3]))
