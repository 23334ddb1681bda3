"""Routing with the committed model: the project's sample questions reach their playbook,
out-of-scope questions the menu (bench/routing.py measures unseen wording)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.conversation.router import Router
from bot.conversation.textnorm import detect_language, tokens
from bot.playbooks.library import load_library
from tests.conftest import DATA, PLAYBOOKS

LIBRARY, _ = load_library(PLAYBOOKS)
ROUTER = Router(LIBRARY)
KNOWN = set(LIBRARY.ids())


def _questions(path: Path) -> list[tuple[str, list[str]]]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(item["q"], item["expect"]) for item in items if set(item["expect"]) & KNOWN]


SAMPLES = _questions(DATA / "dev_questions.yaml") + _questions(DATA / "extra_questions.yaml")
OUT_OF_SCOPE = [item["q"] for item in yaml.safe_load((DATA / "out_of_scope.yaml").read_text(encoding="utf-8"))]


def test_the_issue_question_ranks_naaktbeeld_first_and_opens_it() -> None:
    route = ROUTER.route("er gaat een naaktfoto rond van een leerling uit 3B, wat moet ik doen?")
    assert route.matches[0].playbook == "naaktbeeld-sexting"
    assert route.decision == "open" and route.playbooks == ("naaktbeeld-sexting",)


@pytest.mark.parametrize("name", ["dev_questions.yaml", "extra_questions.yaml"])
def test_top1_accuracy_is_at_least_95_percent(name: str) -> None:
    questions = _questions(DATA / name)
    misses = []
    for question, expected in questions:
        ranked = [m.playbook for m in ROUTER.rank(question)]
        if not (ranked and ranked[0] in expected):
            misses.append(f"{question!r}: expected {expected}, got {ranked[:3]}")
    accuracy = 1 - len(misses) / len(questions)
    assert accuracy >= 0.95, f"top-1 {accuracy:.1%}:\n" + "\n".join(misses)


def test_every_playbook_is_reached_by_its_sample_questions() -> None:
    """At least ten samples per playbook; at least 90 % reach it in one tap (opened, or among the
    "Bedoel je…?" buttons), and at least 85 % rank it first (all of them together: 97 %)."""
    for playbook_id in LIBRARY.ids():
        mine = [q for q, e in SAMPLES if playbook_id in e]
        routes = [ROUTER.route(q) for q in mine]
        first = sum(1 for r in routes if r.matches[:1] and r.matches[0].playbook == playbook_id)
        one_tap = sum(1 for r in routes if r.decision != "menu" and playbook_id in r.playbooks)
        assert len(mine) >= 10, f"{playbook_id}: only {len(mine)} sample questions"
        assert one_tap / len(mine) >= 0.9, f"{playbook_id}: {one_tap}/{len(mine)} within one tap"
        assert first / len(mine) >= 0.85, f"{playbook_id}: {first}/{len(mine)} ranked first"


def test_the_samples_reach_their_playbook_in_one_tap() -> None:
    routes = [(ROUTER.route(q), e) for q, e in SAMPLES]
    one_tap = sum(1 for r, e in routes if r.decision != "menu" and set(e) & set(r.playbooks))
    assert one_tap / len(routes) >= 0.97, f"{one_tap}/{len(routes)}"


def test_out_of_scope_questions_get_the_menu_and_never_open_a_protocol() -> None:
    routes = {question: ROUTER.route(question) for question in OUT_OF_SCOPE}
    opened = [q for q, r in routes.items() if r.decision == "open"]
    to_menu = sum(r.decision == "menu" and r.playbooks == () for r in routes.values())
    assert opened == []
    assert to_menu / len(routes) >= 0.9, [(q, r.playbooks) for q, r in routes.items() if r.decision != "menu"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("er gaat een naaktfto rond", "naaktbeeld-sexting"),  # typo
        ("NAAKTFOTO VAN LEERLING IN GROEPSAPP!!!", "naaktbeeld-sexting"),  # shouting
        ("ll wordt gepest in de klassenapp", "cyberpesten"),  # abbreviation
        ("cyberpesten", "cyberpesten"),
    ],
)
def test_phone_style_input(question: str, expected: str) -> None:
    ranked = [m.playbook for m in ROUTER.rank(question)]
    assert ranked and ranked[0] == expected, ranked


def test_scores_are_between_zero_and_one_and_sorted() -> None:
    matches = ROUTER.rank("naaktfoto gepest collega leerling")
    scores = [m.score for m in matches]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)


def test_language_detection_and_folding() -> None:
    assert detect_language("wat moet ik doen als er een foto rondgaat") == "nl"
    assert detect_language("what should I do when a photo is going around") == "en"
    assert detect_language("sexting") is None
    assert tokens("Naaktfoto's van één lln") == ["naaktfotos", "van", "een", "leerlingen"]
