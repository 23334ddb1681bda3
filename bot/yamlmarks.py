"""Load YAML into plain Python data while remembering the line of every node.

PyYAML's composed node tree carries a start mark per node; we construct the data
ourselves from that tree so that every path (``("steps", 3, "actor")``) maps to the
line where it was written. Validation errors can then be reported as ``file:line``.

Two things differ from ``yaml.safe_load`` on purpose:

* Only ``true``/``false`` are booleans. YAML 1.1 would turn an option id ``yes`` or
  ``no`` into a boolean, a classic trap for playbook authors.
* Duplicate mapping keys are reported instead of silently overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader whose booleans are only true/false (YAML 1.2 core schema style)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass
class MarkedDocument:
    """Data loaded from one YAML file plus the line of each path in it."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    foreign: dict[Path_, str] = field(default_factory=dict)
    """``file:line`` of paths whose data came from another file (an included module)."""

    def where(self, path: Path_) -> str:
        """``file:line`` of ``path``, or of its nearest ancestor that has one."""
        probe = tuple(path)
        while probe:
            if probe in self.foreign:
                return self.foreign[probe]
            if probe in self.lines:
                return f"{self.file}:{self.lines[probe]}"
            probe = probe[:-1]
        return f"{self.file}:{self.lines.get((), 1)}"


def format_path(path: Path_) -> str:
    """``("steps", 3, "actor")`` -> ``steps[3].actor``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def load_marked(path: Path, display: str | None = None) -> MarkedDocument:
    """Read one YAML file. Syntax errors become ``problems``, never exceptions."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return MarkedDocument(name, None, problems=[f"{name}:1: cannot read file: {exc}"])
    return load_marked_text(text, name)


def load_marked_text(text: str, name: str) -> MarkedDocument:
    doc = MarkedDocument(name, None)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            doc.problems.append(f"{name}:1: the file is empty")
            return doc
        doc.data = _construct(loader, node, (), doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        doc.problems.append(f"{name}:{line}: YAML syntax error: {exc.problem or exc}")
    except yaml.YAMLError as exc:
        doc.problems.append(f"{name}:1: YAML error: {exc}")
    finally:
        loader.dispose()
    return doc


def _construct(loader: _Loader, node: yaml.Node, path: Path_, doc: MarkedDocument) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                doc.problems.append(f"{doc.file}:{key_node.start_mark.line + 1}: keys must be plain text")
                continue
            key = str(key) if not isinstance(key, str) else key
            child = (*path, key)
            if key in result:
                doc.problems.append(
                    f"{doc.file}:{key_node.start_mark.line + 1}: {format_path(child)}: duplicate key '{key}'"
                )
            doc.lines[child] = key_node.start_mark.line + 1
            result[key] = _construct(loader, value_node, child, doc)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = (*path, index)
            doc.lines[child] = item.start_mark.line + 1
            items.append(_construct(loader, item, child, doc))
        return items
    return loader.construct_object(node, deep=True)
