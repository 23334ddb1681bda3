"""What the bench scripts share: percentiles and a cProfile summary by package."""

from __future__ import annotations

import pstats
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_PATTERNS = (r"site-packages/([^/]+)", rf"{re.escape(str(ROOT))}/(\w+/\w+)", r"python3\.\d+/(\w+)")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def print_profile(path: str, presses: int, *, what: str = "Our app's process") -> None:
    """Own time by package (cProfile slows everything down, calls most; the shares are what counts)."""
    own: Counter[str] = Counter()
    for (filename, _, function), (_, _, own_time, _, _) in pstats.Stats(path).stats.items():  # type: ignore[attr-defined]
        if "epoll" not in function:  # waiting, not working
            found = (re.search(pattern, filename) for pattern in PACKAGE_PATTERNS)
            own[next((m.group(1) for m in found if m), re.sub(r" at 0x\w+", "", function))] += own_time
    total = sum(own.values())
    print(f"\n{what} under cProfile ({path}): {total * 1000 / presses:.1f} ms own time per measured press; by package:")
    for group, seconds in own.most_common(15):
        print(f"  {100 * seconds / total:5.1f}%  {group}")
