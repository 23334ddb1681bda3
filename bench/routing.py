"""Routing quality and speed on sample questions.

Prints top-1 and top-3 accuracy per question set, the out-of-scope questions that were
wrongly routed, and the p50/p99 time per question. Questions whose expected playbook is
not in the library are counted separately (they cannot be answered yet).

    python bench/routing.py [--playbooks DIR] [--repeat N] [SET.yaml ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.conversation.router import Router  # noqa: E402
from bot.playbooks.library import load_library  # noqa: E402

DEFAULT_SETS = [ROOT / "tests/data/dev_questions.yaml", ROOT / "tests/data/extra_questions.yaml"]
OUT_OF_SCOPE = ROOT / "tests/data/out_of_scope.yaml"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, default=DEFAULT_SETS)
    parser.add_argument("--playbooks", type=Path, default=ROOT / "playbooks")
    parser.add_argument("--repeat", type=int, default=20, help="timing repetitions per question")
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()

    library, problems = load_library(args.playbooks)
    if problems:
        print(f"warning: {len(problems)} playbook problem(s); run protocolwijzer lint", file=sys.stderr)
    router = Router(library)
    known = set(library.ids())
    print(f"playbooks loaded: {len(known)}")
    timings: list[float] = []

    for path in args.sets:
        questions = yaml.safe_load(path.read_text(encoding="utf-8"))
        top1 = top3 = opened = answerable = 0
        misses = []
        for item in questions:
            expected = set(item["expect"])
            matches = router.rank(item["q"])
            ranked = [m.playbook for m in matches]
            if not expected & known:
                continue
            answerable += 1
            if ranked[:1] and ranked[0] in expected:
                top1 += 1
                opened += router.pick(matches) == ranked[0]
            else:
                misses.append((item["q"], sorted(expected), ranked[:3]))
            if expected & set(ranked[:3]):
                top3 += 1
        skipped = len(questions) - answerable
        print(f"\n{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
              f"{answerable} answerable question(s), {skipped} for playbooks not loaded")
        if answerable:
            print(f"  top-1 accuracy: {top1 / answerable:6.1%} ({top1}/{answerable})")
            print(f"  top-3 accuracy: {top3 / answerable:6.1%} ({top3}/{answerable})")
            print(f"  opened directly (correct and confident): {opened / answerable:6.1%} ({opened}/{answerable})")
        if args.verbose:
            for question, expected, ranked in misses:
                print(f"  miss: {question!r} expected {expected} got {ranked}")

    out = yaml.safe_load(OUT_OF_SCOPE.read_text(encoding="utf-8"))
    wrong = [(item["q"], [m.playbook for m in router.rank(item["q"])]) for item in out]
    wrong = [(q, r) for q, r in wrong if r]
    print(f"\nout of scope: {len(out) - len(wrong)}/{len(out)} correctly unmatched")
    for question, ranked in wrong:
        print(f"  wrongly matched: {question!r} -> {ranked}")

    all_questions = [item["q"] for path in args.sets for item in yaml.safe_load(path.read_text(encoding="utf-8"))]
    all_questions += [item["q"] for item in out]
    for question in all_questions:
        for _ in range(args.repeat):
            started = time.perf_counter()
            router.rank(question)
            timings.append((time.perf_counter() - started) * 1000)
    print(f"\ntime per question over {len(timings)} runs: p50 {statistics.median(timings):.2f} ms, "
          f"p99 {percentile(timings, 0.99):.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
