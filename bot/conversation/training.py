"""``protocolwijzer train-router``: fit the learned router and write ``_router_model.json``.

A development tool (scikit-learn, the ``dev`` extra); the bot itself only reads the JSON
(:mod:`bot.conversation.model`). Steps:

1. The training set: every playbook's ``examples``, its ``triggers`` at half weight, and
   ``_out_of_scope.yaml`` as a class of its own.
2. Five folds of the examples: each fold's probabilities come from a model trained on the
   other four (triggers always in). On those held-out probabilities the regularisation and the
   five thresholds (open, lead, choose, menu, keep) are chosen: opening a wrong protocol directly is
   the worst outcome, so at most 2% may be opened wrongly and a wrong "open" costs three missed
   ones, and at least 85% of the held-out out-of-scope examples (near misses on purpose) must
   reach the menu. Questions given with ``--tune-on`` (the repository's own samples) are a second
   set the thresholds must suit, with 90% of its out-of-scope questions to the menu; they are
   never trained on.
3. The final model on everything, rounded and pruned, with the source hash.

Nothing from ``routing_eval.yaml`` is read here: it measures wording the router never saw.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.conversation import features as feature_code
from bot.conversation.model import (
    FORMAT,
    MODEL_FILE,
    OUT_OF_SCOPE_FILE,
    out_of_scope_questions,
    source_hash,
    training_set,
)
from bot.conversation.routing_decision import OUT_OF_SCOPE, Thresholds, decide
from bot.playbooks.library import load_library

C_GRID = (10.0, 30.0)
FOLDS = 5
#: Cost of opening a wrong protocol, in missed "right within one tap" questions, and the most
#: wrong openings a set may show (the goal of issue 14 on unseen wording).
WRONG_OPEN_COST = 3.0
MAX_WRONG_OPEN = 0.02
#: What opening the right protocol at once is worth over offering it among buttons: a teacher in
#: a hurry reads the guidance without a tap, and "Bedoel je…?" on a plain "er gaat een naaktfoto
#: rond" would look as if the bot did not understand. (At 0.1 the tuning opened that one no more,
#: for half a point of one tap on held-out examples.)
OPEN_BONUS = 1.0
#: The share of out-of-scope questions that must reach the menu: 90% of the project's own sample
#: questions (``--tune-on``; everyday questions, as the goal of issue 14 has them), 85% of the
#: held-out out-of-scope examples. Those were written as near misses on purpose (phone rules as a
#: timetable question, a lesson on another subject, the homework policy), harder than what staff
#: ask; held to 90% as well, the tuning sent a fair share of policy and lesson questions to the
#: menu (the right protocol was among the buttons of "Bedoel je…?" for 92.1% of the held-out
#: examples, against 93.6% at 85%). An out-of-scope question that gets "Bedoel je…?" is one tap
#: on "Iets anders" from the menu.
MIN_OUT_OF_SCOPE_TO_MENU = 0.9
MIN_NEAR_MISSES_TO_MENU = 0.85
#: Weights smaller than this are left out of the file: they move no probability visibly.
PRUNE = 0.01
#: Weights are written as integers in thousandths: a fifth smaller, and read twice as fast.
WEIGHT_SCALE = 1000
DIGITS = 3
MIN_TEXTS = 3


@dataclass
class Held:
    """Held-out probabilities of the examples, with their true labels."""

    probabilities: list[dict[str, float]]
    labels: list[str]


def _fit(texts: Sequence[str], labels: Sequence[str], weights: Sequence[float], c: float,
         concepts: feature_code.ConceptMatcher) -> tuple[Any, Any]:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform([feature_code.features(t, concepts) for t in texts])
    # A feature seen in one training text only (a rare n-gram, a name) is noise to the model
    # and weight in the file: keep those seen at least MIN_TEXTS times.
    seen = (x > 0).sum(axis=0).A1
    vectorizer.restrict([count >= MIN_TEXTS for count in seen])
    x = vectorizer.transform([feature_code.features(t, concepts) for t in texts])
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    model.fit(x, list(labels), sample_weight=list(weights))
    return vectorizer, model


def _held_out(texts: list[str], labels: list[str], weights: list[float], c: float,
              concepts: feature_code.ConceptMatcher) -> Held:
    """Out-of-fold probabilities of the examples and out-of-scope questions (weight 1)."""
    examples = [i for i, w in enumerate(weights) if w == 1.0]
    always = [i for i, w in enumerate(weights) if w != 1.0]
    order = examples[:]
    random.Random(14).shuffle(order)
    held = Held([{} for _ in examples], [labels[i] for i in examples])
    position = {index: n for n, index in enumerate(examples)}
    for fold in range(FOLDS):
        test = order[fold::FOLDS]
        chosen = set(test)
        train = [i for i in examples if i not in chosen] + always
        vectorizer, model = _fit([texts[i] for i in train], [labels[i] for i in train],
                                 [weights[i] for i in train], c, concepts)
        x = vectorizer.transform([feature_code.features(texts[i], concepts) for i in test])
        for index, row in zip(test, model.predict_proba(x), strict=True):
            held.probabilities[position[index]] = dict(zip(model.classes_, map(float, row), strict=True))
    return held


def score(held: Held, thresholds: Thresholds) -> dict[str, float]:
    """The figures bench/routing.py reports, on held-out probabilities."""
    counts = {"right_open": 0, "one_tap": 0, "wrong_open": 0, "in_scope": 0, "oos": 0, "oos_menu": 0}
    for probabilities, label in zip(held.probabilities, held.labels, strict=True):
        decision, ranked = decide(probabilities, thresholds)
        if label == OUT_OF_SCOPE:
            counts["oos"] += 1
            counts["oos_menu"] += decision == "menu"
            continue
        counts["in_scope"] += 1
        if decision == "open":
            counts["right_open" if ranked[0] == label else "wrong_open"] += 1
            counts["one_tap"] += ranked[0] == label
        elif decision == "choose":
            counts["one_tap"] += label in ranked
    n, o = max(1, counts["in_scope"]), max(1, counts["oos"])
    return {"one_tap": counts["one_tap"] / n, "wrong_open": counts["wrong_open"] / n,
            "open": (counts["right_open"] + counts["wrong_open"]) / n, "oos_menu": counts["oos_menu"] / o}


#: The grid the thresholds are chosen from (see :class:`~bot.conversation.routing_decision.Thresholds`).
GRID = {
    "open": (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98),
    "lead": (0.2, 0.3, 0.4, 0.5, 0.6),
    "choose": (0.05, 0.1, 0.15, 0.2, 0.3),
    "menu": (0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 1.0),
    "keep": (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0),
}


class _Columns:
    """One held-out set as numpy columns, so that the 12,600 combinations of the grid are scored
    in seconds: the likeliest protocol's probability, the runner-up's, "out of scope"'s, whether
    the likeliest is right and whether the right one is among the buttons of a choice."""

    def __init__(self, held: Held) -> None:
        import numpy as np

        rows = []
        for probabilities, label in zip(held.probabilities, held.labels, strict=True):
            _, offered = decide(probabilities, Thresholds(open=2.0, lead=0.0, choose=0.0, menu=2.0))
            ranked = sorted((p for name, p in probabilities.items() if name != OUT_OF_SCOPE), reverse=True)
            rows.append((ranked[0], ranked[1] if len(ranked) > 1 else 0.0, probabilities.get(OUT_OF_SCOPE, 0.0),
                         bool(offered) and offered[0] == label, label in offered, label == OUT_OF_SCOPE))
        first, second, outside, right, offered_right, out = (np.array(column) for column in zip(*rows, strict=True))
        self.first, self.second, self.outside = first, second, outside
        self.right, self.offered_right, self.out, self.inside = right, offered_right, out, ~out
        self.n_in, self.n_out = max(1, int(self.inside.sum())), max(1, int(out.sum()))

    def figures(self, t: Thresholds) -> dict[str, float]:
        """What :func:`score` gives, computed on the columns (the same rule as ``decide``)."""
        opened = (self.first >= t.open) & (self.first - self.second >= t.lead) & (self.first > self.outside)
        menu = ~opened & ((self.first < t.choose) | ((self.outside >= t.menu) & (self.first < t.keep)))
        chosen = ~opened & ~menu
        one_tap = ((opened & self.right) | (chosen & self.offered_right)) & self.inside
        return {"one_tap": float(one_tap.sum()) / self.n_in,
                "wrong_open": float((opened & ~self.right & self.inside).sum()) / self.n_in,
                "open": float((opened & self.inside).sum()) / self.n_in,
                "oos_menu": float((menu & self.out).sum()) / self.n_out}


def tune(helds: Sequence[Held], minimums: Sequence[float] | None = None) -> tuple[Thresholds, dict[str, float]]:
    """The thresholds with the most questions one tap from the right protocol, a wrong "open"
    costing :data:`WRONG_OPEN_COST` and a right one earning :data:`OPEN_BONUS`, averaged over the
    sets; among those that open a wrong protocol for at most 2% and send at least 90% of the
    out-of-scope questions to the menu in every set (``minimums``, one per set; default
    :data:`MIN_OUT_OF_SCOPE_TO_MENU`), else (too little data to reach that) those that come closest."""
    sets = [_Columns(held) for held in helds]
    floors = list(minimums) if minimums is not None else [MIN_OUT_OF_SCOPE_TO_MENU] * len(sets)
    best: tuple[tuple[bool, float], Thresholds, dict[str, float]] | None = None
    for values in itertools.product(*GRID.values()):
        thresholds = Thresholds(*values)
        each = [columns.figures(thresholds) for columns in sets]
        figures = {key: sum(f[key] for f in each) / len(each) for key in each[0]}
        value = (figures["one_tap"] - WRONG_OPEN_COST * figures["wrong_open"]
                 + OPEN_BONUS * figures["open"])
        meets = all(f["oos_menu"] >= floor and f["wrong_open"] <= MAX_WRONG_OPEN
                    for f, floor in zip(each, floors, strict=True))
        shortfall = sum(max(0.0, floor - f["oos_menu"]) + max(0.0, f["wrong_open"] - MAX_WRONG_OPEN)
                        for f, floor in zip(each, floors, strict=True))
        key = (meets, value if meets else -shortfall + 0.01 * value)
        if best is None or key > best[0]:
            best = (key, thresholds, figures)
    assert best is not None
    return best[1], best[2]


def tuning_questions(paths: Sequence[Path]) -> tuple[list[str], list[str]]:
    """Questions for tuning the thresholds only (never trained on): YAML lists of ``q`` with
    ``expect`` (one playbook id; none or empty: out of scope), as in ``tests/data``."""
    texts, labels = [], []
    for path in paths:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            expected = item.get("expect") or []
            texts.append(str(item["q"]))
            labels.append(str(expected[0]) if expected else OUT_OF_SCOPE)
    return texts, labels


def export(vectorizer: Any, model: Any, thresholds: Thresholds, hashed: str, trained_on: dict[str, Any],
           ) -> dict[str, Any]:
    """The fitted model as the JSON document :class:`~bot.conversation.model.Model` reads:
    weights in thousandths, those that move nothing left out."""
    weights: dict[str, list[int]] = {}
    for name, column in zip(vectorizer.feature_names_, model.coef_.T, strict=True):
        if max(abs(float(w)) for w in column) >= PRUNE:
            weights[str(name)] = [round(float(w) * WEIGHT_SCALE) for w in column]
    return {
        "format": FORMAT,
        "source_hash": hashed,
        "feature_version": feature_code.FEATURE_VERSION,
        "trained_on": trained_on,
        "thresholds": {"open": thresholds.open, "lead": thresholds.lead, "choose": thresholds.choose,
                       "menu": thresholds.menu, "keep": thresholds.keep},
        "weight_scale": WEIGHT_SCALE,
        "labels": [str(label) for label in model.classes_],
        "bias": [round(float(b), DIGITS) for b in model.intercept_],
        "weights": dict(sorted(weights.items())),
    }


def train(directory: Path, *, tune_on: Sequence[Path] = (), out: Path | None = None, report: Any = print) -> Path:
    library, _problems = load_library(directory)
    out_of_scope, problems = out_of_scope_questions(directory)
    if problems:
        raise SystemExit("\n".join(problems))
    data = training_set(library, out_of_scope)
    concepts = feature_code.ConceptMatcher(
        {name: {"nl": words.nl, "en": words.en} for name, words in library.concepts.items()}
    )
    dev_texts, dev_labels = tuning_questions(tune_on)
    report(f"training set: {len(data.texts)} texts, {len(set(data.labels))} labels; "
           f"{len(dev_texts)} questions for tuning the thresholds only")
    chosen: tuple[float, float, Thresholds, dict[str, float]] | None = None
    for c in C_GRID:
        helds = [_held_out(data.texts, data.labels, data.weights, c, concepts)]
        if dev_texts:
            vectorizer, fitted = _fit(data.texts, data.labels, data.weights, c, concepts)
            rows = fitted.predict_proba(vectorizer.transform([feature_code.features(t, concepts) for t in dev_texts]))
            helds.append(Held([dict(zip(fitted.classes_, map(float, row), strict=True)) for row in rows],
                              dev_labels))
        thresholds, figures = tune(helds, [MIN_NEAR_MISSES_TO_MENU, MIN_OUT_OF_SCOPE_TO_MENU][:len(helds)])
        value = figures["one_tap"] - WRONG_OPEN_COST * figures["wrong_open"] + OPEN_BONUS * figures["open"]
        parts = [score(held, thresholds) for held in helds]
        names = ("held-out examples", "tuning set")
        report(f"  C={c:g}: {thresholds}; " + "; ".join(
            f"{name} one tap {f['one_tap']:.1%}, opened {f['open']:.1%}, wrong open {f['wrong_open']:.1%}, "
            f"out of scope to menu {f['oos_menu']:.1%}" for name, f in zip(names, parts, strict=False)))
        if chosen is None or value > chosen[0]:
            chosen = (value, c, thresholds, figures)
    assert chosen is not None
    _, c, thresholds, _ = chosen
    vectorizer, model = _fit(data.texts, data.labels, data.weights, c, concepts)
    document = export(vectorizer, model, thresholds, source_hash(library, directory / OUT_OF_SCOPE_FILE),
                      {"texts": len(data.texts), "C": c, "thresholds_tuned_on": [p.name for p in tune_on]})
    weights = document["weights"]
    target = out or directory / MODEL_FILE
    target.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    report(f"chose C={c:g}, {thresholds}; {len(weights)} features; wrote {target} "
           f"({target.stat().st_size / 1e6:.1f} MB)")
    return target
