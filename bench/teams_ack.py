"""Teams: invoke answer latency under steady load, and the time to open an incident.

Part 1. ``adaptiveCard/action`` invokes go to ``/api/messages`` open-loop at their scheduled times
(50/s, then 100/s; ``--seconds`` each after 1 s of warm-up and, once, an uncounted first press per
user), latency from the scheduled start to the complete response. Each is a press by one of 500
staff in their personal chat on a protocol button of the menu card (``pw1:<v>:pick:<playbook>``,
``v`` from the card their previous answer showed): a database write and the protocol's first card
as the invoke's answer (``--press open``: the channel menu's button, whose card goes out through
the connector). Ours is the real app (``create_teams`` + ``start_teams`` on ``build_core``, SQLite,
graph mode, anonymous, workers running); the reference a bare Agents SDK ``AgentApplication`` +
``CloudAdapter`` answering a small fixed card behind the SDK's JWT middleware. Load, app and fakes
are three processes. Printed: sent, 200s, errors, throughput, p50/p99/max, server CPU per press
(all threads; event loop), full GCs, for ours card answers, connector calls, worker rounds, SQL
statements; ours/bare and the goals (p50 <= 1.5x bare; p99 < 100 ms at 100/s).

Part 2 (``bench/teams_incident.py``). With 100 ms added to every fake call, one background round that
opens an incident is timed in both incident-space modes, its calls shown in waves. Goal: <= 3x one call.

    python bench/teams_ack.py [--seconds 20] [--rates 50,100] [--incident-runs 5] [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import json
import logging
import os
import re
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any
from unittest.mock import patch

import aiohttp
from aiohttp import web
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from microsoft_agents.activity import Activity, ActivityTypes, InvokeResponse  # noqa: E402
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_middleware, start_agent_process  # noqa: E402
from microsoft_agents.hosting.core import AgentApplication, ApplicationOptions, MemoryStorage, TurnState  # noqa: E402

from adapters.teams.app import MAX_BODY, MESSAGES_PATH, create_teams, start_teams  # noqa: E402
from adapters.teams.auth import static_connections  # noqa: E402
from adapters.teams.config import TeamsConfig  # noqa: E402
from bench.figures import percentile, print_profile  # noqa: E402
from bench.teams_incident import incidents  # noqa: E402
from bot.app import build_core  # noqa: E402
from bot.conversation import payloads  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.adapters.teams import world as tw  # noqa: E402
from tests.adapters.teams.conftest import TEAMS_VARIABLES  # noqa: E402
from tests.conftest import PLAYBOOKS  # noqa: E402
from tests.fakes import teams_activities as a  # noqa: E402
from tests.fakes import teams_connector as fake_connector  # noqa: E402
from tests.fakes.graph import GRAPH_TOKEN, FakeGraph  # noqa: E402
from tests.fakes.teams_connector import FakeConnector, TeamsUser  # noqa: E402

PRESSED = ("naaktbeeld-sexting", "cyberpesten", "roddelaccount")
WARM_UP = 1.0
CARD = "application/vnd.microsoft.card.adaptive"
BARE_ANSWER = {"statusCode": 200, "type": CARD, "value": {
    "type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "version": "1.5",
    "body": [{"type": "TextBlock", "text": "Ontvangen", "wrap": True}]}}
def bench_users(fake: FakeConnector | None = None) -> list[TeamsUser]:
    """The same 500 staff (ids derive from the UPN) in every process."""
    fake = fake or FakeConnector()
    return [fake.add_user(f"collega{i:03d}@{tw.SCHOOL}", f"Collega {i}") for i in range(1, 501)]


# -- the child processes: the fake connector + Graph, our app, the bare app ---------------------------------
async def start_fakes() -> tuple[FakeConnector, FakeGraph, dict[str, str]]:
    """tests/adapters/teams/world.py's school, with the 500 in its staff team."""
    teams = FakeConnector()
    graph = FakeGraph(teams)
    await teams.start()
    await graph.start()
    people = {role: teams.add_user(f"{mail}@{tw.SCHOOL}", name) for role, mail, name in (
        ("teacher", "l.peters", "Lotte Peters"), ("vp", "j.devries", "Jan de Vries"),
        ("zorg", "m.bakker", "Mieke Bakker"), ("directie", "a.jansen", "Anne Jansen"),
        ("board", "secretariaat", "Bestuurssecretariaat"), ("mentor", "mentor", "Mentor"))}
    bench_users(teams)
    safety = teams.add_team("Veiligheidsteam", [people[r] for r in ("vp", "zorg", "directie")], channels=["Incidenten"])
    staff = teams.add_team("Team", list(teams.users.values()), channels=["Team"])
    graph.publish_app(tw.APP_ID)
    school = tw.school_yaml("graph", people, tw.link(safety.channel("Incidenten"), "Incidenten"), staff.channel("Team"))
    return teams, graph, {"url": teams.url, "graph": graph.url, "school": school}


async def serve(kind: str, setup: dict[str, str], profile: str) -> None:
    """Print one JSON line when ready, then answer one JSON line of figures per line on stdin until EOF."""
    main, full_gcs, gc_started, counts = threading.main_thread().ident or 0, [], [0.0], Counter[str]()
    config = TeamsConfig(app_id=tw.APP_ID, tenant_id=tw.TENANT, anonymous=True, service_url=setup.get("url", ""),
                         allowed_service_urls=(setup.get("url", ""),), graph_url=setup.get("graph", ""))
    async with contextlib.AsyncExitStack() as stack:
        if kind == "fake":
            patch.object(fake_connector, "card_problems", lambda card: []).start()  # see the module docstring
            teams, graph, ready = await start_fakes()
            stack.push_async_callback(teams.close)
            stack.push_async_callback(graph.close)
        elif kind == "ours":
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            (Path(tmp) / "school.yaml").write_text(setup["school"], encoding="utf-8")
            core = await build_core(Settings(database_url=f"sqlite+aiosqlite:///{tmp}/teams.db",
                                             playbooks_dir=PLAYBOOKS, school_config=Path(tmp) / "school.yaml"))
            stack.push_async_callback(core.close)
            service = create_teams(core, config, manager=static_connections(config, token=GRAPH_TOKEN))
            runner = await start_teams(service, "127.0.0.1", 0)
            workers = core.workers
            assert workers is not None, "the bench school has a directory"
            run_once = workers.run_once

            async def counted() -> int:
                counts["rounds"] += 1
                return await run_once()

            workers.run_once = counted  # type: ignore[method-assign]  # the running loop looks it up each round
            event.listen(core.db.sync_engine, "before_cursor_execute", lambda *_: counts.update(("sql",)))
        else:
            runner = web.AppRunner(bare_app(config), access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
        if kind != "fake":
            stack.push_async_callback(runner.cleanup)
            ready = {"url": f"http://127.0.0.1:{runner.addresses[0][1]}"}

        def timed(phase: str, info: dict[str, int]) -> None:
            if info["generation"] == 2 and phase == "start":
                gc_started[0] = time.perf_counter()
            elif info["generation"] == 2:
                full_gcs.append((time.perf_counter() - gc_started[0]) * 1000)

        def figures() -> Any:
            if kind == "fake":
                return len(teams.calls) + len(graph.calls)
            return {"cpu": time.process_time(), "loop_cpu": time.clock_gettime(time.pthread_getcpuclockid(main)),
                    "full_gcs": full_gcs, "rounds": counts["rounds"], "sql": counts["sql"]}

        # As `protocolwijzer serve` does once it listens: what start loaded stays out of full collections.
        gc.collect()
        gc.freeze()
        gc.callbacks.append(timed)
        print(json.dumps(ready), flush=True)
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        while await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline):
            print(json.dumps(figures()), flush=True)
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)


def bare_app(config: TeamsConfig) -> web.Application:
    """The SDK as its samples use it, minus the pitfalls in teams-notes.md: no typing timer, no "no app id"
    warning logged per turn, NotAppKeyWarning (the JWT middleware stores the claims under a str key) ignored."""
    logging.getLogger("microsoft_agents.hosting.core.connector.client.user_token_client").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=web.NotAppKeyWarning)
    manager = static_connections(config)
    adapter = CloudAdapter(connection_manager=manager)
    agent: AgentApplication[TurnState] = AgentApplication(
        ApplicationOptions(storage=MemoryStorage(), bot_app_id=config.app_id, start_typing_timer=False),
        connection_manager=manager)

    @agent.invoke("adaptiveCard/action")
    async def answer(context: Any, _state: Any) -> None:
        await context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                             value=InvokeResponse(status=200, body=BARE_ANSWER)))

    async def messages(request: web.Request) -> web.StreamResponse:
        return await start_agent_process(request, agent, adapter) or web.Response(status=202)

    web_app = web.Application(middlewares=[jwt_authorization_middleware], client_max_size=MAX_BODY)
    web_app["agent_configuration"] = manager.get_default_connection_configuration()
    web_app.router.add_post(MESSAGES_PATH, messages)
    return web_app


class Child:
    def __init__(self, process: asyncio.subprocess.Process, ready: dict[str, Any]) -> None:
        self.process, self.ready, self.url = process, ready, ready["url"]

    @classmethod
    async def start(cls, kind: str, setup: dict[str, str], *args: str) -> Child:
        process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--serve", kind, json.dumps(setup), *args, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, limit=2**20)
        assert process.stdout is not None
        return cls(process, json.loads(await process.stdout.readline()))

    async def ask(self) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(b"stats\n")
        return json.loads(await self.process.stdout.readline())

    async def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        await self.process.wait()


# -- part 1: invoke answers ---------------------------------------------------------------------------------
class Presser:
    """Builds each press when it is due, from what the user sees then: the version of the card the
    previous answer showed them (a press with an older version would only get "stale button")."""

    def __init__(self, users: list[TeamsUser], service_url: str, kind: str) -> None:
        self.users, self.service_url, self.kind = users, service_url, kind
        self.version = {user.aad_id: 0 for user in users}
        self.card_id = {user.aad_id: a.new_message_id() for user in users}

    def body(self, i: int) -> tuple[str, bytes]:
        user, playbook = self.users[i % len(self.users)], PRESSED[i % len(PRESSED)]
        data = {"pw": "open", "p": playbook, "o": ""} if self.kind == "open" else {
            "pw": "p", "p": payloads.encode(self.version[user.aad_id], "pick", playbook), "o": user.aad_id}
        activity = a.card_action(user, a.personal(user), verb="pw", data=data, reply_to_id=self.card_id[user.aad_id],
                                 service_url=self.service_url)
        return user.aad_id, json.dumps(activity).encode()

    def answered(self, who: str, body: bytes) -> bool:
        """Whether the answer is a card; the user's version becomes the card's."""
        if shown := [int(v) for v in re.findall(rb'"pw1:(\d+):', body)]:
            self.version[who] = max(shown)
        answer = json.loads(body) if body else None
        return isinstance(answer, dict) and answer.get("type") == CARD


async def post(session: aiohttp.ClientSession, url: str, presser: Presser, i: int) -> tuple[int, bool]:
    who, body = presser.body(i)
    async with session.post(url + MESSAGES_PATH, data=body, headers={"Content-Type": "application/json"}) as response:
        return response.status, presser.answered(who, await response.read())


async def introduce(session: aiohttp.ClientSession, url: str, presser: Presser, parallel: int = 8) -> None:
    """Each user's first press, a few at a time and uncounted: the bot looks a new person up once."""
    async def some(first: int) -> None:
        for i in range(first, len(presser.users), parallel):
            assert (await post(session, url, presser, i))[0] == 200, "a first press failed"

    await asyncio.gather(*(some(first) for first in range(parallel)))


async def load(session: aiohttp.ClientSession, url: str, presser: Presser, count: int, rate: float,
               first: int = 0) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    start = last = loop.time() + 0.05
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    cards = [0]

    async def one(i: int, due: float) -> None:
        nonlocal last
        await asyncio.sleep(due - loop.time())
        try:
            status, card = await post(session, url, presser, first + i)
        except (aiohttp.ClientError, TimeoutError) as exc:
            errors[type(exc).__name__] += 1
            return
        if status != 200:
            errors[f"HTTP {status}"] += 1
            return
        last = max(last, loop.time())
        latencies.append((loop.time() - due) * 1000)
        cards[0] += card

    await asyncio.gather(*(one(i, start + i / rate) for i in range(count)))
    return {"sent": count, "ok": len(latencies), "errors": dict(errors), "latencies": latencies, "cards": cards[0],
            "throughput": len(latencies) / max(last - start, count / rate)}


async def measure(session: aiohttp.ClientSession, app: Child, fake: Child, presser: Presser, rate: int,
                  seconds: float) -> dict[str, Any]:
    async def settled() -> tuple[dict[str, Any], int]:
        await asyncio.sleep(0.3)  # the workers' round woken by the last press
        return await app.ask(), await fake.ask()

    await load(session, app.url, presser, int(rate * WARM_UP), rate)
    (before, calls), sent = await settled(), int(rate * seconds)
    result = await load(session, app.url, presser, sent, rate, first=int(rate * WARM_UP))
    after, calls_after = await settled()
    per_press = {key: (after[key] - before[key]) * (1000 if "cpu" in key else 1) / sent
                 for key in ("cpu", "loop_cpu", "sql")}
    return {**result, **per_press, "calls": calls_after - calls, "rounds": after["rounds"] - before["rounds"],
            "full_gcs": after["full_gcs"][len(before["full_gcs"]):]}


async def invokes(rates: list[int], seconds: float, profile: str, kind: str) -> None:
    fake = await Child.start("fake", {})
    setup = {"url": fake.url, "graph": fake.ready["graph"], "school": fake.ready["school"]}
    ours = await Child.start("ours", setup, *(["--profile", profile] if profile else []))
    bare = await Child.start("bare", setup)
    apps = {name: (child, Presser(bench_users(), fake.url, kind)) for name, child in (("bare", bare), ("ours", ours))}
    results: dict[tuple[str, int], dict[str, Any]] = {}
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                         timeout=aiohttp.ClientTimeout(total=30)) as session:
            for child, presser in apps.values():
                await introduce(session, child.url, presser)
            for rate in rates:
                for name, (child, presser) in apps.items():
                    results[name, rate] = await measure(session, child, fake, presser, rate, seconds)
    finally:
        for child in (ours, bare, fake):
            await child.stop()

    print(f"Invoke answer latency, open-loop adaptiveCard/action ({kind} presses), {seconds:g} s per rate "
          f"({os.cpu_count()} CPUs, Python {sys.version.split()[0]})")
    for (name, rate), r in results.items():
        lat, gcs = r["latencies"] or [float("nan")], r["full_gcs"]
        print(f"  {rate:>4}/s {'protocolwijzer' if name == 'ours' else 'bare Agents SDK':<15} sent {r['sent']:>5}  "
              f"200 {r['ok']:>5}  errors {r['errors'] or 0}  throughput {r['throughput']:6.1f}/s  "
              f"p50 {percentile(lat, .5):6.1f}  p99 {percentile(lat, .99):6.1f}  max {max(lat):6.1f} ms  "
              f"cpu {r['cpu']:.2f} ms/press (loop {r['loop_cpu']:.2f})  full GCs {len(gcs)}"
              + (f" (max {max(gcs):.0f} ms)" if gcs else "")
              + (f"  card answers {r['cards']}/{r['sent']}  connector calls {r['calls']}  worker rounds "
                 f"{r['rounds']}  SQL {r['sql']:.1f}/press" if name == "ours" else ""))
    for rate in rates:
        ours_lat, bare_lat = results["ours", rate]["latencies"], results["bare", rate]["latencies"]
        if not (ours_lat and bare_lat):
            continue
        ratio, p99 = percentile(ours_lat, .5) / percentile(bare_lat, .5), percentile(ours_lat, .99)
        print(f"  {rate:>4}/s ours/bare: p50 {ratio:.2f}x  p99 {p99 / percentile(bare_lat, .99):.2f}x;  "
              f"goal p50 <= 1.5x bare: {'PASS' if ratio <= 1.5 else 'MISS'}"
              + (f";  goal p99 < 100 ms: {'PASS' if p99 < 100 else 'MISS'} ({p99:.1f})" if rate == 100 else ""))
    if profile:
        presses = sum(r["sent"] for (name, _), r in results.items() if name == "ours")
        print_profile(profile, presses, what="Our app's process (the whole run)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per rate")
    parser.add_argument("--rates", default="50,100", help="presses per second, comma-separated")
    parser.add_argument("--incident-runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every fake call (part 2)")
    parser.add_argument("--profile", default="", help="cProfile our app's process into this file and summarise it")
    parser.add_argument("--press", choices=("pick", "open"), default="pick", help="the button pressed (part 1)")
    parser.add_argument("--only", choices=("ack", "incident"), help="run one part")
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "SETUP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    for name in TEAMS_VARIABLES:
        os.environ.pop(name, None)  # the shell's proxies and TEAMS_* are not the bench's
    if args.serve:
        asyncio.run(serve(args.serve[0], json.loads(args.serve[1]), args.profile))
        return 0
    if args.only != "incident":
        asyncio.run(invokes([int(r) for r in args.rates.split(",")], args.seconds, args.profile, args.press))
    if args.only != "ack":
        asyncio.run(incidents(args.incident_runs, args.latency))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
