"""Load playbooks from YAML into validated models, reporting ``file:line: message``.

A broken playbook never raises out of here: problems are collected and returned, so
the bot can start with the playbooks that are valid and the linter can print them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from bot.playbooks import schema
from bot.playbooks.modules import ModuleSet, expand_includes, load_modules
from bot.playbooks.problems import validation_problems
from bot.yamlmarks import MarkedDocument, load_marked

#: The order the menu shows; playbooks not listed here follow alphabetically.
CANONICAL_ORDER = (
    "naaktbeeld-sexting",
    "sextortion-chantage",
    "roddelaccount",
    "cyberpesten",
    "online-bedreiging",
    "beeldpesten",
    "hack-nepaccount",
    "docent-meme",
    "medewerker-grensoverschrijdend",
    "preventie-beleid",
)


@dataclass
class LoadedPlaybook:
    playbook: schema.Playbook
    doc: MarkedDocument


@dataclass
class LoadResult:
    playbooks: list[LoadedPlaybook] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    concepts: dict[str, schema.TextList] = field(default_factory=dict)


def parse_playbook(doc: MarkedDocument, modules: ModuleSet | None = None) -> tuple[schema.Playbook | None, list[str]]:
    if doc.problems:
        return None, list(doc.problems)
    if not isinstance(doc.data, dict):
        return None, [f"{doc.file}:1: a playbook must be a mapping with id, title, steps, ..."]
    include_problems = expand_includes(doc, modules or ModuleSet())
    if include_problems:
        return None, include_problems
    try:
        return schema.Playbook.model_validate(doc.data), []
    except ValidationError as exc:
        return None, validation_problems(doc, exc)


CONCEPTS_FILE = "_concepts.yaml"


def playbook_files(paths: list[Path]) -> list[Path]:
    """Expand directories to their playbooks: ``*.yaml``/``*.yml`` not starting with ``_``."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir()
                                if p.suffix in (".yaml", ".yml") and not p.name.startswith("_")))
        else:
            files.append(path)
    return files


def concepts_files(paths: list[Path]) -> list[Path]:
    """The concept lexicons that belong to these playbook paths (one per directory)."""
    dirs = {path if path.is_dir() else path.parent for path in paths}
    return sorted(d / CONCEPTS_FILE for d in dirs if (d / CONCEPTS_FILE).exists())


def load_concepts(paths: list[Path]) -> tuple[dict[str, schema.TextList], list[str]]:
    """Merge the concept lexicons next to the given playbooks; problems as ``file:line``."""
    concepts: dict[str, schema.TextList] = {}
    problems: list[str] = []
    for path in concepts_files(paths):
        doc = load_marked(path)
        if doc.problems:
            problems.extend(doc.problems)
            continue
        try:
            parsed = schema.Concepts.model_validate({"concepts": doc.data})
        except ValidationError as exc:
            problems.extend(line.replace(": concepts.", ": ", 1) for line in validation_problems(_unwrap(doc), exc))
            continue
        concepts.update(parsed.concepts)
    return concepts, problems


def _unwrap(doc: MarkedDocument) -> MarkedDocument:
    """Line marks for a document validated under a synthetic ``concepts`` key."""
    lines = {("concepts", *path): line for path, line in doc.lines.items()}
    return MarkedDocument(doc.file, doc.data, lines | doc.lines)


def load_playbooks(paths: list[Path]) -> LoadResult:
    """Load and validate each file; file-level checks only (see ``lint`` for the rest)."""
    result = LoadResult()
    result.concepts, result.problems = load_concepts(paths)
    modules, module_problems = load_modules(paths)
    result.problems.extend(module_problems)
    for path in playbook_files(paths):
        doc = load_marked(path)
        playbook, problems = parse_playbook(doc, modules)
        result.problems.extend(problems)
        if playbook is None:
            continue
        if path.stem != playbook.id:
            result.problems.append(
                f"{doc.where(('id',))}: id '{playbook.id}' must match the file name '{path.name}'"
            )
        result.playbooks.append(LoadedPlaybook(playbook, doc))
    return result


def sort_key(playbook_id: str) -> tuple[int, str]:
    if playbook_id in CANONICAL_ORDER:
        return (CANONICAL_ORDER.index(playbook_id), playbook_id)
    return (len(CANONICAL_ORDER), playbook_id)
