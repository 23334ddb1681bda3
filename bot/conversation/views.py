"""Turn a conversation state into the neutral :class:`~bot.messages.Reply` to show.

Pure functions of (state, playbook/library): the engine decides *which* view, this
module decides *what it looks like*, the adapters decide *how it is drawn*.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import texts
from bot.conversation import payloads, wording
from bot.conversation.state import ConversationState, View
from bot.incidents import texts as incident_texts
from bot.messages import Button, ButtonStyle, Field, Reply, Section, Tone
from bot.playbooks import paths
from bot.playbooks.library import PlaybookLibrary
from bot.playbooks.schema import Condition, Playbook, Step, Text


@dataclass(frozen=True)
class Locale:
    """Language and (when known) jurisdiction: which variant of a text to show."""

    lang: str
    jurisdiction: str | None = None

    def t(self, text: Text) -> str:
        return text.get(self.lang, self.jurisdiction)


def _locale(state: ConversationState) -> Locale:
    return Locale(state.lang, state.known_jurisdiction())


def _nav(state: ConversationState, *, back: bool, steps_toggle: str | None) -> tuple[Button, ...]:
    lang, v = state.lang, state.version
    buttons: list[Button] = []
    if back:
        buttons.append(Button(payloads.encode(v, "back"), texts.back(lang)))
    if state.playbook and state.answers:  # on the first question there is nothing to start over
        buttons.append(Button(payloads.encode(v, "restart"), texts.restart(lang)))
    if steps_toggle == "all":
        buttons.append(Button(payloads.encode(v, "all"), texts.all_steps(lang)))
    elif steps_toggle == "steps":
        buttons.append(Button(payloads.encode(v, "steps"), texts.my_steps(lang)))
    buttons.append(Button(payloads.encode(v, "menu"), texts.menu(lang)))
    other = "en" if lang == "nl" else "nl"
    buttons.append(Button(payloads.encode(v, "lang", other), texts.other_language(lang)))
    return tuple(buttons)


def menu(state: ConversationState, library: PlaybookLibrary, *, intro: str | None = None) -> Reply:
    loc = _locale(state)
    choices = tuple(
        Button(payloads.encode(state.version, "pick", playbook.id), loc.t(playbook.title))
        for playbook in library.for_jurisdiction(state.jurisdiction)
    )
    body = intro or texts.menu_intro(loc.lang)
    if not choices:
        body = texts.no_playbooks(loc.lang)
    other = "en" if loc.lang == "nl" else "nl"
    actions = (Button(payloads.encode(state.version, "lang", other), texts.other_language(loc.lang)),)
    warning = (Section(texts.no_copy_first(loc.lang), tone=Tone.DANGER),) if intro and state.sexual_hint else ()
    return Reply(texts.menu_title(loc.lang), (*warning, Section(body)), choices, actions, lang=loc.lang)


def suggestions(state: ConversationState, library: PlaybookLibrary) -> Reply:
    """"Bedoel je…?": up to three protocols as buttons and "Iets anders" (the menu), so that a
    question the router is not sure of is one tap from the right protocol, never a dead end."""
    loc = _locale(state)
    choices = [Button(payloads.encode(state.version, "pick", playbook.id), loc.t(playbook.title))
               for playbook_id in state.suggestions if (playbook := library.get(playbook_id))]
    choices.append(Button(payloads.encode(state.version, "menu"), texts.something_else(loc.lang)))
    other = "en" if loc.lang == "nl" else "nl"
    actions = (Button(payloads.encode(state.version, "lang", other), texts.other_language(loc.lang)),)
    sections = (Section(texts.no_copy_first(loc.lang), tone=Tone.DANGER),) if state.sexual_hint else ()
    return Reply(texts.suggest_intro(loc.lang), (*sections, Section(texts.suggest_hint(loc.lang))), tuple(choices),
                 actions, lang=loc.lang)


def _notices(playbook: Playbook, state: ConversationState) -> list[str]:
    """The notices of the chosen options, most recent first (urgent by design)."""
    loc = _locale(state)
    found = []
    for question_id, option_id in reversed(state.answers.items()):
        question = playbook.question(question_id)
        option = next((o for o in question.options if o.id == option_id), None) if question else None
        if option and option.notice:
            found.append(loc.t(option.notice))
    return found


def _opening(playbook: Playbook, state: ConversationState) -> list[Section]:
    """What every screen of a protocol opens with: the compact 112 line once, the notice of the
    answer just given, the earlier notices folded into one line (each was shown in full when its
    answer was given), then the do-now block: in full on the first screen, folded to its title on
    later ones (it was read there; on Slack and Teams the card is updated in place, so it stays
    one tap away). A phone then shows the next question or the steps without scrolling past a
    screen of warnings already read (issue #15).

    When the typed question spoke of something sexual, the first screen opens with the
    no-copy rule before anything else (C-01): the do-now block itself when it opens with
    that rule (the nude-image protocols), else the rule on its own."""
    loc = _locale(state)
    first_screen = not state.answers
    do_now = Section(loc.t(playbook.do_now), title=texts.do_now_title(loc.lang), tone=Tone.WARNING,
                     collapsed=not first_screen,
                     more=None if first_screen else Button(payloads.encode(state.version, "more", "do-now"),
                                                           wording.more(loc.lang)))
    notices = _notices(playbook, state)
    last_answer = next(reversed(state.answers.items()), None)
    last_has_notice = bool(notices) and last_answer is not None and _notice_of(playbook, *last_answer) is not None
    shown = [Section(notices[0], tone=Tone.DANGER)] if last_has_notice else []
    earlier = notices[1:] if last_has_notice else notices
    # The 112 line once (research A.4 rule 2, S-063): a notice or the do-now block on screen
    # may already say it.
    on_screen = [s.text for s in shown] + ([do_now.text] if first_screen else [])
    sections = shown if any("112" in text for text in on_screen) else [
        Section(texts.acute_danger(loc.lang), tone=Tone.DANGER), *shown]
    if earlier:
        sections.append(Section("\n\n".join(earlier), title=wording.earlier_notices(loc.lang, len(earlier)),
                                tone=Tone.DANGER, collapsed=True,
                                more=Button(payloads.encode(state.version, "more", "notices"),
                                            wording.more(loc.lang))))
    if state.sexual_hint and first_screen:
        if texts.opens_with_no_copy(do_now.text):
            return [do_now, *sections]
        sections.insert(0, Section(texts.no_copy_first(loc.lang), tone=Tone.DANGER))
    return [*sections, do_now]


def _notice_of(playbook: Playbook, question_id: str, option_id: str) -> Text | None:
    question = playbook.question(question_id)
    option = next((o for o in question.options if o.id == option_id), None) if question else None
    return option.notice if option else None


def question(state: ConversationState, playbook: Playbook) -> Reply:
    loc = _locale(state)
    answers = state.effective_answers()
    current = paths.next_question(playbook, answers)
    assert current is not None, "question view without a pending question"
    possible = [q for q in paths.possible_questions(playbook, answers) if q.id not in answers or q.id in state.answers]
    number = next(i for i, q in enumerate(possible, 1) if q.id == current.id)
    body = f"**{loc.t(current.ask)}**"
    if current.help:
        body += "\n\n" + loc.t(current.help)
    sections = [*_opening(playbook, state),
                Section(body, title=texts.question_progress(loc.lang, number, len(possible)))]
    choices = tuple(
        Button(payloads.encode(state.version, "ans", f"{current.id}={option.id}"), loc.t(option.label))
        for option in current.options
    )
    return Reply(
        loc.t(playbook.title), tuple(sections), choices,
        _nav(state, back=bool(state.answers), steps_toggle="all"), lang=loc.lang,
    )


def _step_body(step: Step, loc: Locale) -> str:
    lang = loc.lang
    body = loc.t(step.text)
    if step.escalate:
        body += "\n\n" + texts.escalate_to(lang, texts.roles_list(step.escalate.roles, lang), step.escalate.urgent)
    if step.briefing:
        body += "\n\n" + texts.inform_team_step(lang)
    return body


def _step_section(number: int, step: Step, state: ConversationState, *, condition: str = "") -> Section:
    """One line per step (what, and who does it); the details folded behind "Meer". Inventory
    ids are for reviewers (``show``, the coordinator's card), not for a teacher."""
    loc = _locale(state)
    return Section(
        _step_body(step, loc),
        title=wording.step_title(number, loc.t(step.title), texts.roles_list(step.actor, loc.lang)),
        footnote=condition,
        tone=Tone.INFO if step.escalate and step.escalate.urgent else Tone.NORMAL,
        collapsed=True,
        more=Button(payloads.encode(state.version, "more", step.id), wording.more(loc.lang)),
    )


def details(state: ConversationState, playbook: Playbook, target: str) -> Reply | None:
    """The full text of the do-now block or of one step, as a message of its own (the "Meer"
    button where a platform cannot fold text away); None for a step this protocol lacks."""
    loc = _locale(state)
    if target == "do-now":
        section = Section(loc.t(playbook.do_now), title=texts.do_now_title(loc.lang), tone=Tone.WARNING)
    elif target == "notices":
        notices = _notices(playbook, state)
        if not notices:
            return None
        section = Section("\n\n".join(notices), title=wording.notices_title(loc.lang), tone=Tone.DANGER)
    elif target == "answers":
        answers = _answers_section(playbook, state)
        if answers is None:
            return None
        section = Section(answers.text, title=answers.title)
    else:
        step = playbook.step(target)
        if step is None:
            return None
        roles = texts.roles_list(step.actor, loc.lang)
        section = Section(_step_body(step, loc), title=loc.t(step.title),
                          fields=(Field(texts.who(loc.lang), roles),))
    return Reply(f"{loc.t(playbook.title)} — {section.title}", (section,), lang=loc.lang)


def _answers_section(playbook: Playbook, state: ConversationState) -> Section | None:
    """The answers given, folded: they were just tapped, and the steps matter more."""
    loc = _locale(state)
    lines = []
    for question_id, option_id in state.answers.items():  # only what the user chose
        q = playbook.question(question_id)
        option = next((o for o in q.options if o.id == option_id), None) if q else None
        if q and option:
            lines.append(f"- {loc.t(q.ask)} → **{loc.t(option.label)}**")
    if not lines:
        return None
    return Section("\n".join(lines), title=texts.your_answers(loc.lang), collapsed=True,
                   more=Button(payloads.encode(state.version, "more", "answers"), wording.more(loc.lang)))


def _report_parts(state: ConversationState, playbook: Playbook,
                  reportable: bool) -> tuple[list[Section], tuple[Button, ...]]:
    """Above the steps: the report button (so it is not screens away), or the number it was
    reported as; below them the same button once more."""
    loc = _locale(state)
    if state.reported:
        return [Section(wording.reported_as(loc.lang, state.reported), tone=Tone.INFO)], ()
    if not (reportable and playbook.reportable):
        return [], ()
    button = Button(payloads.encode(state.version, "report"), incident_texts.report_button(loc.lang),
                    ButtonStyle.PRIMARY)
    return [Section(wording.report_first(loc.lang), buttons=(button,))], (button,)


def _related_buttons(state: ConversationState, steps: list[Step], library: PlaybookLibrary) -> tuple[Button, ...]:
    loc = _locale(state)
    seen: list[str] = []
    for step in steps:
        seen.extend(link for link in step.related if link not in seen)
    buttons = []
    for link in seen:
        target = library.get(link)
        if target:
            label = texts.related_label(loc.lang, loc.t(target.title))
            buttons.append(Button(payloads.encode(state.version, "related", link), label, ButtonStyle.PRIMARY))
    return tuple(buttons)


def steps(state: ConversationState, playbook: Playbook, library: PlaybookLibrary, *,
          reportable: bool = False) -> Reply:
    loc = _locale(state)
    chosen = paths.applicable_steps(playbook, state.effective_answers())
    # The report button (or the number it became) near the top, before the folded do-now block
    # and answers: within a screen of where the steps start, even after many warnings.
    opening = _opening(playbook, state)
    do_now_title = texts.do_now_title(loc.lang)
    sections = [s for s in opening if s.title != do_now_title]
    above, below = _report_parts(state, playbook, reportable)
    sections.extend(above)
    sections.extend(s for s in opening if s.title == do_now_title)
    answers = _answers_section(playbook, state)
    if answers:
        sections.append(answers)
    sections.extend(_step_section(n, step, state) for n, step in enumerate(chosen, 1))
    return Reply(
        f"{loc.t(playbook.title)} — {texts.steps_title(loc.lang)}",
        tuple(sections),
        below + _related_buttons(state, chosen, library),
        _nav(state, back=bool(state.answers), steps_toggle="all"),
        lang=loc.lang,
    )


def describe_condition(playbook: Playbook, condition: Condition | None, loc: Locale) -> str:
    if not condition:
        return texts.always_applies(loc.lang)
    parts = []
    for question_id, option_ids in condition.items():
        q = playbook.question(question_id)
        if q is None:
            continue
        labels = [loc.t(o.label) for o in q.options if o.id in option_ids]
        parts.append(f"{loc.t(q.ask)} → {f' {texts.or_word(loc.lang)} '.join(labels)}")
    return texts.applies_when(loc.lang, "; ".join(parts))


def all_steps(state: ConversationState, playbook: Playbook, library: PlaybookLibrary, *,
              reportable: bool = False) -> Reply:
    loc = _locale(state)
    sections = [Section(texts.acute_danger(loc.lang), tone=Tone.DANGER),
                Section(loc.t(playbook.do_now), title=texts.do_now_title(loc.lang), tone=Tone.WARNING,
                        collapsed=True, more=Button(payloads.encode(state.version, "more", "do-now"),
                                                    wording.more(loc.lang)))]
    triage_done = paths.next_question(playbook, state.effective_answers()) is None
    above, below = _report_parts(state, playbook, reportable and triage_done)
    sections.extend(above)
    shown = [s for s in playbook.steps if _possible_for(playbook, s, state)]
    sections.extend(
        _step_section(n, step, state, condition=describe_condition(playbook, step.when, loc))
        for n, step in enumerate(shown, 1)
    )
    toggle = "steps" if triage_done else None
    nav = _nav(state, back=False, steps_toggle=toggle)
    if toggle is None and playbook.questions:
        # Triage not finished: offer to continue it.
        nav = (Button(payloads.encode(state.version, "steps"), texts.back(loc.lang)), *nav)
    return Reply(
        f"{loc.t(playbook.title)} — {texts.all_steps_title(loc.lang)}",
        tuple(sections), below + _related_buttons(state, shown, library), nav, lang=loc.lang,
    )


def _possible_for(playbook: Playbook, step: Step, state: ConversationState) -> bool:
    """In "all steps", leave out steps for the other jurisdiction once it is known."""
    allowed = (step.when or {}).get("jurisdiction")
    known = state.known_jurisdiction()
    return known is None or allowed is None or known in allowed


def render(state: ConversationState, library: PlaybookLibrary, *, reportable: bool = False) -> Reply:
    """The reply for wherever the state says the user is."""
    playbook = library.get(state.playbook)
    if state.view is View.SUGGEST:
        return suggestions(state, library)
    if playbook is None or state.view is View.MENU:
        return menu(state, library)
    if state.view is View.ALL_STEPS:
        return all_steps(state, playbook, library, reportable=reportable)
    if paths.next_question(playbook, state.effective_answers()) is not None:
        return question(state, playbook)
    return steps(state, playbook, library, reportable=reportable)
