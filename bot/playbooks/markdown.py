"""A playbook as a Markdown document, for a coordinator to review before it goes live.

Everything the bot can say is in it: the do-now block, every question and option with
its notice, every step with its role, condition, escalation and sources, the briefing
template, and every answer path with the steps it leads to. With a jurisdiction, the
jurisdiction question is answered and Flemish or Dutch variants are shown accordingly.
"""

from __future__ import annotations

from bot import texts
from bot.playbooks import paths
from bot.playbooks.schema import JURISDICTION_QUESTION, Condition, Playbook, Step, Text

_LABELS = {
    "nl": {"jurisdictions": "Geldt voor", "nl": "Nederland", "vl": "Vlaanderen", "questions": "Triagevragen",
           "steps": "Stappen", "who": "Wie", "when": "Wanneer", "always": "altijd", "escalate": "Escalatie",
           "urgent": "urgent, ook buiten werktijd", "within": "binnen", "sources": "Bronnen",
           "briefing": "Teambriefing", "include": "Wat erin staat", "never": "Nooit in de briefing",
           "paths": "Alle antwoordpaden", "path": "Antwoorden", "leads_to": "Stappen", "only_if": "alleen als",
           "team_step": "Dit is de stap om het team te informeren.", "related": "Zie ook", "version": "Protocol",
           "for": "weergave voor", "unknown": "jurisdictie onbekend (beide varianten mogelijk)",
           "notice": "melding"},
    "en": {"jurisdictions": "Applies in", "nl": "the Netherlands", "vl": "Flanders", "questions": "Triage questions",
           "steps": "Steps", "who": "Who", "when": "When", "always": "always", "escalate": "Escalation",
           "urgent": "urgent, also outside working hours", "within": "within", "sources": "Sources",
           "briefing": "Team briefing", "include": "What it contains", "never": "Never in the briefing",
           "paths": "All answer paths", "path": "Answers", "leads_to": "Steps", "only_if": "only if",
           "team_step": "This is the step to inform the team.", "related": "See also", "version": "Protocol",
           "for": "shown for", "unknown": "jurisdiction unknown (both variants possible)", "notice": "notice"},
}

_NEVER = {
    "victim-identity": ("naam, klas of herkenbare details van het slachtoffer", "the victim's name, class or "
                        "identifying details"),
    "images": ("beelden of een beschrijving ervan", "images or a description of them"),
    "suspect-names": ("namen van (vermoedelijke) daders", "names of (suspected) perpetrators"),
    "reporter-text": ("wat de melder zelf typte", "what the reporter typed"),
    "suspicion-details": ("details van de verdenking of het onderzoek", "details of the suspicion or investigation"),
}


def render_markdown(playbook: Playbook, *, lang: str = "nl", jurisdiction: str | None = None) -> str:
    label = _LABELS["en" if lang == "en" else "nl"]

    def t(text: Text) -> str:
        return text.get(lang, jurisdiction)

    preset = {JURISDICTION_QUESTION: jurisdiction} if jurisdiction else {}
    out = [f"# {t(playbook.title)}", "", f"_{t(playbook.summary)}_", ""]
    places = ", ".join(label[j] for j in playbook.jurisdiction)
    shown = label[jurisdiction] if jurisdiction else label["unknown"]
    out += [f"{label['version']}: `{playbook.id}` · {label['jurisdictions']}: {places} · {label['for']}: {shown}", ""]
    out += [f"> {line}" if line else ">" for line in texts.acute_danger(lang).split("\n")] + [""]
    out += [f"## {texts.do_now_title(lang)}", "", t(playbook.do_now), ""]

    asked = [q for q in playbook.questions if q.id not in preset]
    if asked:
        out += [f"## {label['questions']}", ""]
        for number, q in enumerate(asked, 1):
            condition = f" ({label['only_if']}: {_condition(playbook, q.when, lang, jurisdiction)})" if q.when else ""
            out.append(f"{number}. **{t(q.ask)}**{condition}")
            if q.help:
                out.append(f"   {_one_line(t(q.help))}")
            for option in q.options:
                notice = f" — _{label['notice']}: {_one_line(t(option.notice))}_" if option.notice else ""
                out.append(f"   - {t(option.label)}{notice}")
        out.append("")

    reachable = _reachable(playbook, preset)
    out += [f"## {label['steps']}", ""]
    for number, step in enumerate(reachable, 1):
        out += [f"### {number}. {t(step.title)}", ""]
        facts = [f"**{label['who']}:** {texts.roles_list(step.actor, lang)}",
                 f"**{label['when']}:** " + (_condition(playbook, step.when, lang, jurisdiction) if step.when
                                             else label["always"])]
        if step.escalate:
            urgent = f", {label['urgent']}" if step.escalate.urgent else ""
            facts.append(f"**{label['escalate']}:** {texts.roles_list(step.escalate.roles, lang)} "
                         f"({label['within']} {step.escalate.ack_within}{urgent})")
        if step.related:
            facts.append(f"**{label['related']}:** {', '.join(f'`{r}`' for r in step.related)}")
        facts.append(f"**{label['sources']}:** {', '.join(step.sources)}")
        out += ["  \n".join(facts), "", t(step.text), ""]
        if step.briefing:
            out += [f"_{label['team_step']}_", ""]

    if playbook.briefing:
        out += [f"## {label['briefing']}", "", f"**{label['include']}:**", "", t(playbook.briefing.include), ""]
        for case in playbook.briefing.cases:
            out += [f"**{label['include']} ({label['only_if']}: {_condition(playbook, case.when, lang, jurisdiction)})"
                    f":**", "", t(case.include), ""]
        out += [f"**{label['never']}:**", ""]
        out += [f"- {_NEVER[item][1 if lang == 'en' else 0]}" for item in playbook.briefing.never] + [""]

    out += _paths_table(playbook, preset, reachable, lang, jurisdiction, label)
    return "\n".join(out).rstrip() + "\n"


def _reachable(playbook: Playbook, preset: dict[str, str]) -> list[Step]:
    """Steps some path reaches from ``preset`` (a Flemish view leaves out Dutch-only steps)."""
    ids = {s.id for answers in paths.all_paths_from(playbook, preset)
           for s in paths.applicable_steps(playbook, answers)}
    return [step for step in playbook.steps if step.id in ids]


def _paths_table(playbook: Playbook, preset: dict[str, str], reachable: list[Step], lang: str,
                 jurisdiction: str | None, label: dict[str, str]) -> list[str]:
    if not [q for q in playbook.questions if q.id not in preset]:
        return []
    numbers = {step.id: n for n, step in enumerate(reachable, 1)}
    rows = [f"## {label['paths']}", "", f"| {label['path']} | {label['leads_to']} |", "| --- | --- |"]
    for answers in paths.all_paths_from(playbook, preset):
        chosen = " · ".join(_option_label(playbook, q, o, lang, jurisdiction) for q, o in answers.items()
                            if q not in preset)
        steps = ", ".join(str(numbers[s.id]) for s in paths.applicable_steps(playbook, answers))
        rows.append(f"| {chosen} | {steps} |")
    return [*rows, ""]


def _option_label(playbook: Playbook, question_id: str, option_id: str, lang: str, jurisdiction: str | None) -> str:
    q = playbook.question(question_id)
    option = next((o for o in q.options if o.id == option_id), None) if q else None
    return option.label.get(lang, jurisdiction) if option else option_id


def _condition(playbook: Playbook, condition: Condition | None, lang: str, jurisdiction: str | None) -> str:
    parts = []
    for question_id, option_ids in (condition or {}).items():
        q = playbook.question(question_id)
        if q is None:
            continue
        labels = " / ".join(o.label.get(lang, jurisdiction) for o in q.options if o.id in option_ids)
        parts.append(f"{q.ask.get(lang, jurisdiction)} → {labels}")
    return "; ".join(parts)


def _one_line(text: str) -> str:
    return " ".join(text.split())
