"""Conditions and answer paths: which question comes next, which steps apply.

A playbook's triage is a sequence of questions, some asked only under a condition on
earlier answers. A *path* is a complete set of answers: every question whose condition
holds has been answered. The engine walks one path interactively; the linter and the
tests enumerate all of them to prove there is no dead end and no unreachable step.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from bot.playbooks.schema import Condition, Playbook, Question, Step

Answers = Mapping[str, str]


def holds(condition: Condition | None, answers: Answers) -> bool:
    """True when every question in ``condition`` was answered with a listed option."""
    if not condition:
        return True
    return all(answers.get(question) in options for question, options in condition.items())


def next_question(playbook: Playbook, answers: Answers) -> Question | None:
    """The first unanswered question whose condition holds, or None when triage is done."""
    for question in playbook.questions:
        if question.id not in answers and holds(question.when, answers):
            return question
    return None


def possible_questions(playbook: Playbook, answers: Answers) -> list[Question]:
    """Questions answered or still possibly asked: a condition not yet contradicted."""

    def contradicted(question: Question) -> bool:
        return any(q in answers and answers[q] not in options for q, options in (question.when or {}).items())

    return [q for q in playbook.questions if q.id in answers or not contradicted(q)]


def applicable_steps(playbook: Playbook, answers: Answers) -> list[Step]:
    return [step for step in playbook.steps if holds(step.when, answers)]


def all_paths(playbook: Playbook, limit: int = 20_000) -> Iterator[dict[str, str]]:
    """Every complete answer path, depth first. ``limit`` guards against explosions."""
    return all_paths_from(playbook, {}, limit=limit)


def all_paths_from(playbook: Playbook, preset: Answers, *, limit: int = 20_000) -> Iterator[dict[str, str]]:
    """Every complete path that starts from ``preset`` answers (e.g. the jurisdiction)."""
    count = 0

    def walk(answers: dict[str, str]) -> Iterator[dict[str, str]]:
        nonlocal count
        question = next_question(playbook, answers)
        if question is None:
            count += 1
            if count > limit:
                raise OverflowError(f"more than {limit} answer paths")
            yield dict(answers)
            return
        for option in question.options:
            answers[question.id] = option.id
            yield from walk(answers)
            del answers[question.id]

    yield from walk(dict(preset))
