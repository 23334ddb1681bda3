"""Slack under load: DMs and button presses against one and two ``serve`` replicas on PostgreSQL.

Signed requests go to ``/slack/events`` open-loop, each at its scheduled time (50, 100 and 150
per second; ``--seconds`` each after 1 s of uncounted warm-up); latency runs from the scheduled
send to the complete response. Two kinds:

* ``dm``: a ``message`` event in the app DM (a fresh event id each) with a question that reaches a
  protocol, by one of 2000 users; the bot answers with ``chat.postMessage``.
* ``press``: ``block_actions`` on buttons the bot really posted. Half are presses on a protocol
  button of the Home tab our app published (``open.<n>``, exactly as bench/slack_ack.py builds
  them); half are presses on the answer buttons of the bot's own answer in a user's DM: each of
  these users asked the question once before the run, and before every phase the message as the
  bot last left it is read back from the fake Slack and its current button pressed (the first
  question's answer, or [Opnieuw] once answered), once per user per phase, so no press is stale.
  The bot answers with ``chat.postMessage`` (protocol) or ``chat.update`` (answers).

Targets: (a) one ``python -m bot serve`` process, (b) two on the same PostgreSQL database with the
requests alternating between them (a load balancer), and a bare Bolt ``AsyncApp`` that only
acknowledges, the baseline, in the same run. The fake Slack Web API (``FakeSlack``, answering at
once), the bare app and the load run in processes of their own; the replicas are real ``serve``
processes as tests/reliability/served.py starts them, on a fresh database ``pw_bench_<hex>``
(dropped at the end). Printed per target, kind and rate: sent, 2xx, errors, acks over Slack's 3 s,
throughput, p50/p99/max ms, CPU per event of the server process(es) (``/proc/<pid>/stat``, summed
over replicas) and of all PostgreSQL processes (with the connections that exited meanwhile, which
the postmaster reaped), the connections opened to the database, the answers posted (the fake's
chat.postMessage and chat.update calls; stale-button remarks through a response_url separately), the time from the
scheduled send to the answer reaching Slack (p50/p99), and how long after the last request the last
answer arrived. Then ours/bare CPU per press and the goals: CPU per button press at most 3x the bare
app; 150 DMs/s on two replicas with p99 under 1 s. Exit 0 whatever they say (a measurement).

    python bench/load.py [--rates 50,100,150] [--seconds 20] [--kinds dm,press] [--replicas 1,2]
                         [--quick] [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from adapters.slack.app import EVENTS_PATH  # noqa: E402
from bench.figures import percentile, print_profile  # noqa: E402
from bench.load_processes import (  # noqa: E402
    DM_USERS,
    SERVER,
    Child,
    Replica,
    answer_users,
    cpu_of,
    create_database,
    drop_database,
    postgres_cpu,
    sessions,
    used,
)
from bench.load_report import TARGETS, WARM_UP, Result, report  # noqa: E402
from bench.slack_ack import USERS as HOME_USERS  # noqa: E402
from bench.slack_ack import presses as home_presses  # noqa: E402
from tests.adapters.slack import world as sw  # noqa: E402
from tests.fakes import slack_payloads as p  # noqa: E402
from tests.reliability.served import QUESTION  # noqa: E402

SLACK_TIMEOUT = 3.0
"""Slack retries an event it did not see acknowledged within 3 s."""
SETUP_RATE = 60


# -- requests ---------------------------------------------------------------------------------------------------
@dataclass
class Request:
    user: str
    body: bytes
    headers: dict[str, str]


def signed(body: str, content_type: str) -> tuple[bytes, dict[str, str]]:
    return body.encode(), {**p.sign(body, sw.SECRET), "content-type": content_type}


def dms(count: int, start: int) -> list[Request]:
    out = []
    for i in range(start, start + count):
        user = DM_USERS[i % len(DM_USERS)]
        body, headers = signed(p.json_body(p.event_callback(p.message_im(user, QUESTION))), p.JSON)
        out.append(Request(user, body, headers))
    return out


def answer_press(user: str, message: dict[str, Any], first_question: str, fake_base: str, tag: str,
                 ) -> Request | None:
    """A press on the button the bot's answer in ``user``'s DM shows now: the first question's
    "no" (or first) answer while it asks it, else [Opnieuw] (the conversation back to that question)."""
    buttons = [(block, e) for block in message.get("blocks") or [] if block.get("type") == "actions"
               for e in block.get("elements", []) if str(e.get("value", "")).startswith("pw1:")]
    answers = [b for b in buttons if f":ans:{first_question}=" in b[1]["value"]]
    chosen = next((b for b in answers if b[1]["value"].endswith("=no")), answers[0] if answers else None) \
        or next((b for b in buttons if b[1]["value"].endswith(":restart")), None)
    if chosen is None:
        return None
    block, element = chosen
    payload = p.block_actions(user, action_id=element["action_id"], value=element["value"], block_id=block["block_id"],
                              trigger_id=f"{uuid.uuid4().int % 10**12}.{int(time.time())}.{tag}",
                              channel="D" + user[1:], message_ts=message["ts"],
                              response_url=f"{fake_base}/response_url/{tag}{user}",
                              message_blocks=message.get("blocks"), message_text=message.get("text", ""),
                              button_text=element["text"]["text"], user_name=user.lower())
    body, headers = signed(p.interactive_body(payload), p.FORM)
    return Request(user, body, headers)


@dataclass
class World:
    """What the requests are built from."""

    fake: Child
    home: dict[str, Any]
    first_question: str
    answer_users: list[str]
    sessions: Callable[[], Awaitable[int]]
    sent_dms: int = 0
    sent_home: int = 0


async def press_requests(world: World, count: int, users: list[str], tag: str) -> tuple[list[Request], int]:
    """``count`` presses, two on protocol buttons (Home tab) then two on answer buttons, and so on
    (so that alternating replicas get both); each answer press by another of ``users``. Returns the
    requests and how many of the users asked had no button to press (a protocol press instead)."""
    wanted = users[:count // 2]
    latest = await world.fake.ask("latest", *wanted)
    answers = [answer_press(u, m, world.first_question, world.fake.ready["base"], tag) for u, m in latest.items()
               if m is not None]
    found = [r for r in answers if r is not None]
    slots = [i for i in range(count) if i % 4 >= 2][:len(found)]
    offset, protocols = world.sent_home, count - len(slots)
    bodies = home_presses(offset + protocols, world.home, world.fake.ready["base"], tag)[offset:]
    world.sent_home = (offset + protocols) % len(HOME_USERS)
    home = iter(Request(HOME_USERS[(offset + j) % len(HOME_USERS)], body, headers)
                for j, (body, headers) in enumerate(bodies))
    answered = iter(found)
    chosen = set(slots)
    return [next(answered) if i in chosen else next(home) for i in range(count)], len(wanted) - len(found)


# -- the load ---------------------------------------------------------------------------------------------------
async def load(session: aiohttp.ClientSession, urls: list[str], requests: list[Request], rate: float,
               ) -> tuple[Result, list[float]]:
    """Open loop: request i goes to ``urls[i % len(urls)]`` at start + i / rate. Returns the
    result and each request's scheduled time (``loop.time()``, i.e. ``time.monotonic()``)."""
    loop = asyncio.get_running_loop()
    start = last = loop.time() + 0.05
    result = Result(sent=len(requests))
    dues = [start + i / rate for i in range(len(requests))]

    async def one(i: int, request: Request) -> None:
        nonlocal last
        await asyncio.sleep(dues[i] - loop.time())
        try:
            async with session.post(urls[i % len(urls)] + EVENTS_PATH, data=request.body,
                                    headers=request.headers) as response:
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            result.errors[type(exc).__name__] += 1
            return
        if not 200 <= response.status < 300:
            result.errors[f"HTTP {response.status}"] += 1
            return
        last = max(last, loop.time())
        latency = loop.time() - dues[i]
        result.late += latency > SLACK_TIMEOUT
        result.latencies.append(latency * 1000)

    await asyncio.gather(*(one(i, r) for i, r in enumerate(requests)))
    result.ok = len(result.latencies)
    result.throughput = result.ok / max(last - start, len(requests) / rate, 1e-9)
    return result, dues


async def settled(fake: Child, before: dict[str, Any], expected: int, *, timeout: float = 180.0) -> dict[str, Any]:
    """Wait until the fake Slack got ``expected`` answers since ``before`` and then nothing for
    0.3 s, or nothing at all for 3 s (or ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline, seen, since = loop.time() + timeout, -1, loop.time()
    while True:
        mark = await fake.ask("mark")
        total = mark["calls"] + mark["responses"]
        if total != seen:
            seen, since = total, loop.time()
        quiet = loop.time() - since
        got = mark["answers"] + mark["responses"] - before["answers"] - before["responses"]
        if (got >= expected and quiet >= 0.3) or quiet >= 3.0 or loop.time() > deadline:
            return mark
        await asyncio.sleep(0.1)


def answer_times(requests: list[Request], dues: list[float], posted: list[list[Any]]) -> list[float]:
    """Per user, the k-th request is answered by the last of the k-th group of answers to that user
    (every request of a user gets as many answers); users whose counts do not divide are left out."""
    asked: dict[str, list[float]] = defaultdict(list)
    for request, due in zip(requests, dues, strict=True):
        asked[request.user].append(due)
    got: dict[str, list[float]] = defaultdict(list)
    for user, at in posted:
        got[user].append(at)
    out = []
    for user, due_times in asked.items():
        times = sorted(got.get(user, []))
        if not times or len(times) % len(due_times):
            continue
        each = len(times) // len(due_times)
        out += [(times[(k + 1) * each - 1] - due) * 1000 for k, due in enumerate(sorted(due_times))]
    return out


async def phase(session: aiohttp.ClientSession, world: World, target: str, urls: list[str], pids: list[int],
                kind: str, rate: int, seconds: float, ours: bool) -> Result:
    fake = world.fake
    counts = (int(rate * WARM_UP), int(rate * seconds))
    tag = f"{target}{kind}{rate}."

    async def requests(count: int, part: int) -> tuple[list[Request], int]:
        if kind == "dm":
            world.sent_dms += count
            return dms(count, world.sent_dms - count), 0
        half = (counts[0] + 1) // 2
        users = world.answer_users[:half] if part == 0 else world.answer_users[half:]
        return await press_requests(world, count, users, f"{tag}{part}.")

    warm, _ = await requests(counts[0], 0)
    mark = await fake.ask("mark")
    await load(session, urls, warm, rate)
    before = await settled(fake, mark, len(warm) if ours else 0)
    measured, missing = await requests(counts[1], 1)
    cpu, pg, harness = cpu_of(pids), postgres_cpu(), cpu_of([os.getpid(), *fake.pids])
    sessions = await world.sessions()
    result, dues = await load(session, urls, measured, rate)
    after = await settled(fake, before, len(measured) if ours else 0)
    result.cpu = used(cpu, cpu_of(pids)) * 1000 / max(1, result.sent)
    result.pg_cpu = used(pg, postgres_cpu()) * 1000 / max(1, result.sent)
    result.sessions = await world.sessions() - sessions
    spent = cpu_of([os.getpid(), *fake.pids])
    result.load_cpu, result.fake_cpu = ((spent[pid] - harness[pid]) * 1000 / max(1, result.sent)
                                        for pid in (os.getpid(), fake.pids[0]))
    result.skipped = missing
    answers = await fake.ask("answers", str(before["calls"]))
    result.methods = Counter(answers["methods"])
    if ours:
        result.posted = answers["answers"] - before["answers"]
        result.remarks = after["responses"] - before["responses"]
        result.answered = answer_times(measured, dues, answers["posted"])
        if answers["posted"]:
            result.last_answer = max(at for _, at in answers["posted"]) - dues[-1]
    return result


# -- the run ----------------------------------------------------------------------------------------------------
async def prepare(session: aiohttp.ClientSession, fake: Child, replicas: list[Replica], users: list[str],
                  sessions: Callable[[], Awaitable[int]]) -> World:
    """The Home tab as our app publishes it, and every answer user's question asked once."""
    body, headers = signed(p.json_body(p.event_callback(p.app_home_opened(HOME_USERS[0]))), p.JSON)
    async with session.post(replicas[0].url + EVENTS_PATH, data=body, headers=headers) as response:
        assert response.status == 200, response.status
    deadline = time.monotonic() + 30
    while not (home := await fake.ask("home", HOME_USERS[0])):
        assert time.monotonic() < deadline, "no Home tab was published"
        await asyncio.sleep(0.05)
    if not users:
        return World(fake, home, "", users, sessions)
    mark = await fake.ask("mark")
    asked = []
    for user in users:
        body, headers = signed(p.json_body(p.event_callback(p.message_im(user, QUESTION))), p.JSON)
        asked.append(Request(user, body, headers))
    result, _ = await load(session, [r.url for r in replicas], asked, SETUP_RATE)
    assert result.ok == len(users), f"setup: {result.errors}"
    await settled(fake, mark, len(users))
    latest = await fake.ask("latest", *users)
    questions = Counter(re.search(r":ans:([^=]+)=", json.dumps(m)).group(1)  # type: ignore[union-attr]
                        for m in latest.values() if m and ":ans:" in json.dumps(m))
    assert questions, "the answer to the question has no answer buttons"
    first, asked_ok = questions.most_common(1)[0]
    if asked_ok < len(users):
        print(f"  note: {len(users) - asked_ok} of {len(users)} answer users got no question to answer")
    return World(fake, home, first, users, sessions)


async def run(rates: list[int], seconds: float, kinds: list[str], replica_counts: list[int], profile: str) -> None:
    answer_count = max(rates) * int(WARM_UP + seconds + 1) // 2 + 2 if "press" in kinds else 0
    name, database_url, pg_version = await create_database()
    tmp = tempfile.TemporaryDirectory(prefix="pw-bench-")
    fake = bare = None
    admin = create_async_engine(SERVER, isolation_level="AUTOCOMMIT")
    replicas: list[Replica] = []
    results: dict[tuple[str, str, int], Result] = {}
    problems: dict[str, Counter[str]] = {}
    try:
        fake = await Child.start("fake", str(answer_count))
        bare = await Child.start("bare", fake.url)
        for i in range(max(replica_counts)):
            replicas.append(await Replica.start("ab"[i], Path(tmp.name), fake.url, database_url,
                                                profile if i == 0 else ""))
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                         timeout=aiohttp.ClientTimeout(total=10)) as session:
            for url in (bare.url, *(r.url for r in replicas)):
                async with session.get(url + "/healthz") as health:
                    assert health.status == 200, f"{url} is not healthy"
            started = time.monotonic()
            world = await prepare(session, fake, replicas, answer_users(answer_count), partial(sessions, admin, name))
            print(f"  setup: Home tab, {answer_count} answer users asked once ({time.monotonic() - started:.0f} s)",
                  flush=True)
            for rate in rates:
                for kind in kinds:
                    for target in ("bare", *map(str, replica_counts)):
                        serving: list[Any] = [bare] if target == "bare" else replicas[:int(target)]
                        results[target, kind, rate] = r = await phase(
                            session, world, target, [s.url for s in serving], [pid for s in serving for pid in s.pids],
                            kind, rate, seconds, target != "bare")
                        print(f"  done: {TARGETS[target]} {kind} {rate}/s: 2xx {r.ok}/{r.sent}, "
                              f"p99 {percentile(r.latencies or [float('nan')], .99):.0f} ms; CPU per event of the "
                              f"load {r.load_cpu:.2f} ms, of the fake Slack {r.fake_cpu:.2f} ms", flush=True)
    finally:
        for replica in replicas:
            await replica.stop()
            problems[replica.name] = replica.problems()
        for child in (bare, fake):
            if child is not None:
                await child.stop()
        await admin.dispose()
        await drop_database(name)
        tmp.cleanup()
    report(results, rates, seconds, kinds, replica_counts, pg_version, problems)
    if profile:
        events = sum(r.sent for (target, _, _), r in results.items() if target != "bare")
        print_profile(profile, events, what="Replica a's process (all its targets)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="50,100,150", help="requests per second, comma-separated")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per rate")
    parser.add_argument("--kinds", default="dm,press", help="dm, press or both")
    parser.add_argument("--replicas", default="1,2", help="targets: 1 and/or 2 serve replicas")
    parser.add_argument("--quick", action="store_true", help="a 2-second smoke run at 20/s")
    parser.add_argument("--profile", default="", help="cProfile replica a into this file and summarise it")
    args = parser.parse_args()
    for name in (*sw.PROXY_VARIABLES, *sw.SLACK_VARIABLES):
        os.environ.pop(name, None)  # slack_sdk ignores NO_PROXY; AsyncApp reads SLACK_*
    rates = [20] if args.quick else [int(r) for r in args.rates.split(",")]
    seconds = 2.0 if args.quick else args.seconds
    kinds = [k for k in ("dm", "press") if k in args.kinds.split(",")]
    replica_counts = sorted({int(c) for c in args.replicas.split(",")} & {1, 2})
    if not kinds or not replica_counts:
        parser.error("--kinds needs dm and/or press, --replicas 1 and/or 2")
    asyncio.run(run(rates, seconds, kinds, replica_counts, args.profile))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
