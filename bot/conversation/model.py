"""The learned router's model: what it was trained on, its file, and the pure-Python scorer.

``protocolwijzer train-router`` (:mod:`bot.conversation.training`, scikit-learn, the ``dev``
extra) fits a multinomial logistic regression on the playbooks' ``examples``, their
``triggers`` and ``_out_of_scope.yaml``, and writes ``_router_model.json`` beside the
playbooks. At run time this module reads that file and computes the same probabilities with
a dictionary lookup per feature and a softmax: no scikit-learn or numpy in the bot.

The file records a hash of everything that shaped it (:func:`source_hash`): the examples,
triggers and out-of-scope questions, the concept lexicon, the feature code and the stemmer
version. ``lint`` reports a model whose hash no longer matches as stale.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from bot.conversation import features as feature_code
from bot.conversation import textnorm
from bot.conversation.routing_decision import OUT_OF_SCOPE, Thresholds
from bot.playbooks.library import PlaybookLibrary
from bot.playbooks.schema import Playbook, TextList
from bot.yamlmarks import load_marked

MODEL_FILE = "_router_model.json"
OUT_OF_SCOPE_FILE = "_out_of_scope.yaml"
FORMAT = 1


@dataclass(frozen=True)
class TrainingSet:
    """What a model is trained on, per label: ``(text, weight)`` pairs."""

    texts: list[str]
    labels: list[str]
    weights: list[float]


def out_of_scope_questions(directory: Path) -> tuple[dict[str, list[str]], list[str]]:
    """``_out_of_scope.yaml``: ``{nl: [...], en: [...]}``, with problems as ``file:line``."""
    path = directory / OUT_OF_SCOPE_FILE
    if not path.exists():
        return {"nl": [], "en": []}, []
    doc = load_marked(path)
    if doc.problems:
        return {"nl": [], "en": []}, list(doc.problems)
    data = doc.data if isinstance(doc.data, dict) else {}
    problems, found = [], {}
    for lang in ("nl", "en"):
        items = data.get(lang)
        if not isinstance(items, list) or not all(isinstance(q, str) and q.strip() for q in items):
            problems.append(f"{doc.where((lang,)) if lang in data else doc.where(())}: '{lang}' must be a list "
                            "of questions")
            items = []
        found[lang] = [q.strip() for q in items]
    return found, problems


def training_set(library: PlaybookLibrary, out_of_scope: dict[str, list[str]], *,
                 trigger_weight: float = 1.0) -> TrainingSet:
    """Every example (weight 1), every trigger (``trigger_weight``: a word, not a situation) and
    every out-of-scope question, in a fixed order."""
    items: list[tuple[str, str, float]] = []
    for playbook in library:
        for lang in ("nl", "en"):
            items += [(text, playbook.id, 1.0) for text in (playbook.examples.get(lang) if playbook.examples else [])]
            items += [(text, playbook.id, trigger_weight) for text in playbook.triggers.get(lang)]
    for lang in ("nl", "en"):
        items += [(text, OUT_OF_SCOPE, 1.0) for text in out_of_scope.get(lang, [])]
    texts, labels, weights = [t for t, _, _ in items], [label for _, label, _ in items], [w for _, _, w in items]
    return TrainingSet(texts, labels, weights)


def stemmer_version() -> str:
    try:
        return metadata.version("snowballstemmer")
    except metadata.PackageNotFoundError:  # pragma: no cover - a broken install
        return "unknown"


def source_hash(library: PlaybookLibrary, out_of_scope_file: Path | None) -> str:
    """A hash of what the model is made from; a different hash means the model is stale. The
    out-of-scope file counts as written (its bytes), so checking needs no second YAML parse."""
    data = training_set(library, {})
    concepts = {name: {"nl": words.nl, "en": words.en} for name, words in sorted(library.concepts.items())}
    digest = hashlib.sha256()
    for part in (
        json.dumps([data.texts, data.labels, data.weights], ensure_ascii=False).encode("utf-8"),
        out_of_scope_file.read_bytes() if out_of_scope_file is not None and out_of_scope_file.exists() else b"",
        json.dumps(concepts, ensure_ascii=False, sort_keys=True).encode("utf-8"),
        Path(feature_code.__file__).read_bytes(),
        f"features {feature_code.FEATURE_VERSION}; snowballstemmer {stemmer_version()}".encode(),
    ):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def lint_model(directory: Path, playbooks: list[Playbook], concepts: dict[str, TextList]) -> list[str]:
    """``lint``'s view of the model beside the playbooks: present, readable and current, and no
    out-of-scope question that is also a playbook's example. A directory whose playbooks have
    no examples is routed by trigger words and needs no model."""
    out_of_scope, problems = out_of_scope_questions(directory)
    if not any(playbook.examples for playbook in playbooks):
        return problems
    examples = {" ".join(textnorm.tokens(text)) for playbook in playbooks if playbook.examples
                for lang in ("nl", "en") for text in playbook.examples.get(lang)}
    for lang in ("nl", "en"):
        for index, text in enumerate(out_of_scope.get(lang, [])):
            if " ".join(textnorm.tokens(text)) in examples:
                problems.append(f"{directory / OUT_OF_SCOPE_FILE}: {lang}[{index}] is also a playbook's example")
    path = directory / MODEL_FILE
    if not path.exists():
        return [*problems, f"{path}:1: no router model: run protocolwijzer train-router"]
    try:
        recorded = json.loads(path.read_text(encoding="utf-8")).get("source_hash")
    except (OSError, ValueError, AttributeError):
        return [*problems, f"{path}:1: the router model is unreadable: run protocolwijzer train-router"]
    library = PlaybookLibrary(playbooks, concepts, directory)
    if recorded != source_hash(library, directory / OUT_OF_SCOPE_FILE):
        problems.append(f"{path}:1: the router model is stale (examples, triggers, out-of-scope questions, "
                        "concepts, feature code or stemmer version changed): run protocolwijzer train-router")
    return problems


def is_current(model: Model, library: PlaybookLibrary) -> bool:
    """Whether ``model`` was trained on what ``library``'s directory holds now."""
    if library.directory is None:
        return False
    return model.source_hash == source_hash(library, library.directory / OUT_OF_SCOPE_FILE)


class Model:
    """The trained weights, ready to score a question."""

    def __init__(self, data: dict[str, Any], library: PlaybookLibrary) -> None:
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown model format {data.get('format')!r}")
        self.labels: list[str] = list(data["labels"])
        self.bias: list[float] = [float(b) for b in data["bias"]]
        # Tuples of floats, not lists: the garbage collector stops tracking them, so a full
        # collection does not walk 20,000 rows in the middle of someone's question.
        self.weights: dict[str, tuple[int, ...]] = {name: tuple(row) for name, row in data["weights"].items()}
        #: The weights are stored as integers: a row's sum is divided by this once.
        self.weight_scale = float(data.get("weight_scale", 1))
        self.source_hash: str = str(data["source_hash"])
        t = data["thresholds"]
        self.thresholds = Thresholds(float(t["open"]), float(t["lead"]), float(t["choose"]), float(t["menu"]),
                                     float(t.get("keep", 1.0)))
        self.concepts = feature_code.ConceptMatcher(
            {name: {"nl": words.nl, "en": words.en} for name, words in library.concepts.items()}
        )

    @classmethod
    def load(cls, directory: Path, library: PlaybookLibrary) -> Model | None:
        path = directory / MODEL_FILE
        if not path.exists():
            return None
        return cls(json.loads(path.read_text(encoding="utf-8")), library)

    def probabilities(self, text: str) -> dict[str, float]:
        """Every label's probability (they sum to 1), the out-of-scope class included."""
        found = feature_code.features(text, self.concepts)
        # Features of one kind share one value: sum their rows column by column (in C, through
        # zip and sum), then scale once. A 1,000-character story has a few thousand features.
        rows: dict[float, list[tuple[int, ...]]] = {}
        get = self.weights.get
        for name, value in found.items():
            row = get(name)
            if row is not None:
                rows.setdefault(value, []).append(row)
        scores = list(self.bias)
        for value, same in rows.items():
            value /= self.weight_scale
            scores = [s + value * total for s, total in zip(scores, map(sum, zip(*same, strict=True)), strict=True)]
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        return {label: e / total for label, e in zip(self.labels, exp, strict=True)}
