"""Pydantic validation errors as friendly ``file:line: path: message`` lines."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.playbooks import schema
from bot.yamlmarks import MarkedDocument, format_path


def _all_keys(models: list[type[BaseModel]]) -> set[str]:
    return {name for model in models for name in model.model_fields}


_KNOWN_KEYS = _all_keys(
    [schema.Playbook, schema.Question, schema.Option, schema.Step, schema.Escalation, schema.Briefing,
     schema.Text, schema.TextList, schema.Concepts]
)


_PATTERN_NAMES = {
    schema.SLUG_PATTERN: "a valid id (lowercase letters, digits and '-')",
    schema.DURATION_PATTERN: "a duration like 15m, 2h or 1d",
    schema.CLOCK_PATTERN: "a time like 08:00",
}


def validation_problems(
    doc: MarkedDocument, error: ValidationError, prefix: tuple[str | int, ...] = ()
) -> list[str]:
    """Turn pydantic's errors into friendly ``file:line: path: message`` lines.

    ``prefix`` is where the validated data sits in ``doc`` (e.g. one module of a file).
    """
    errors = [(prefix + tuple(p for p in item["loc"] if isinstance(p, int | str)), item) for item in error.errors()]
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


