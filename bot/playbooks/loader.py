"""Load playbooks from YAML into validated models, reporting ``file:line: message``.

A broken playbook never raises out of here: problems are collected and returned, so
the bot can start with the playbooks that are valid and the linter can print them all.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.playbooks import schema
from bot.yamlmarks import MarkedDocument, format_path, load_marked

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


def _all_keys(models: list[type[BaseModel]]) -> set[str]:
    return {name for model in models for name in model.model_fields}


_KNOWN_KEYS = _all_keys(
    [schema.Playbook, schema.Question, schema.Option, schema.Step, schema.Escalation, schema.Briefing,
     schema.Text, schema.TextList]
)


_PATTERN_NAMES = {
    schema.SLUG_PATTERN: "a valid id (lowercase letters, digits and '-')",
    schema.DURATION_PATTERN: "a duration like 15m, 2h or 1d",
    schema.CLOCK_PATTERN: "a time like 08:00",
}


@dataclass
class LoadedPlaybook:
    playbook: schema.Playbook
    doc: MarkedDocument


@dataclass
class LoadResult:
    playbooks: list[LoadedPlaybook] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    concepts: dict[str, schema.TextList] = field(default_factory=dict)


def validation_problems(doc: MarkedDocument, error: ValidationError) -> list[str]:
    """Turn pydantic's errors into friendly ``file:line: path: message`` lines."""
    errors = [(tuple(p for p in item["loc"] if isinstance(p, int | str)), item) for item in error.errors()]
    # A misspelt key also makes the real one "missing"; the unknown-key line says it all.
    misspelt = {
        (loc[:-1], hint)
        for loc, item in errors
        if item["type"] == "extra_forbidden"
        for hint in difflib.get_close_matches(str(loc[-1]), sorted(_KNOWN_KEYS), n=1)
    }
    return [
        f"{doc.where(loc)}: {_describe(loc, item)}"
        for loc, item in errors
        if not (item["type"] == "missing" and (loc[:-1], loc[-1]) in misspelt)
    ]


def _describe(loc: tuple[str | int, ...], item: Any) -> str:
    where = format_path(loc)
    kind = item["type"]
    last = loc[-1] if loc else ""
    if kind == "missing" and last in schema.LANGS:
        parent = format_path(loc[:-1])
        return f"{parent}: missing translation '{last}' (every user-facing text needs nl and en)"
    if kind == "missing":
        return f"{where}: required field '{last}' is missing"
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(str(last), sorted(_KNOWN_KEYS), n=1)
        suffix = f" (did you mean '{hint[0]}'?)" if hint else ""
        return f"{where}: unknown key '{last}'{suffix}"
    if kind == "string_pattern_mismatch":
        expected = _PATTERN_NAMES.get(item.get("ctx", {}).get("pattern", ""), "the expected format")
        return f"{where}: '{item['input']}' is not {expected}"
    message = str(item["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"


def parse_playbook(doc: MarkedDocument) -> tuple[schema.Playbook | None, list[str]]:
    if doc.problems:
        return None, list(doc.problems)
    if not isinstance(doc.data, dict):
        return None, [f"{doc.file}:1: a playbook must be a mapping with id, title, steps, ..."]
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
    for path in playbook_files(paths):
        doc = load_marked(path)
        playbook, problems = parse_playbook(doc)
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
