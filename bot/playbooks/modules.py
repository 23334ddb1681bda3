"""Shared modules: steps written once in ``_modules.yaml`` and included by playbooks.

Evidence handling, reporting to a platform, talking with the class, parents, media and
aftercare recur across protocols. Copying them into ten files lets them drift apart;
instead a playbook step says ``include: platform-melden`` and may override the parts
that differ per playbook (``id``, ``when``, ``actor``, ``escalate``, ``related``,
``briefing``). Inclusion happens on the YAML data before validation, and each included
key keeps the ``file:line`` of the module it came from, so problems point to the right
file.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError, field_validator

from bot.playbooks import schema
from bot.playbooks.problems import validation_problems
from bot.yamlmarks import MarkedDocument, load_marked

MODULES_FILE = "_modules.yaml"

#: Keys a playbook may set next to ``include:`` (everything else comes from the module).
OVERRIDABLE = frozenset({"id", "when", "actor", "escalate", "related", "briefing"})


class Module(schema._Model):
    """A step without the parts that belong to the including playbook."""

    title: schema.Text
    actor: Annotated[list[schema.Slug], BeforeValidator(schema._as_list), Field(min_length=1)]
    text: schema.Text
    escalate: schema.Escalation | None = None
    related: list[schema.Slug] = []
    sources: Annotated[list[str], Field(min_length=1)]

    _sources = field_validator("sources")(lambda sources: schema.check_sources(sources))


class ModuleSet:
    """The modules available to the playbooks of one directory."""

    def __init__(self, data: dict[str, Any] | None = None, doc: MarkedDocument | None = None,
                 broken: set[str] | None = None) -> None:
        self.data = data or {}
        self.doc = doc
        self.broken = broken or set()
        """Modules with problems of their own: reported once, in ``_modules.yaml``."""

    def __contains__(self, module_id: str) -> bool:
        return module_id in self.data


def modules_file(paths: list[Path]) -> Path | None:
    for path in paths:
        folder = path if path.is_dir() else path.parent
        if (folder / MODULES_FILE).exists():
            return folder / MODULES_FILE
    return None


def load_modules(paths: list[Path]) -> tuple[ModuleSet, list[str]]:
    """Load and check ``_modules.yaml`` next to the given playbooks (if there is one)."""
    path = modules_file(paths)
    if path is None:
        return ModuleSet(), []
    doc = load_marked(path)
    if doc.problems:
        return ModuleSet(), doc.problems
    if not isinstance(doc.data, dict):
        return ModuleSet(), [f"{doc.file}:1: modules must be a mapping of module id to step fields"]
    problems: list[str] = []
    bad: set[str] = set()
    for module_id, body in doc.data.items():
        if not isinstance(body, dict):
            problems.append(f"{doc.where((module_id,))}: module '{module_id}' must be a mapping of step fields")
            bad.add(module_id)
            continue
        try:
            Module.model_validate(body)
        except ValidationError as exc:
            problems.extend(validation_problems(doc, exc, prefix=(module_id,)))
            bad.add(module_id)
    valid = {k: v for k, v in doc.data.items() if k not in bad}
    return ModuleSet(valid, doc, bad), problems


def expand_includes(doc: MarkedDocument, modules: ModuleSet) -> list[str]:
    """Replace ``include:`` steps in ``doc.data`` by their module, in place."""
    steps = doc.data.get("steps") if isinstance(doc.data, dict) else None
    if not isinstance(steps, list):
        return []
    problems = []
    for index, item in enumerate(steps):
        if not (isinstance(item, dict) and "include" in item):
            continue
        module_id = item["include"]
        if isinstance(module_id, str) and module_id in modules.broken:
            problems.append(f"{doc.where(('steps', index, 'include'))}: module '{module_id}' has problems; "
                            f"see {MODULES_FILE}")
            continue
        if not isinstance(module_id, str) or module_id not in modules:
            known = ", ".join(sorted(modules.data)) or "none defined"
            problems.append(f"{doc.where(('steps', index, 'include'))}: unknown module '{module_id}' "
                            f"(modules in {MODULES_FILE}: {known})")
            continue
        extra = sorted(set(item) - OVERRIDABLE - {"include"})
        if extra:
            problems.append(f"{doc.where(('steps', index, extra[0]))}: '{extra[0]}' cannot be set next to include; "
                            f"a playbook may set {', '.join(sorted(OVERRIDABLE))}")
            continue
        merged = copy.deepcopy(modules.data[module_id])
        merged["id"] = module_id
        merged.update({key: value for key, value in item.items() if key != "include"})
        steps[index] = merged
        assert modules.doc is not None
        for path, line in modules.doc.lines.items():
            if path[:1] == (module_id,) and len(path) > 1 and path[1] not in item:
                doc.foreign[("steps", index, *path[1:])] = f"{modules.doc.file}:{line}"
    return problems
