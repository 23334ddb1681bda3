"""The learned router's model: current, faithful to scikit-learn, stems identical with and
without PyStemmer, and trained on nothing from the evaluation set."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from rapidfuzz import fuzz

from bot.conversation import features, textnorm
from bot.conversation.model import MODEL_FILE, Model, out_of_scope_questions, training_set
from bot.conversation.router import Router
from bot.playbooks.library import load_library
from bot.playbooks.lint import lint_paths
from tests.conftest import PLAYBOOKS, REPO

LIBRARY, _ = load_library(PLAYBOOKS)
OUT_OF_SCOPE, _ = out_of_scope_questions(PLAYBOOKS)
EVAL = REPO.parent / "shared" / "domain" / "routing_eval.yaml"


def _all_training_texts() -> list[str]:
    return training_set(LIBRARY, OUT_OF_SCOPE).texts


def test_every_playbook_has_at_least_40_examples_per_language_and_100_out_of_scope() -> None:
    for playbook in LIBRARY:
        assert playbook.examples is not None, playbook.id
        assert len(playbook.examples.nl) >= 40 and len(playbook.examples.en) >= 40, playbook.id
    assert len(OUT_OF_SCOPE["nl"]) + len(OUT_OF_SCOPE["en"]) >= 100


def test_the_committed_model_is_current() -> None:
    assert lint_paths([PLAYBOOKS]) == []


def _near(a: str, b: str) -> bool:
    x, y = " ".join(textnorm.tokens(a)), " ".join(textnorm.tokens(b))
    if x == y or fuzz.ratio(x, y) >= 85:
        return True
    wx, wy = set(x.split()), set(y.split())
    return bool(wx and wy) and len(wx & wy) / len(wx | wy) >= 0.8


def test_no_training_text_equals_or_nearly_equals_an_evaluation_question() -> None:
    if not EVAL.exists():
        pytest.skip(f"{EVAL} is not beside the repository")
    questions = [item["q"] for item in yaml.safe_load(EVAL.read_text(encoding="utf-8"))]
    found = [(text, q) for text in _all_training_texts() for q in questions if _near(text, q)]
    assert found == [], found[:5]


def test_stems_are_identical_with_and_without_pystemmer() -> None:
    from snowballstemmer.dutch_stemmer import DutchStemmer
    from snowballstemmer.english_stemmer import EnglishStemmer

    words = sorted({w for text in _all_training_texts() for w in textnorm.tokens(text)})
    assert len(words) > 2000
    for lang, pure in (("nl", DutchStemmer()), ("en", EnglishStemmer())):
        differ = [w for w in words if pure.stemWord(w) != textnorm.stems([w], lang)[0]]
        assert differ == [], (lang, differ[:10])


def test_the_pure_python_scorer_gives_scikit_learns_probabilities() -> None:
    pytest.importorskip("sklearn")
    from bot.conversation.routing_decision import Thresholds
    from bot.conversation.training import _fit, export

    data = training_set(LIBRARY, OUT_OF_SCOPE)
    concepts = Router(LIBRARY).model.concepts  # type: ignore[union-attr]
    vectorizer, fitted = _fit(data.texts, data.labels, data.weights, 10.0, concepts)
    document = export(vectorizer, fitted, Thresholds(0.5, 0.3, 0.2), "test", {})
    model = Model(json.loads(json.dumps(document)), LIBRARY)
    texts = ["er gaat een naaktfoto rond", "mag ik een vrije dag?", "hij wil dat ik iets terugstuur",
             "iemand doet zich voor als de directeur op insta " * 8, "", "???"]
    expected = fitted.predict_proba(vectorizer.transform([features.features(t, concepts) for t in texts]))
    for text, row in zip(texts, expected, strict=True):
        ours = model.probabilities(text)
        for label, p in zip(fitted.classes_, row, strict=True):
            assert ours[label] == pytest.approx(float(p), abs=0.01), (text, label)


def test_the_tuning_grid_scores_as_the_decision_rule_decides() -> None:
    """``tune`` scores 12,600 threshold combinations on numpy columns; they must count exactly
    what :func:`~bot.conversation.routing_decision.decide` decides, question by question."""
    pytest.importorskip("numpy")
    import random

    from bot.conversation.routing_decision import OUT_OF_SCOPE as OUTSIDE
    from bot.conversation.routing_decision import Thresholds
    from bot.conversation.training import GRID, Held, _Columns, score

    rng = random.Random(9)
    labels = ["a", "b", "c", "d", OUTSIDE]
    rows, truth = [], []
    for _ in range(400):
        raw = [rng.random() ** rng.choice((1, 3, 6)) for _ in labels]
        rows.append({label: value / sum(raw) for label, value in zip(labels, raw, strict=True)})
        truth.append(rng.choice(labels))
    held = Held(rows, truth)
    columns = _Columns(held)
    for _ in range(60):
        thresholds = Thresholds(*(rng.choice(values) for values in GRID.values()))
        assert columns.figures(thresholds) == pytest.approx(score(held, thresholds)), thresholds


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "playbooks"
    shutil.copytree(PLAYBOOKS, target)
    return target


def test_lint_reports_a_stale_model(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    path = directory / "cyberpesten.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  en:\n    - \"", "  en:\n    - \"a new one. ", 1),
                    encoding="utf-8")
    problems = lint_paths([directory])
    assert any(p.startswith(f"{directory / MODEL_FILE}:1: the router model is stale") for p in problems), problems


def test_lint_reports_a_missing_model(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / MODEL_FILE).unlink()
    assert [p for p in lint_paths([directory]) if "no router model" in p]


def test_lint_reports_an_example_in_two_playbooks_with_its_line(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    source = yaml.safe_load((directory / "cyberpesten.yaml").read_text(encoding="utf-8"))
    copied = source["examples"]["nl"][0]
    path = directory / "beeldpesten.yaml"
    text = path.read_text(encoding="utf-8")
    at = text.index("  nl:\n", text.index("\nexamples:")) + len("  nl:\n")
    path.write_text(f"{text[:at]}    - {json.dumps(copied)}\n{text[at:]}", encoding="utf-8")
    problems = [p for p in lint_paths([directory]) if "duplicate" in p]
    other = directory / "cyberpesten.yaml"
    assert len(problems) == 1 and f"{path}:" in problems[0] and f"{other}:" in problems[0], problems


def test_without_a_model_the_router_falls_back_to_trigger_words(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / MODEL_FILE).unlink()
    library, _ = load_library(directory)
    router = Router(library)
    assert router.model is None
    route = router.route("er gaat een naaktfoto rond van een leerling")
    assert route.decision == "open" and route.playbooks == ("naaktbeeld-sexting",)
