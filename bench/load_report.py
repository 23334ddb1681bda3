"""The figures of ``bench/load.py``: what one phase measured (:class:`Result`), and the table, the
CPU ratios and the two goals of issue 13 printed from them."""

from __future__ import annotations

import os
import sys
from collections import Counter
from dataclasses import dataclass, field

from bench.figures import percentile

WARM_UP = 1.0
TARGETS = {"bare": "bare AsyncApp", "1": "1 replica", "2": "2 replicas"}


@dataclass
class Result:
    sent: int = 0
    ok: int = 0
    late: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    throughput: float = 0.0
    cpu: float = float("nan")
    pg_cpu: float = float("nan")
    sessions: int = 0
    """Connections opened to the database (pg_stat_database.sessions; reported with a delay)."""
    posted: int | None = None
    remarks: int = 0
    answered: list[float] = field(default_factory=list)
    last_answer: float | None = None
    methods: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    """Answer users whose DM showed no button to press (a protocol press was sent instead)."""
    load_cpu: float = float("nan")
    fake_cpu: float = float("nan")


def report(results: dict[tuple[str, str, int], Result], rates: list[int], seconds: float, kinds: list[str],
           replica_counts: list[int], pg_version: str, problems: dict[str, Counter[str]]) -> None:
    print(f"\nSlack under load: open-loop signed requests to /slack/events, {seconds:g} s per rate after "
          f"{WARM_UP:g} s warm-up ({os.cpu_count()} CPUs, Python {sys.version.split()[0]}, PostgreSQL {pg_version}; "
          f"fake Slack, load and bare app in processes of their own)")
    print("  latency ms: scheduled send -> complete response; cpu, pg ms: the server process(es), all PostgreSQL "
          "processes, per event;\n  conns: connections opened to the database; posted: chat.postMessage/chat.update "
          "received by the fake (+r: remarks through a response_url);\n  answered ms: scheduled send -> the answer "
          "at the fake; last s: the last answer after the last scheduled request")
    row = "  {:<13} {:<5} {:>4} {:>5} {:>5} {:>4} {:>4} {:>6} {:>7} {:>7} {:>7} {:>6} {:>5} {:>5} {:>11} {:>7} {:>7} " \
          "{:>6}"
    print(row.format("target", "kind", "rate", "sent", "2xx", "err", ">3s", "thr/s", "p50", "p99", "max", "cpu", "pg",
                     "conns", "posted", "ans p50", "ans p99", "last"))
    nan = float("nan")
    for (target, kind, rate), r in results.items():
        lat, ans = r.latencies or [nan], r.answered or [nan]
        ours = r.posted is not None
        posted = f"{r.posted}/{r.sent}" + (f"+{r.remarks}r" if r.remarks else "") if ours else "-"
        print(row.format(TARGETS[target], kind, rate, r.sent, r.ok, sum(r.errors.values()), r.late,
                         f"{r.throughput:.1f}", f"{percentile(lat, .5):.1f}", f"{percentile(lat, .99):.1f}",
                         f"{max(lat):.1f}", f"{r.cpu:.2f}", f"{r.pg_cpu:.2f}", r.sessions, posted,
                         f"{percentile(ans, .5):.0f}" if ours else "-", f"{percentile(ans, .99):.0f}" if ours else "-",
                         f"{r.last_answer:+.2f}" if r.last_answer is not None else "-"))
    errors = {key: r.errors for key, r in results.items() if r.errors}
    for (target, kind, rate), found in errors.items():
        print(f"  errors {TARGETS[target]} {kind} {rate}/s: " + ", ".join(f"{k} {v}" for k, v in found.items()))
    for (target, kind, rate), r in results.items():
        if r.skipped:
            print(f"  {TARGETS[target]} {kind} {rate}/s: {r.skipped} answer users had no button to press")
    unmatched = [(key, r) for key, r in results.items() if r.posted is not None and len(r.answered) < r.ok]
    for (target, kind, rate), r in unmatched:
        print(f"  {TARGETS[target]} {kind} {rate}/s: {r.ok - len(r.answered)} answers not matched to their request "
              f"(calls: " + ", ".join(f"{m} {n}" for m, n in r.methods.items()) + ")")

    print()
    ratios: list[tuple[str, int, float]] = []
    if "press" in kinds:
        for rate in rates:
            bare = results["bare", "press", rate].cpu
            parts = []
            for count in replica_counts:
                ratio = results[str(count), "press", rate].cpu / bare if bare > 0 else float("inf")
                ratios.append((TARGETS[str(count)], rate, ratio))
                per_replica = f" ({results[str(count), 'press', rate].cpu / count:.2f} ms per replica)" \
                    if count > 1 else ""
                parts.append(f"{TARGETS[str(count)]} {results[str(count), 'press', rate].cpu:.2f} ms "
                             f"= {ratio:.1f}x{per_replica}")
            print(f"  CPU per press at {rate}/s: bare {bare:.2f} ms; " + "; ".join(parts))
    if "dm" in kinds:
        for rate in rates:
            bare = results["bare", "dm", rate].cpu
            print(f"  CPU per DM at {rate}/s: bare {bare:.2f} ms; " + "; ".join(
                f"{TARGETS[str(c)]} {results[str(c), 'dm', rate].cpu:.2f} ms = "
                f"{results[str(c), 'dm', rate].cpu / bare if bare > 0 else float('inf'):.1f}x" for c in replica_counts))
    if ratios:
        worst = max(ratios, key=lambda x: x[2])
        verdict = "met" if worst[2] <= 3 else "missed"
        print(f"  Goal: CPU per button press at most 3x the bare app: {verdict} "
              f"(highest {worst[2]:.1f}x, {worst[0]} at {worst[1]}/s)")
    else:
        print("  Goal: CPU per button press at most 3x the bare app: not measured (no presses)")
    two = results.get(("2", "dm", 150))
    if two is None:
        print("  Goal: 150 DMs/s on two replicas with p99 under 1 s: not measured (needs --rates with 150, "
              "--replicas with 2, --kinds with dm)")
    else:
        p99 = percentile(two.latencies or [float("inf")], .99)
        verdict = "met" if p99 < 1000 and not two.errors and two.ok == two.sent else "missed"
        answered = percentile(two.answered, .99) if two.answered else float("nan")
        print(f"  Goal: 150 DMs/s on two replicas with p99 under 1 s: {verdict} (p99 {p99:.0f} ms, "
              f"{sum(two.errors.values())} errors, throughput {two.throughput:.1f}/s; answers reached Slack "
              f"p99 {answered:.0f} ms after the send)")
    for name, found in problems.items():
        if found:
            print(f"  serve-{name} log: {sum(found.values())} warning/error lines: " + "; ".join(
                f"{line} x{n}" for line, n in found.most_common(5)))
        else:
            print(f"  serve-{name} log: no warnings or errors")
