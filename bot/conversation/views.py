"""Turn a conversation state into the neutral :class:`~bot.messages.Reply` to show.

Pure functions of (state, playbook/library): the engine decides *which* view, this
module decides *what it looks like*, the adapters decide *how it is drawn*.
"""

from __future__ import annotations

from bot import texts
from bot.conversation import payloads
from bot.conversation.state import ConversationState, View
from bot.messages import Button, ButtonStyle, Field, Reply, Section, Tone
from bot.playbooks import paths
from bot.playbooks.library import PlaybookLibrary
from bot.playbooks.schema import Condition, Playbook, Step


def _nav(state: ConversationState, *, back: bool, steps_toggle: str | None) -> tuple[Button, ...]:
    lang, v = state.lang, state.version
    buttons: list[Button] = []
    if back:
        buttons.append(Button(payloads.encode(v, "back"), texts.back(lang)))
    if state.playbook:
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
    lang = state.lang
    choices = tuple(
        Button(payloads.encode(state.version, "pick", playbook.id), playbook.title.get(lang))
        for playbook in library
    )
    body = intro or texts.menu_intro(lang)
    if not choices:
        body = texts.no_playbooks(lang)
    other = "en" if lang == "nl" else "nl"
    actions = (Button(payloads.encode(state.version, "lang", other), texts.other_language(lang)),)
    return Reply(texts.menu_title(lang), (Section(body),), choices, actions, lang=lang)


def suggestions(state: ConversationState, library: PlaybookLibrary) -> Reply:
    lang = state.lang
    choices = []
    sections = []
    for playbook_id in state.suggestions:
        playbook = library.get(playbook_id)
        if playbook:
            choices.append(Button(payloads.encode(state.version, "pick", playbook.id), playbook.title.get(lang)))
            sections.append(f"- **{playbook.title.get(lang)}**: {playbook.summary.get(lang)}")
    body = texts.suggest_intro(lang) + "\n\n" + "\n".join(sections)
    nav = _nav(state, back=False, steps_toggle=None)
    return Reply(texts.suggest_intro(lang), (Section(body),), tuple(choices), nav, lang=lang)


def _do_now(playbook: Playbook, lang: str) -> Section:
    return Section(playbook.do_now.get(lang), title=texts.do_now_title(lang), tone=Tone.WARNING)


def _notices(playbook: Playbook, state: ConversationState) -> list[Section]:
    """Notices of chosen options, most recent first: they are urgent by design."""
    out = []
    for question_id, option_id in reversed(state.answers.items()):
        question = playbook.question(question_id)
        option = next((o for o in question.options if o.id == option_id), None) if question else None
        if option and option.notice:
            out.append(Section(option.notice.get(state.lang), tone=Tone.DANGER))
    return out


def question(state: ConversationState, playbook: Playbook) -> Reply:
    lang = state.lang
    current = paths.next_question(playbook, state.answers)
    assert current is not None, "question view without a pending question"
    asked = paths.possible_questions(playbook, state.answers)
    number = next(i for i, q in enumerate(asked, 1) if q.id == current.id)
    body = f"**{current.ask.get(lang)}**"
    if current.help:
        body += "\n\n" + current.help.get(lang)
    sections = [*_notices(playbook, state), _do_now(playbook, lang),
                Section(body, title=texts.question_progress(lang, number, len(asked)))]
    choices = tuple(
        Button(payloads.encode(state.version, "ans", f"{current.id}={option.id}"), option.label.get(lang))
        for option in current.options
    )
    return Reply(
        playbook.title.get(lang), tuple(sections), choices,
        _nav(state, back=bool(state.answers), steps_toggle="all"), lang=lang,
    )


def _needs_attention_now(step: Step) -> bool:
    """Steps for whoever reads this, or urgent ones, are shown open; the rest collapsed."""
    return "any-staff" in step.actor or bool(step.escalate and step.escalate.urgent)


def _step_section(number: int, step: Step, lang: str, *, condition: str = "", collapsed: bool = False) -> Section:
    body = step.text.get(lang)
    if step.escalate:
        body += "\n\n" + texts.escalate_to(lang, texts.roles_list(step.escalate.roles, lang), step.escalate.urgent)
    if step.briefing:
        body += "\n\n" + texts.inform_team_step(lang)
    footnote = f"{texts.sources(lang)}: {', '.join(step.sources)}"
    if condition:
        footnote = f"{condition} · {footnote}"
    return Section(
        body,
        title=f"{number}. {step.title.get(lang)}",
        fields=(Field(texts.who(lang), texts.roles_list(step.actor, lang)),),
        footnote=footnote,
        tone=Tone.INFO if step.escalate and step.escalate.urgent else Tone.NORMAL,
        collapsed=collapsed,
    )


def _answer_fields(playbook: Playbook, state: ConversationState) -> tuple[Field, ...]:
    fields = []
    for question_id, option_id in state.answers.items():
        q = playbook.question(question_id)
        option = next((o for o in q.options if o.id == option_id), None) if q else None
        if q and option:
            fields.append(Field(q.ask.get(state.lang), option.label.get(state.lang)))
    return tuple(fields)


def _related_buttons(state: ConversationState, steps: list[Step], library: PlaybookLibrary) -> tuple[Button, ...]:
    seen: list[str] = []
    for step in steps:
        seen.extend(link for link in step.related if link not in seen)
    buttons = []
    for link in seen:
        target = library.get(link)
        if target:
            label = texts.related_label(state.lang, target.title.get(state.lang))
            buttons.append(Button(payloads.encode(state.version, "related", link), label, ButtonStyle.PRIMARY))
    return tuple(buttons)


def steps(state: ConversationState, playbook: Playbook, library: PlaybookLibrary) -> Reply:
    lang = state.lang
    chosen = paths.applicable_steps(playbook, state.answers)
    sections = [*_notices(playbook, state), _do_now(playbook, lang)]
    answer_fields = _answer_fields(playbook, state)
    if answer_fields:
        sections.append(Section(title=texts.your_answers(lang), fields=answer_fields))
    sections.extend(
        _step_section(n, step, lang, collapsed=not _needs_attention_now(step)) for n, step in enumerate(chosen, 1)
    )
    return Reply(
        f"{playbook.title.get(lang)} — {texts.steps_title(lang)}",
        tuple(sections),
        _related_buttons(state, chosen, library),
        _nav(state, back=bool(playbook.questions), steps_toggle="all"),
        lang=lang,
    )


def describe_condition(playbook: Playbook, condition: Condition | None, lang: str) -> str:
    if not condition:
        return texts.always_applies(lang)
    parts = []
    for question_id, option_ids in condition.items():
        q = playbook.question(question_id)
        if q is None:
            continue
        labels = [o.label.get(lang) for o in q.options if o.id in option_ids]
        parts.append(f"{q.ask.get(lang)} → {f' {texts.or_word(lang)} '.join(labels)}")
    return texts.applies_when(lang, "; ".join(parts))


def all_steps(state: ConversationState, playbook: Playbook, library: PlaybookLibrary) -> Reply:
    lang = state.lang
    sections = [_do_now(playbook, lang)]
    sections.extend(
        _step_section(n, step, lang, condition=describe_condition(playbook, step.when, lang), collapsed=True)
        for n, step in enumerate(playbook.steps, 1)
    )
    toggle = "steps" if paths.next_question(playbook, state.answers) is None else None
    nav = _nav(state, back=False, steps_toggle=toggle)
    if toggle is None and playbook.questions:
        # Triage not finished: offer to continue it.
        nav = (Button(payloads.encode(state.version, "steps"), texts.back(lang)), *nav)
    return Reply(
        f"{playbook.title.get(lang)} — {texts.all_steps_title(lang)}",
        tuple(sections), _related_buttons(state, list(playbook.steps), library), nav, lang=lang,
    )


def render(state: ConversationState, library: PlaybookLibrary) -> Reply:
    """The reply for wherever the state says the user is."""
    playbook = library.get(state.playbook)
    if state.view is View.SUGGEST:
        return suggestions(state, library)
    if playbook is None or state.view is View.MENU:
        return menu(state, library)
    if state.view is View.ALL_STEPS:
        return all_steps(state, playbook, library)
    if paths.next_question(playbook, state.answers) is not None:
        return question(state, playbook)
    return steps(state, playbook, library)
