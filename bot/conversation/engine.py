"""The conversation engine: (stored state, neutral event) -> (new state, replies).

Pure and synchronous: no I/O, no clock, no randomness. That makes every path through
every playbook cheap to walk in tests, and lets the service layer commit the new state
and the replies together.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from dataclasses import replace as _dc_replace

from bot import metrics, texts
from bot.conversation import payloads, typed_answers, views, wording
from bot.conversation.router import Route, Router
from bot.conversation.state import ConversationState, View
from bot.directory import SchoolDirectory
from bot.errors import InvalidInput
from bot.events import ButtonPressed, Command, ConversationEvent, FormSubmitted, TextMessage
from bot.incidents import form as report_form
from bot.incidents import texts as incident_texts
from bot.incidents.form import ReportForm
from bot.messages import Reply, Section, Tone
from bot.playbooks import paths
from bot.playbooks.library import PlaybookLibrary


@dataclass(frozen=True)
class OpenIncident:
    """An effect: open an incident from this conversation (the service carries it out,
    in one transaction with everything the incident sends)."""

    playbook: str
    answers: dict[str, str]
    form: ReportForm
    lang: str


@dataclass(frozen=True)
class Decision:
    state: ConversationState
    replies: tuple[Reply, ...]
    effects: tuple[OpenIncident, ...] = ()


#: Typed words that act as commands rather than questions.
_TEXT_COMMANDS = {
    "menu": ("menu", ""), "start": ("menu", ""), "help": ("menu", ""), "hulp": ("menu", ""),
    "?": ("menu", ""), "hallo": ("menu", ""), "hoi": ("menu", ""), "hi": ("menu", ""), "hello": ("menu", ""),
    "opnieuw": ("restart", ""), "restart": ("restart", ""), "reset": ("restart", ""),
    "start over": ("restart", ""), "begin opnieuw": ("restart", ""),
    "terug": ("back", ""), "back": ("back", ""), "vorige": ("back", ""),
    "english": ("lang", "en"), "engels": ("lang", "en"), "in english": ("lang", "en"),
    "nederlands": ("lang", "nl"), "dutch": ("lang", "nl"), "in het nederlands": ("lang", "nl"),
    "alle stappen": ("all", ""), "all steps": ("all", ""),
}


def _normalise_command(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"[\s!.]+$", "", re.sub(r"^/", "", folded))


class Engine:
    """Args:
        library: the playbooks to serve.
        router: ranks free text against them.
        directory: the school directory; without one there is nobody to report to, so the
            [Meld bij coördinator] button is not offered. Its ``jurisdiction`` answers each
            playbook's jurisdiction question and hides playbooks that do not apply there.
        jurisdiction: overrides the directory's (for walking playbooks without a school).
    """

    def __init__(self, library: PlaybookLibrary, router: Router, *, directory: SchoolDirectory | None = None,
                 jurisdiction: str | None = None) -> None:
        self.library = library
        self.router = router
        self.directory = directory
        self.jurisdiction = jurisdiction or (directory.jurisdiction if directory else None)

    # -- entry point ---------------------------------------------------------------
    def decide(self, state: ConversationState, event: ConversationEvent) -> Decision:
        if state.jurisdiction != self.jurisdiction:
            state = state.evolve(jurisdiction=self.jurisdiction)
        if isinstance(event, ButtonPressed):
            return self._on_button(state, event.payload)
        if isinstance(event, FormSubmitted):
            return self._on_form(state, event)
        if isinstance(event, Command):
            return self._on_command(state, event.name, event.arg)
        return self._on_text(state, event)

    # -- text ----------------------------------------------------------------------
    def _on_text(self, state: ConversationState, event: TextMessage) -> Decision:
        command = _TEXT_COMMANDS.get(_normalise_command(event.text))
        if command:
            return self._on_command(state, *command, replace=False)
        if state.view is View.QUESTION:
            return self._typed_answer(state, event.text)
        if state.view is View.SUGGEST:
            number = typed_answers.chosen_number(event.text, len(state.suggestions))
            if number:
                return self._start(state, state.suggestions[number - 1], replace=False)
        return self._route(state, event.text)

    def _typed_answer(self, state: ConversationState, text: str) -> Decision:
        """Typed text at a triage question: an answer when it names one option; a new question
        when it clearly is one (routed anew, and said so); else the same question again, with
        the same buttons (the version stays, so the buttons above keep working too)."""
        playbook = self.library.get(state.playbook)
        pending = paths.next_question(playbook, state.effective_answers()) if playbook else None
        if playbook is None or pending is None:
            return self._route(state, text)
        option_id = typed_answers.match_option(pending, text)
        if option_id is not None:
            answers = {**state.answers, pending.id: option_id}
            decision = self._show(state.evolve(answers=answers, view=View.QUESTION), replace=False)
            option = next(o for o in pending.options if o.id == option_id)
            label = views.Locale(state.lang, state.known_jurisdiction()).t(option.label)
            return _with_notice(decision, wording.understood_as(state.lang, label), Tone.INFO)
        if not typed_answers.looks_like_an_answer(text):
            route = self.router.route(text, set(self.library.ids_for(self.jurisdiction)))
            if route.decision != "menu" and route.playbooks and route.playbooks[0] != state.playbook:
                decision = self._route(state, text, route)
                return _with_notice(decision, wording.new_question(decision.state.lang), Tone.INFO)
        again = self._render(state)
        return _with_notice(Decision(state, (again,)), wording.answer_again(state.lang), Tone.WARNING)

    def _route(self, state: ConversationState, text: str, route: Route | None = None) -> Decision:
        """Route free text (``route``: already routed, by a typed answer that turned out to be a
        new question)."""
        lang = self.router.detect_language(text) or state.lang
        state = state.evolve(lang=lang, sexual_hint=self.router.mentions(text, "sexual"))
        route = route or self.router.route(text, set(self.library.ids_for(self.jurisdiction)))
        metrics.ROUTER.labels(route.decision).inc()
        if route.decision == "open":
            return self._start(state, route.playbooks[0], replace=False)
        if route.decision == "choose":
            new = state.evolve(view=View.SUGGEST, playbook=None, answers={},
                               suggestions=route.playbooks, version=state.version + 1)
            return Decision(new, (self._render(new),))
        new = state.evolve(view=View.MENU, playbook=None, answers={}, suggestions=(), version=state.version + 1)
        return Decision(new, (views.menu(new, self.library, intro=texts.not_understood(lang)),))

    # -- commands ------------------------------------------------------------------
    def _on_command(self, state: ConversationState, name: str, arg: str = "", *, replace: bool = False) -> Decision:
        if name == "start" and arg.strip():
            return self._route(state, arg)
        if name == "open":  # a protocol chosen outside the conversation (Slack's Home tab)
            return self._start(state, arg, replace=False)
        if name == "resume":
            return Decision(state, (self._render(state),))
        if name == "lang":
            return self._switch_language(state, arg, replace=replace)
        if name in ("restart", "back", "all") and not state.playbook:
            name = "menu"
        if name == "restart":
            return self._start(state, state.playbook or "", replace=replace)
        if name == "back":
            return self._back(state, replace=replace)
        if name == "all":
            return self._show(state.evolve(view=View.ALL_STEPS), replace=replace)
        return self._show(state.evolve(view=View.MENU, playbook=None, answers={}, suggestions=()), replace=replace)

    def _switch_language(self, state: ConversationState, lang: str, *, replace: bool) -> Decision:
        lang = "en" if lang == "en" else "nl"
        new = state.evolve(lang=lang, version=state.version + 1)
        reply = self._render(new)
        if not replace:
            reply = Reply(reply.text, (Section(texts.language_switched(lang)), *reply.sections),
                          reply.choices, reply.actions, lang=lang)
        return Decision(new, (_replacing(reply, replace),))

    # -- buttons -------------------------------------------------------------------
    def _on_button(self, state: ConversationState, raw: str) -> Decision:
        payload = payloads.decode(raw)
        if payload is None:
            return _remark(state, texts.unknown_button(state.lang))
        if payload.verb == "more":  # shows a text, changes nothing: any version of the protocol will do
            return self._more(state, payload.arg)
        if payload.verb == "report" and state.reported:  # an old report button: say which incident it is
            return _remark(state, wording.already_reported(state.lang, state.reported))
        if payload.version != state.version:
            return _remark(state, texts.stale_button(state.lang))
        verb, arg = payload.verb, payload.arg
        if verb in ("pick", "related"):
            return self._start(state, arg, replace=verb == "pick")
        if verb == "ans":
            return self._answer(state, arg)
        if verb == "steps":
            return self._show(state.evolve(view=View.STEPS), replace=True)
        if verb == "report":
            return self._open_form(state)
        if verb == "submit":
            return _remark(state, texts.stale_button(state.lang))
        return self._on_command(state, verb, arg, replace=True)

    # -- the report form -------------------------------------------------------------
    def _reportable(self, state: ConversationState) -> bool:
        playbook = self.library.get(state.playbook)
        return (self.directory is not None and playbook is not None and playbook.reportable
                and paths.next_question(playbook, state.effective_answers()) is None)

    def _open_form(self, state: ConversationState) -> Decision:
        if state.reported:
            return _remark(state, wording.already_reported(state.lang, state.reported))
        if not self._reportable(state):
            return _remark(state, texts.stale_button(state.lang))
        new = state.evolve(view=View.REPORT, version=state.version + 1, name_warned=False)
        return Decision(new, (self._render(new),))

    def _on_form(self, state: ConversationState, event: FormSubmitted) -> Decision:
        payload = payloads.decode(event.payload)
        if payload is None or payload.verb != "submit":
            return _remark(state, texts.unknown_button(state.lang))
        if payload.version != state.version or state.view is not View.REPORT or not self._reportable(state):
            return _remark(state, texts.stale_button(state.lang))
        playbook = self.library.get(state.playbook)
        assert playbook is not None and state.playbook is not None
        answers = state.effective_answers()
        try:
            form = report_form.parse(event.values).validated(
                self.directory, asked=report_form.asks_colleague_role(playbook, answers))
        except InvalidInput as exc:
            return _remark(state, exc.message, field=exc.field)
        named = next((f for f, v in (("what", form.what), ("where", form.where), ("since", form.since))
                      if report_form.looks_like_full_name(v)), None)
        if named and not state.name_warned:
            warned = _remark(state, incident_texts.full_name_warning(state.lang), field=named)
            return Decision(state.evolve(name_warned=True), warned.replies)
        new = state.evolve(view=View.STEPS, version=state.version + 1, name_warned=False)
        return Decision(new, (), (OpenIncident(state.playbook, answers, form, state.lang),))

    def _answer(self, state: ConversationState, arg: str) -> Decision:
        playbook = self.library.get(state.playbook)
        question_id, _, option_id = arg.partition("=")
        pending = paths.next_question(playbook, state.effective_answers()) if playbook else None
        if pending is None or pending.id != question_id or option_id not in {o.id for o in pending.options}:
            return _remark(state, texts.stale_button(state.lang))
        answers = {**state.answers, question_id: option_id}
        return self._show(state.evolve(answers=answers, view=View.QUESTION), replace=True)

    def _back(self, state: ConversationState, *, replace: bool) -> Decision:
        if state.view is View.ALL_STEPS:
            return self._show(state.evolve(view=View.STEPS), replace=replace)
        answers = dict(state.answers)
        if answers:
            answers.pop(next(reversed(answers)))
        return self._show(state.evolve(answers=answers, view=View.QUESTION), replace=replace)

    # -- helpers -------------------------------------------------------------------
    def _start(self, state: ConversationState, playbook_id: str, *, replace: bool) -> Decision:
        if playbook_id not in self.library.ids_for(self.jurisdiction):
            return _remark(state, texts.protocol_unavailable(state.lang))
        new = state.evolve(view=View.QUESTION, playbook=playbook_id, answers={}, suggestions=(), reported="")
        return self._show(new, replace=replace)

    def _more(self, state: ConversationState, target: str) -> Decision:
        """A folded step's (or the do-now block's) full text as a message of its own, for
        platforms that cannot fold text away. Read-only: any version of the protocol will do."""
        playbook = self.library.get(state.playbook)
        reply = views.details(state, playbook, target) if playbook else None
        if reply is None:
            return _remark(state, texts.stale_button(state.lang))
        return Decision(state, (reply,))

    def _show(self, state: ConversationState, *, replace: bool) -> Decision:
        new = state.evolve(version=state.version + 1)
        return Decision(new, (_replacing(self._render(new), replace),))

    def _render(self, state: ConversationState) -> Reply:
        playbook = self.library.get(state.playbook)
        if state.view is View.REPORT and playbook is not None:
            v = state.version
            return report_form.build(playbook, state.effective_answers(), self.directory, lang=state.lang,
                                     submit=payloads.encode(v, "submit"), cancel=payloads.encode(v, "steps"))
        return views.render(state, self.library, reportable=self.directory is not None)


def _replacing(reply: Reply, replace: bool) -> Reply:
    return reply if reply.replace == replace else _dc_replace(reply, replace=replace)


def _with_notice(decision: Decision, text: str, tone: Tone) -> Decision:
    """The decision with a short line above its first reply (a typed answer read back, a
    question asked again, a new question routed)."""
    first, *rest = decision.replies
    noticed = _dc_replace(first, sections=(Section(text, tone=tone), *first.sections))
    return _dc_replace(decision, replies=(noticed, *rest))


def _remark(state: ConversationState, text: str, *, field: str = "") -> Decision:
    """A short explanation that changes nothing (stale, forged or unknown buttons, or a
    form answer to correct: ``field`` names it, so a dialog can show it next to the field)."""
    meta = {"field": field} if field else {}
    return Decision(state, (Reply(text, (Section(text),), ephemeral=True, lang=state.lang, meta=meta),))
