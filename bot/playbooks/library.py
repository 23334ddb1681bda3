"""The set of valid playbooks the bot serves, in menu order."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from bot.playbooks import contacts
from bot.playbooks.lint import lint_contacts, lint_library
from bot.playbooks.loader import CONCEPTS_FILE, load_playbooks, sort_key
from bot.playbooks.schema import Playbook, TextList

log = logging.getLogger(__name__)


class PlaybookLibrary:
    def __init__(self, playbooks: Iterable[Playbook], concepts: Mapping[str, TextList] | None = None,
                 directory: Path | None = None) -> None:
        ordered = sorted(playbooks, key=lambda p: sort_key(p.id))
        self._by_id = {playbook.id: playbook for playbook in ordered}
        self.concepts: dict[str, TextList] = dict(concepts or {})
        #: Where the playbooks were read from: the router's model lives beside them.
        self.directory = directory

    def get(self, playbook_id: str | None) -> Playbook | None:
        return self._by_id.get(playbook_id or "")

    def __iter__(self) -> Iterator[Playbook]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def ids(self) -> list[str]:
        return list(self._by_id)

    def for_jurisdiction(self, jurisdiction: str | None) -> list[Playbook]:
        """The playbooks that apply in ``nl`` or ``vl`` (all when it is not known)."""
        return [p for p in self._by_id.values() if jurisdiction is None or jurisdiction in p.jurisdiction]

    def ids_for(self, jurisdiction: str | None) -> list[str]:
        return [p.id for p in self.for_jurisdiction(jurisdiction)]


def _concepts_prefix(directory: Path) -> str:
    return f"{directory / CONCEPTS_FILE}:"


def load_library(directory: Path) -> tuple[PlaybookLibrary, list[str]]:
    """Load every valid playbook; invalid ones are left out and their problems returned.

    A playbook with lint problems (a dead end, an unreachable step) is left out too:
    serving it could strand a teacher mid-conversation; so is one that mentions a phone
    number or web address that is not on the verified list. Problems that cannot strand
    anyone (a ``related:`` link to a missing playbook, an unknown concept) are reported
    but only disable that link or trigger combination.
    """
    result = load_playbooks([directory]) if directory.exists() else None
    if result is None:
        return PlaybookLibrary([]), [f"{directory}: playbook directory not found"]
    blocking = [p for p in result.problems if not p.startswith(_concepts_prefix(directory))]
    blocking += lint_library(result.playbooks, check_links=False)
    # Safety rule 5: a playbook with an unverified phone number or address is not served.
    contact_list, contact_problems = contacts.load_contacts([directory])
    blocking += contact_problems
    for item in result.playbooks:
        blocking += lint_contacts(item, contact_list)
    bad_files = {problem.split(":", 1)[0] for problem in blocking}
    good = [item.playbook for item in result.playbooks if item.doc.file not in bad_files]
    # A link to a missing playbook only hides that button, an unknown concept only that
    # trigger combination, a broken concept lexicon only routing by concepts.
    soft = [p for p in result.problems if p not in blocking]
    soft += [p for p in lint_library(result.playbooks, concepts=set(result.concepts)) if p not in blocking]
    problems = blocking + soft
    for problem in problems:
        log.warning("playbook problem: %s", problem)
    return PlaybookLibrary(good, result.concepts, directory), problems
