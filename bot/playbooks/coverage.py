"""Which mandatory inventory items each playbook cites (issue 3's coverage rule).

An inventory item with status M (a legal duty or prohibition) whose incident type a
playbook covers must be cited by at least one of that playbook's steps. Items of type
ALG (general) apply to every playbook.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.playbooks.library import PlaybookLibrary


@dataclass(frozen=True)
class Mandatory:
    id: str
    types: frozenset[str]
    text: str


@dataclass(frozen=True)
class Row:
    playbook: str
    item: str
    cited_by: tuple[str, ...]

    @property
    def covered(self) -> bool:
        return bool(self.cited_by)


def load_mandatory(inventory: Path) -> list[Mandatory]:
    data = yaml.safe_load(inventory.read_text(encoding="utf-8"))
    codes = {long: code for code, long in data["legend"]["incident_types"].items()}
    codes["general"] = "ALG"
    mandatory_status = data["legend"]["status"]["M"]
    return [
        Mandatory(item["id"], frozenset(codes.get(t, t) for t in item["incident_types"]), item["nl"])
        for item in data["items"]
        if item["status"] == mandatory_status
    ]


def coverage(library: PlaybookLibrary, mandatory: list[Mandatory]) -> list[Row]:
    rows = []
    for playbook in library:
        types = set(playbook.incident_types) | {"ALG"}
        for item in mandatory:
            if item.types & types:
                citing = tuple(step.id for step in playbook.steps if item.id in step.sources)
                rows.append(Row(playbook.id, item.id, citing))
    return rows


def table(rows: list[Row]) -> str:
    """A Markdown table: playbook, item, the steps that cite it (or MISSING)."""
    out = ["| playbook | mandatory item | cited by |", "| --- | --- | --- |"]
    for row in rows:
        out.append(f"| {row.playbook} | {row.item} | {', '.join(row.cited_by) if row.covered else '**MISSING**'} |")
    missing = sum(1 for row in rows if not row.covered)
    out.append("")
    out.append(f"{len(rows) - missing}/{len(rows)} mandatory citations covered")
    return "\n".join(out)
