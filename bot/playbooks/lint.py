"""Checks across a whole playbook and across the library, with ``file:line`` output.

File-level shape problems come from :mod:`bot.playbooks.loader`; here we check what
needs the whole picture: duplicate ids, conditions naming unknown questions or
options, unreachable questions and steps, answer paths that end without any step,
links to unknown playbooks, and roles missing from the school directory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bot.directory import SchoolDirectory, load_directory
from bot.playbooks import contacts, paths, schema
from bot.playbooks.loader import LoadedPlaybook, load_playbooks
from bot.yamlmarks import MarkedDocument

_Report = Callable[[tuple[str | int, ...], str], None]


def lint_paths(playbook_paths: list[Path], directory_path: Path | None = None) -> list[str]:
    """Everything ``protocolwijzer lint`` reports, in file order."""
    problems: list[str] = []
    directory = None
    if directory_path is not None:
        directory, directory_problems = load_directory(directory_path)
        problems.extend(directory_problems)
    result = load_playbooks(playbook_paths)
    problems.extend(result.problems)
    problems.extend(lint_library(result.playbooks, directory, concepts=set(result.concepts)))
    contact_list, contact_problems = contacts.load_contacts(playbook_paths)
    problems.extend(contact_problems)
    for item in result.playbooks:
        problems.extend(lint_contacts(item, contact_list))
    problems.extend(lint_examples(result.playbooks))
    for folder in playbook_paths:
        if folder.is_dir():
            from bot.conversation.model import lint_model  # here: the model module imports the library

            problems.extend(lint_model(folder, [item.playbook for item in result.playbooks], result.concepts))
    return list(dict.fromkeys(problems))  # a broken module is reported once, not per playbook


def lint_examples(loaded: list[LoadedPlaybook]) -> list[str]:
    """An example written twice, in one playbook or in two: the model would learn one situation
    as two protocols, or one example twice as much."""
    from bot.conversation.textnorm import tokens

    problems: list[str] = []
    seen: dict[str, str] = {}
    for item in loaded:
        examples = item.playbook.examples
        for lang in ("nl", "en"):
            for index, text in enumerate(examples.get(lang) if examples else []):
                key = " ".join(tokens(text))
                where = item.doc.where(("examples", lang, index))
                if key in seen:
                    problems.append(f"{where}: example is a duplicate of one in {seen[key]}")
                else:
                    seen[key] = where
    return problems


def lint_contacts(item: LoadedPlaybook, contact_list: contacts.ContactList | None) -> list[str]:
    """Phone numbers and web addresses that are not on the verified list (safety rule 5)."""
    problems = []
    for path, text in contacts.texts_of(item.playbook):
        for variant in contacts.variants(text):
            for found in contacts.unverified(variant, contact_list):
                problems.append(f"{item.doc.where(path)}: '{found}' is not a verified phone number or web address "
                                f"(only those in {contacts.CONTACTS_FILE} may be used)")
    return list(dict.fromkeys(problems))


def lint_library(
    loaded: list[LoadedPlaybook],
    directory: SchoolDirectory | None = None,
    *,
    check_links: bool = True,
    concepts: set[str] | None = None,
) -> list[str]:
    """Problems across the library; ``check_links=False`` leaves out ``related:`` links."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    known = {item.playbook.id for item in loaded} if check_links else None
    for item in loaded:
        pid = item.playbook.id
        if pid in seen:
            problems.append(f"{item.doc.where(('id',))}: playbook id '{pid}' is also used in {seen[pid]}")
        seen.setdefault(pid, item.doc.file)
        problems.extend(lint_playbook(item.playbook, item.doc, directory=directory, known_playbooks=known))
        named: list[tuple[tuple[str | int, ...], str]] = [
            (("trigger_concepts", ci, ii), concept)
            for ci, combo in enumerate(item.playbook.trigger_concepts)
            for ii, concept in enumerate(combo)
        ]
        named += [(("demote_concepts", di), concept) for di, concept in enumerate(item.playbook.demote_concepts)]
        for path, concept in named:
            if concepts is not None and concept not in concepts:
                problems.append(f"{item.doc.where(path)}: concept '{concept}' is not defined in _concepts.yaml")
    return problems


def lint_playbook(
    playbook: schema.Playbook,
    doc: MarkedDocument,
    *,
    directory: SchoolDirectory | None = None,
    known_playbooks: set[str] | None = None,
) -> list[str]:
    problems: list[str] = []

    def report(path: tuple[str | int, ...], message: str) -> None:
        problems.append(f"{doc.where(path)}: {message}")

    _duplicates(playbook, report)
    earlier: dict[str, set[str]] = {}
    for qi, question in enumerate(playbook.questions):
        if question.id == schema.JURISDICTION_QUESTION and {o.id for o in question.options} != {"nl", "vl"}:
            report(("questions", qi), "the jurisdiction question must have exactly the options nl and vl "
                                      "(the school directory answers it)")
        _check_condition(question.when, earlier, ("questions", qi, "when"), report,
                         what=f"question '{question.id}'", earlier_only=True)
        earlier[question.id] = {option.id for option in question.options}
    for si, step in enumerate(playbook.steps):
        _check_condition(step.when, earlier, ("steps", si, "when"), report, what=f"step '{step.id}'")
        for ai, actor in enumerate(step.actor):
            _check_role(actor, directory, ("steps", si, "actor", ai), report)
        if step.escalate:
            for ri, role in enumerate(step.escalate.roles):
                _check_role(role, directory, ("steps", si, "escalate", "roles", ri), report, pseudo_ok=False)
        for li, link in enumerate(step.related):
            if known_playbooks is not None and link not in known_playbooks:
                report(("steps", si, "related", li), f"related playbook '{link}' does not exist")
            if link == playbook.id:
                report(("steps", si, "related", li), "a step cannot link to its own playbook")
    for field in ("colleague_suspected_when", "sexual_image_when"):
        _check_condition(getattr(playbook, field), earlier, (field,), report, what=field)
    for ci, case in enumerate(playbook.briefing.cases if playbook.briefing else []):
        _check_condition(case.when, earlier, ("briefing", "cases", ci, "when"), report, what="briefing case")
    if problems:
        return problems  # path analysis needs consistent conditions
    _check_paths(playbook, report)
    return problems


def _duplicates(playbook: schema.Playbook, report: _Report) -> None:
    for kind, ids in (("question", [q.id for q in playbook.questions]),
                      ("step", [s.id for s in playbook.steps])):
        counts = Counter(ids)
        for index, ident in enumerate(ids):
            if counts[ident] > 1 and ids.index(ident) != index:
                report((f"{kind}s", index, "id"), f"duplicate {kind} id '{ident}'")
    for qi, question in enumerate(playbook.questions):
        option_ids = [option.id for option in question.options]
        for oi, ident in enumerate(option_ids):
            if option_ids.index(ident) != oi:
                report(("questions", qi, "options", oi, "id"),
                       f"duplicate option id '{ident}' in question '{question.id}'")


def _check_condition(
    condition: schema.Condition | None,
    earlier: dict[str, set[str]],
    path: tuple[str | int, ...],
    report: _Report,
    *,
    what: str,
    earlier_only: bool = False,
) -> None:
    for question_id, options in (condition or {}).items():
        if question_id not in earlier:
            place = "an earlier question" if earlier_only else "a question"
            report((*path, question_id), f"{what}: condition names '{question_id}', which is not {place}")
            continue
        for oi, option in enumerate(options):
            if option not in earlier[question_id]:
                valid = ", ".join(sorted(earlier[question_id]))
                report((*path, question_id, oi),
                       f"{what}: question '{question_id}' has no option '{option}' (options: {valid})")


def _check_role(
    role: str,
    directory: SchoolDirectory | None,
    path: tuple[str | int, ...],
    report: _Report,
    *,
    pseudo_ok: bool = True,
) -> None:
    if role in schema.PSEUDO_ACTORS:
        if not pseudo_ok:
            report(path, f"'{role}' cannot be escalated to; name a role from the school directory")
        return
    if directory is not None and not directory.has_role(role):
        report(path, f"role '{role}' is not in the school directory")


def _check_paths(playbook: schema.Playbook, report: _Report) -> None:
    reached_steps: set[str] = set()
    asked: set[str] = set()
    try:
        for answers in paths.all_paths(playbook):
            asked.update(answers)
            steps = paths.applicable_steps(playbook, answers)
            if not steps:
                chosen = ", ".join(f"{q}={o}" for q, o in answers.items())
                report(("steps",), f"dead end: the answers {chosen} lead to no step")
            reached_steps.update(step.id for step in steps)
    except OverflowError as exc:
        report(("questions",), f"too many answer paths to check ({exc}); simplify the triage")
        return
    for qi, question in enumerate(playbook.questions):
        if question.id not in asked:
            report(("questions", qi), f"question '{question.id}' is never asked (its condition never holds)")
    for si, step in enumerate(playbook.steps):
        if step.id not in reached_steps:
            report(("steps", si), f"step '{step.id}' is unreachable: no answer path satisfies its condition")


__all__ = ["lint_paths", "lint_library", "lint_playbook", "load_directory"]
