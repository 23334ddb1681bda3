"""Slack: acknowledgement latency under steady load, and the time to open an incident.

Part 1. Signed ``block_actions`` requests go to ``/slack/events`` open-loop, each at its
scheduled time (50/s, then 100/s; ``--seconds`` each after 1 s of uncounted warm-up); latency
runs from the scheduled start to the complete response. Each is a press on a protocol button
(``open.<n>``, a playbook id) of the Home tab our app publishes, by one of 500 users, with a
fresh trigger_id: half on the Home tab, half on the same buttons in the user's DM (with a
fresh response_url). The app is the real one in HTTP mode (``create_slack`` on ``build_core``,
SQLite in a temp dir, the Slack tests' demo school, workers running as in production): each
press starts that protocol for the user (a database write) and posts the answer with
``chat.postMessage`` after the ack. The reference is a bare ``AsyncApp`` whose one listener
only acknowledges, mounted the same way. The load, the app and the fake Web API run in three
processes, so only the app's own work is in the measured event loop. Printed per app and
rate: sent, 200s, errors, throughput, p50/p99/max ms, the server's CPU per press (all threads;
its event loop alone), full garbage collections, answers posted; then ours/bare and the goals
(p99 < 100 ms at 100/s; p50 <= 1.5x bare).

Part 2. With the fake adding 100 ms to every Web API call, a teacher reports an incident over
signed requests (as tests/adapters/slack/test_journey.py does); then one background round
(``workers.run_once``: private channel, invites, card, the coordinators' DMs) is timed, its
calls shown in waves of calls in flight together, and its effects checked. Goal: <= 3x latency.

    python bench/slack_ack.py [--seconds 30] [--rates 50,100] [--incident-runs 5] [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request  # noqa: E402
from slack_bolt.async_app import AsyncAck, AsyncApp  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from adapters.slack.app import EVENTS_PATH, MAX_BODY, create_slack, start_slack  # noqa: E402
from adapters.slack.config import SlackConfig, make_client  # noqa: E402
from bench.figures import percentile, print_profile  # noqa: E402
from bot.app import build_core  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.adapters.slack import world as sw  # noqa: E402
from tests.adapters.slack.test_journey import QUESTION, REPORT, answer_triage  # noqa: E402
from tests.conftest import PLAYBOOKS  # noqa: E402
from tests.fakes import slack_payloads as p  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402

USERS = [f"UBENCH{i:04d}" for i in range(1, 501)]
PRESSED = ("naaktbeeld-sexting", "cyberpesten", "roddelaccount")
WARM_UP = 1.0
# -- the child processes: the fake Web API, our app, the bare app -------------------------------------------
async def serve(kind: str, api_url: str, profile: str) -> None:
    """Print one JSON line when ready, then answer one JSON line per command on stdin until EOF."""
    main, full_gcs, gc_started = threading.main_thread().ident, [], [0.0]
    busy: Any = lambda: 0  # noqa: E731
    if kind == "fake":
        fake = FakeSlack()
        await fake.start()
        for user in USERS:
            fake.add_user(user, user.lower())
            fake.dm_id(user)
        print(json.dumps({"url": fake.url, "base": fake.base}), flush=True)
    elif kind == "ours":
        tmp = tempfile.TemporaryDirectory()
        (Path(tmp.name) / "school.yaml").write_text(sw.SCHOOL_YAML, encoding="utf-8")
        core = await build_core(Settings(database_url=f"sqlite+aiosqlite:///{tmp.name}/slack.db",
                                         playbooks_dir=PLAYBOOKS, school_config=Path(tmp.name) / "school.yaml"))
        service = create_slack(core, SlackConfig("xoxb-test-token", "", sw.SECRET, api_url),
                               client=make_client("xoxb-test-token", api_url, timeout=5))
        runner = await start_slack(service, "127.0.0.1", 0)
        busy = lambda: service.listeners._busy + len(service.listeners._tasks)  # noqa: E731
    else:
        runner = web.AppRunner(bare_app(api_url))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()

    def timed(phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2 and phase == "start":
            gc_started[0] = time.perf_counter()
        elif info["generation"] == 2:
            full_gcs.append((time.perf_counter() - gc_started[0]) * 1000)

    def answer(command: list[str]) -> Any:
        if kind == "fake":
            return fake.home.get(command[1], {}) if command[0] == "home" else len(fake.calls_to("chat.postMessage"))
        return {"cpu": time.process_time(), "loop_cpu": time.clock_gettime(time.pthread_getcpuclockid(main)),
                "busy": busy(), "full_gcs": full_gcs}

    if kind != "fake":
        gc.callbacks.append(timed)
        print(json.dumps({"url": f"http://127.0.0.1:{runner.addresses[0][1]}"}), flush=True)
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    while line := await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline):
        print(json.dumps(answer(line.split())), flush=True)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    await (fake.close() if kind == "fake" else runner.cleanup())
    if kind == "ours":
        await core.close()
        tmp.cleanup()


def bare_app(api_url: str) -> web.Application:
    """A Bolt app that acknowledges every button and DM and does nothing else, mounted as ours is
    (the baseline here and in bench/load.py)."""
    app = AsyncApp(signing_secret=sw.SECRET, client=AsyncWebClient(token="xoxb-test", base_url=api_url))

    @app.action(re.compile(".*"))
    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    @app.event("message")
    async def only_acked() -> None:  # Bolt acknowledges events itself
        return None

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    web_app = web.Application(client_max_size=MAX_BODY)
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_post(EVENTS_PATH, events)
    return web_app


class Child:
    def __init__(self, process: asyncio.subprocess.Process, ready: dict[str, Any]) -> None:
        self.process, self.ready, self.url = process, ready, ready["url"]

    @classmethod
    async def start(cls, *args: str) -> Child:
        process = await asyncio.create_subprocess_exec(sys.executable, __file__, "--serve", *args,
                                                       stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        assert process.stdout is not None
        return cls(process, json.loads(await process.stdout.readline()))

    async def ask(self, *command: str) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write((" ".join(command) + "\n").encode())
        return json.loads(await self.process.stdout.readline())

    async def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        await self.process.wait()


# -- part 1: acknowledgements ---------------------------------------------------------------------------------
def presses(count: int, home: dict[str, Any], fake_base: str, tag: str) -> list[tuple[bytes, dict[str, str]]]:
    found = [(block, e) for block in home["blocks"] if block["type"] == "actions" for e in block["elements"]
             if e.get("value") in PRESSED]
    assert len(found) == len(PRESSED), "the Home tab lacks a pressed protocol"
    out = []
    for i in range(count):
        user, (block, element) = USERS[i % len(USERS)], found[i % len(found)]
        common: dict[str, Any] = {"action_id": element["action_id"], "value": element["value"],
                                  "block_id": block["block_id"], "trigger_id": f"{i}.{int(time.time())}.{tag}",
                                  "button_text": element["text"]["text"], "user_name": user.lower()}
        if i % 2:
            payload = p.block_actions(user, container_type="view", view={**home, "id": f"VH{user[1:]}"}, **common)
        else:
            payload = p.block_actions(user, channel="D" + user[1:], message_ts=f"1700000000.{i:06d}",
                                      response_url=f"{fake_base}/response_url/{tag}{i}", message_blocks=[block],
                                      message_text="Protocollen", **common)
        body = p.interactive_body(payload)
        out.append((body.encode(), {**p.sign(body, sw.SECRET), "content-type": p.FORM}))
    return out


async def load(session: aiohttp.ClientSession, url: str, requests: list[tuple[bytes, dict[str, str]]],
               rate: float) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    start = last = loop.time() + 0.05
    latencies: list[float] = []
    errors: Counter[str] = Counter()

    async def one(due: float, body: bytes, headers: dict[str, str]) -> None:
        nonlocal last
        await asyncio.sleep(due - loop.time())
        try:
            async with session.post(url + EVENTS_PATH, data=body, headers=headers) as response:
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            errors[type(exc).__name__] += 1
            return
        if response.status != 200:
            errors[f"HTTP {response.status}"] += 1
            return
        last = max(last, loop.time())
        latencies.append((loop.time() - due) * 1000)

    await asyncio.gather(*(one(start + i / rate, body, headers) for i, (body, headers) in enumerate(requests)))
    return {"sent": len(requests), "ok": len(latencies), "errors": dict(errors), "latencies": latencies,
            "throughput": len(latencies) / max(last - start, len(requests) / rate)}


async def measure(session: aiohttp.ClientSession, app: Child, fake: Child, home: dict[str, Any], rate: int,
                  seconds: float, tag: str) -> dict[str, Any]:
    async def settled() -> tuple[dict[str, Any], int]:
        while (await app.ask("stats"))["busy"]:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # the workers' round woken by the last press
        return await app.ask("stats"), await fake.ask("posts")

    await load(session, app.url, presses(int(rate * WARM_UP), home, fake.ready["base"], f"w{tag}"), rate)
    before, posts = await settled()
    result = await load(session, app.url, presses(int(rate * seconds), home, fake.ready["base"], tag), rate)
    after, posts_after = await settled()
    per_press = {key: (after[key] - before[key]) * 1000 / result["sent"] for key in ("cpu", "loop_cpu")}
    gcs = after["full_gcs"][len(before["full_gcs"]):]
    return {**result, **per_press, "posted": posts_after - posts, "full_gcs": gcs}


async def acknowledgements(rates: list[int], seconds: float, profile: str) -> None:
    fake = await Child.start("fake", "")
    ours = await Child.start("ours", fake.url, *(["--profile", profile] if profile else []))
    bare = await Child.start("bare", fake.url)
    results: dict[tuple[str, int], dict[str, Any]] = {}
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                         timeout=aiohttp.ClientTimeout(total=10)) as session:
            for child in (ours, bare):
                async with session.get(child.url + "/healthz") as health:
                    assert health.status == 200, f"{child.url} is not healthy"
            # The Home tab as our app publishes it, sent back by Slack with every press on it.
            body = p.json_body(p.event_callback(p.app_home_opened(USERS[0])))
            status, _ = await p.post_signed(session, ours.url + EVENTS_PATH, body, sw.SECRET, content_type=p.JSON)
            assert status == 200, status
            while not (home := await fake.ask("home", USERS[0])):
                await asyncio.sleep(0.05)
            for rate in rates:
                for name, child in (("bare", bare), ("ours", ours)):
                    results[name, rate] = await measure(session, child, fake, home, rate, seconds, f"{name}{rate}.")
    finally:
        for child in (ours, bare, fake):
            await child.stop()

    print(f"Acknowledgement latency, open-loop signed block_actions, {seconds:g} s per rate "
          f"({os.cpu_count()} CPUs, Python {sys.version.split()[0]})")
    for (name, rate), r in results.items():
        lat, gcs = r["latencies"] or [float("nan")], r["full_gcs"]
        print(f"  {rate:>4}/s {'protocolwijzer' if name == 'ours' else 'bare AsyncApp':<15} sent {r['sent']:>5}  "
              f"200 {r['ok']:>5}  errors {r['errors'] or 0}  throughput {r['throughput']:6.1f}/s  "
              f"p50 {percentile(lat, .5):6.1f}  p99 {percentile(lat, .99):6.1f}  max {max(lat):6.1f} ms  "
              f"cpu {r['cpu']:.2f} ms/press (loop {r['loop_cpu']:.2f})  full GCs {len(gcs)}"
              + (f" (max {max(gcs):.0f} ms)" if gcs else "")
              + (f"  answers posted {r['posted']}/{r['sent']}" if name == "ours" else ""))
    for rate in rates:
        ours_lat, bare_lat = results["ours", rate]["latencies"], results["bare", rate]["latencies"]
        if not (ours_lat and bare_lat):
            continue
        ratio, p99 = percentile(ours_lat, .5) / percentile(bare_lat, .5), percentile(ours_lat, .99)
        print(f"  {rate:>4}/s ours/bare: p50 {ratio:.2f}x  p99 {p99 / percentile(bare_lat, .99):.2f}x;  "
              f"goal p50 <= 1.5x bare: {'met' if ratio <= 1.5 else 'NOT met'}"
              + (f";  goal p99 < 100 ms: {'met' if p99 < 100 else 'NOT met'}" if rate == 100 else ""))
    if profile:
        presses = sum(r["sent"] for (name, _), r in results.items() if name == "ours")
        print_profile(profile, presses, what="Our app's event loop")


# -- part 2: opening an incident ------------------------------------------------------------------------------
async def open_incident(latency: float) -> tuple[float, list[tuple[float, Any]]]:
    with tempfile.TemporaryDirectory() as tmp:
        fake = FakeSlack()
        fake.latency = latency
        world = await sw.open_world(Path(tmp), fake=fake)
        try:
            await world.dm(sw.TEACHER, QUESTION)
            steps = await answer_triage(world, sw.TEACHER)
            await world.press(sw.TEACHER, sw.find(steps, "Meld bij coördinator", fake.dm_id(sw.TEACHER)))
            assert (await world.submit(sw.TEACHER, REPORT))[0] == 200
            assert world.core.workers is not None
            first, started = len(fake.calls), time.monotonic()
            await world.core.workers.run_once()
            seconds = time.monotonic() - started
            # The confirmation comes through the outbox, in the round just timed.
            found = re.search(r"Incident (\d{4}-\d{4}) is gemeld", sw.text_of(world.latest(sw.TEACHER)))
            assert found, "no confirmation with the incident number"
            number, channel = found.group(1), fake.channel_by_name(f"incident-{found.group(1)}")
            assert channel is not None and channel.is_private and {sw.VP, sw.DIRECTIE} <= fake.members(channel.id)
            assert number in sw.text_of(fake.messages_in(channel.id)[0]), "no card in the channel"
            for coordinator in (sw.VP, sw.DIRECTIE):
                assert number in sw.text_of(world.latest(coordinator)), f"no DM to {coordinator}"
            return seconds, [(c.at - started, c) for c in fake.calls[first:]]
        finally:
            await sw.close_world(world)


async def incidents(runs: int, latency: float) -> None:
    results = [await open_incident(latency) for _ in range(runs)]
    seconds = [s for s, _ in results]
    median, worst = statistics.median(seconds), max(seconds)
    print(f"\nOpening an incident (one background round), {latency * 1000:.0f} ms per Web API call, {runs} runs")
    print(f"  total: median {median * 1000:.0f} ms, max {worst * 1000:.0f} ms = {median / latency:.2f}x / "
          f"{worst / latency:.2f}x the latency; goal <= 3x: {'met' if worst / latency <= 3 else 'NOT met'}")
    calls = sorted(results[0][1], key=lambda c: c[0])
    counts = Counter(c.method for _, c in calls)
    print(f"  calls in the first run: {len(calls)} (" + ", ".join(f"{m} {n}" for m, n in counts.items()) + ")")
    waves: list[list[tuple[float, Any]]] = []
    for at, call in calls:  # a call that starts while the first of a wave is in flight is part of it
        if not waves or at - waves[-1][0][0] >= latency / 2:
            waves.append([])
        waves[-1].append((at, call))
    for n, wave in enumerate(waves, 1):
        shown = [f"{c.method}({c.args.get('name') or c.args.get('users') or c.args.get('channel', '')})"
                 for _, c in wave]
        print(f"  wave {n} sent at +{wave[0][0] * 1000:.0f} ms: " + " | ".join(shown))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds per rate")
    parser.add_argument("--rates", default="50,100", help="presses per second, comma-separated")
    parser.add_argument("--incident-runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every Web API call (part 2)")
    parser.add_argument("--profile", default="", help="cProfile our app's process into this file and summarise it")
    parser.add_argument("--only", choices=("ack", "incident"), help="run one part")
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "API_URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    for name in (*sw.PROXY_VARIABLES, *sw.SLACK_VARIABLES):
        os.environ.pop(name, None)  # slack_sdk ignores NO_PROXY; AsyncApp reads SLACK_*
    if args.serve:
        asyncio.run(serve(args.serve[0], args.serve[1], args.profile))
        return 0
    if args.only != "incident":
        asyncio.run(acknowledgements([int(r) for r in args.rates.split(",")], args.seconds, args.profile))
    if args.only != "ack":
        asyncio.run(incidents(args.incident_runs, args.latency))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
