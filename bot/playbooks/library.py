"""The set of valid playbooks the bot serves, in menu order."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from bot.playbooks.lint import lint_library
from bot.playbooks.loader import load_playbooks, sort_key
from bot.playbooks.schema import Playbook

log = logging.getLogger(__name__)


class PlaybookLibrary:
    def __init__(self, playbooks: Iterable[Playbook]) -> None:
        ordered = sorted(playbooks, key=lambda p: sort_key(p.id))
        self._by_id = {playbook.id: playbook for playbook in ordered}

    def get(self, playbook_id: str | None) -> Playbook | None:
        return self._by_id.get(playbook_id or "")

    def __iter__(self) -> Iterator[Playbook]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def ids(self) -> list[str]:
        return list(self._by_id)


def load_library(directory: Path) -> tuple[PlaybookLibrary, list[str]]:
    """Load every valid playbook; invalid ones are left out and their problems returned.

    A playbook with lint problems (a dead end, an unreachable step) is left out too:
    serving it could strand a teacher mid-conversation. A ``related:`` link to a missing
    playbook is reported but only hides that one button.
    """
    result = load_playbooks([directory]) if directory.exists() else None
    if result is None:
        return PlaybookLibrary([]), [f"{directory}: playbook directory not found"]
    blocking = list(result.problems) + lint_library(result.playbooks, check_links=False)
    bad_files = {problem.split(":", 1)[0] for problem in blocking}
    good = [item.playbook for item in result.playbooks if item.doc.file not in bad_files]
    # A link to a missing playbook only hides that button; the protocol itself stays.
    links = [p for p in lint_library(result.playbooks) if p not in blocking]
    problems = blocking + links
    for problem in problems:
        log.warning("playbook problem: %s", problem)
    return PlaybookLibrary(good), problems
