"""Print which mandatory inventory items (status M) each playbook cites.

    python bench/coverage.py [--playbooks DIR] [--inventory FILE]

Exit status 1 when an item is not covered, so it can gate a release.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.playbooks.coverage import coverage, load_mandatory, table  # noqa: E402
from bot.playbooks.library import load_library  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--playbooks", type=Path, default=ROOT / "playbooks")
    parser.add_argument("--inventory", type=Path, default=ROOT / "tests/data/inventory.yaml")
    args = parser.parse_args()
    library, problems = load_library(args.playbooks)
    if problems:
        print(f"warning: {len(problems)} playbook problem(s); run protocolwijzer lint", file=sys.stderr)
    rows = coverage(library, load_mandatory(args.inventory))
    print(table(rows))
    return 0 if all(row.covered for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
