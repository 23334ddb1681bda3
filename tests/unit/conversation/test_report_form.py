"""[Meld bij coördinator] and the report form in the pure engine, over the real playbooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.conversation import payloads
from bot.conversation.engine import Decision, Engine
from bot.conversation.router import Router
from bot.conversation.state import ConversationState, View
from bot.directory import SchoolDirectory
from bot.events import ButtonPressed, Command, FormSubmitted
from bot.incidents.form import asks_colleague_role
from bot.playbooks.library import load_library
from tests.conftest import PLAYBOOKS
from tests.unit.conversation.helpers import KEY, USER

LIBRARY, _ = load_library(PLAYBOOKS)
DIRECTORY = SchoolDirectory.model_validate({
    "school": "Test", "jurisdiction": "nl",
    "roles": {"vertrouwenspersoon": {"name": "J. de Vries", "web": ["vp"]}, "directie": {"web": ["dir"]},
              "bestuur": {"web": ["board"]}},
    "escalation": ["vertrouwenspersoon", "directie", "bestuur"],
})
FORM = {"what": "Leerling A. wordt uitgescholden", "where": "WhatsApp", "since": "gisteren"}


def steps_state(engine: Engine, playbook: str, answers: dict[str, str]) -> ConversationState:
    state = ConversationState(jurisdiction=engine.jurisdiction, view=View.STEPS, playbook=playbook,
                              answers=answers, version=7)
    assert "Stappen" in engine.decide(state, Command(KEY, USER, "resume")).replies[0].text  # triage done
    return state


def press(engine: Engine, state: ConversationState, payload: str) -> Decision:
    return engine.decide(state, ButtonPressed(KEY, USER, payload))


BULLY = {"threat": "no", "distress": "no", "images": "none", "bully-known": "our-school", "pattern": "repeated"}


def test_without_a_school_directory_there_is_no_report_button_and_a_forged_one_does_nothing() -> None:
    engine = Engine(LIBRARY, Router(LIBRARY), jurisdiction="nl")
    state = steps_state(engine, "cyberpesten", BULLY)
    [reply] = engine.decide(state, Command(KEY, USER, "resume")).replies
    assert all("Meld" not in b.label for b in reply.all_buttons())
    decision = press(engine, state, payloads.encode(7, "report"))
    assert decision.state == state and decision.replies[0].ephemeral


def test_the_report_button_opens_the_form_and_cancel_goes_back() -> None:
    engine = Engine(LIBRARY, Router(LIBRARY), directory=DIRECTORY)
    state = steps_state(engine, "cyberpesten", BULLY)
    [steps] = engine.decide(state, Command(KEY, USER, "resume")).replies
    assert steps.choices[0].label == "Meld bij coördinator"
    decision = press(engine, state, steps.choices[0].payload)
    [form_reply] = decision.replies
    assert decision.state.view is View.REPORT and form_reply.form is not None
    assert "geen namen" in form_reply.form.intro
    # A reload shows the form again; cancel goes back to the steps.
    [again] = engine.decide(decision.state, Command(KEY, USER, "resume")).replies
    assert again.form == form_reply.form
    assert form_reply.form.cancel is not None
    back = press(engine, decision.state, form_reply.form.cancel.payload)
    assert back.state.view is View.STEPS and back.replies[0].replace


def test_submitting_yields_one_effect_and_stores_no_typed_text() -> None:
    engine = Engine(LIBRARY, Router(LIBRARY), directory=DIRECTORY)
    state = press(engine, steps_state(engine, "cyberpesten", BULLY), payloads.encode(7, "report")).state
    submit = payloads.encode(state.version, "submit")
    decision = engine.decide(state, FormSubmitted(KEY, USER, submit, FORM))
    [effect] = decision.effects
    assert effect.playbook == "cyberpesten" and effect.answers["jurisdiction"] == "nl"
    assert effect.form.what == FORM["what"] and decision.state.view is View.STEPS
    assert "uitgescholden" not in json.dumps(decision.state.to_json())
    # The same submit again is stale: no second effect.
    repeat = engine.decide(decision.state, FormSubmitted(KEY, USER, submit, FORM))
    assert repeat.effects == () and repeat.replies[0].ephemeral


@pytest.mark.parametrize("values, field", [({"what": ""}, "Beschrijf"), ({**FORM, "what": "x" * 2001}, "2000"),
                                           ({**FORM, "since": "y" * 201}, "200")])
def test_bad_input_is_explained_and_nothing_happens(values: dict[str, str], field: str) -> None:
    engine = Engine(LIBRARY, Router(LIBRARY), directory=DIRECTORY)
    state = press(engine, steps_state(engine, "cyberpesten", BULLY), payloads.encode(7, "report")).state
    decision = engine.decide(state, FormSubmitted(KEY, USER, payloads.encode(state.version, "submit"), values))
    assert decision.effects == () and decision.state == state and field in decision.replies[0].text


def test_a_forged_submit_payload_is_refused() -> None:
    engine = Engine(LIBRARY, Router(LIBRARY), directory=DIRECTORY)
    state = press(engine, steps_state(engine, "cyberpesten", BULLY), payloads.encode(7, "report")).state
    for payload in ("pw1:x:submit", f"pw1:{state.version}:ans:a=b", "inc:2026-0001:ack", ""):
        decision = engine.decide(state, FormSubmitted(KEY, USER, payload, FORM))
        assert decision.effects == () and decision.replies[0].ephemeral


STAFF = {"sexual": "yes", "ongoing": "yes", "distress": "no", "age": "under-18", "role": "colleague"}


def test_the_form_asks_for_the_colleagues_role_only_when_a_colleague_is_suspected() -> None:
    engine = Engine(LIBRARY, Router(LIBRARY), directory=DIRECTORY)
    state = press(engine, steps_state(engine, "medewerker-grensoverschrijdend", STAFF),
                  payloads.encode(7, "report")).state
    [form_reply] = engine.decide(state, Command(KEY, USER, "resume")).replies
    assert form_reply.form is not None
    [role] = [f for f in form_reply.form.fields if f.name == "colleague_role"]
    assert [o.value for o in role.options] == ["", "none", "vertrouwenspersoon", "directie", "bestuur"]
    assert "J. de Vries" in role.options[2].label
    submit = payloads.encode(state.version, "submit")
    assert engine.decide(state, FormSubmitted(KEY, USER, submit, FORM)).effects == ()
    assert engine.decide(state, FormSubmitted(KEY, USER, submit, {**FORM, "colleague_role": "ghost"})).effects == ()
    [effect] = engine.decide(state, FormSubmitted(KEY, USER, submit, {**FORM, "colleague_role": "directie"})).effects
    assert effect.form.colleague_role == "directie"


@pytest.mark.parametrize("playbook, answers, asks", [
    ("naaktbeeld-sexting", {"staff": "yes"}, True), ("naaktbeeld-sexting", {"staff": "no"}, False),
    ("beeldpesten", {"staff": "maker"}, True), ("beeldpesten", {"staff": "filmed"}, False),
    ("cyberpesten", {}, False), ("medewerker-grensoverschrijdend", {}, True),
])
def test_which_answers_suspect_a_colleague(playbook: str, answers: dict[str, str], asks: bool) -> None:
    found = LIBRARY.get(playbook)
    assert found is not None and asks_colleague_role(found, answers) is asks


def test_every_playbook_with_a_staff_suspect_option_names_it(tmp_path: Path) -> None:
    """A playbook whose triage can name a staff member as perpetrator must say so, or the
    suspect would get the escalation DM."""
    for playbook in LIBRARY.for_jurisdiction(None):
        staff_options = [(q.id, o.id) for q in playbook.questions for o in q.options
                         if o.id in ("staff", "maker") and q.id in ("who", "admin", "sender", "staff", "perpetrator",
                                                                     "maker")]
        if staff_options:
            assert playbook.colleague_suspected_when is not None, playbook.id


def open_form(engine: Engine) -> ConversationState:
    state = steps_state(engine, "cyberpesten", BULLY)
    return press(engine, state, payloads.encode(state.version, "report")).state


def test_a_full_name_gets_one_warning_and_the_second_submit_goes_through() -> None:
    engine = Engine(LIBRARY, Router(LIBRARY), directory=DIRECTORY)
    state = open_form(engine)
    submit = payloads.encode(state.version, "submit")
    named = {**FORM, "what": "Jan de Vries wordt uitgescholden"}
    warned = engine.decide(state, FormSubmitted(KEY, USER, submit, named))
    assert warned.effects == () and warned.replies[0].meta == {"field": "what"}
    assert "volledige naam" in warned.replies[0].text and "Vries" not in warned.replies[0].text
    assert len(engine.decide(warned.state, FormSubmitted(KEY, USER, submit, named)).effects) == 1
    assert len(engine.decide(state, FormSubmitted(KEY, USER, submit, FORM)).effects) == 1  # initials: no warning


def test_the_form_says_not_to_describe_a_sexual_image_and_fits_the_protocol() -> None:
    engine = Engine(LIBRARY, Router(LIBRARY), directory=DIRECTORY)
    [reply] = engine.decide(open_form(engine), Command(KEY, USER, "resume")).replies
    assert reply.form is not None and "Beschrijf een naakt- of seksueel beeld niet" in reply.form.intro
    meme = LIBRARY.get("docent-meme")
    assert meme is not None and meme.report_hint is not None
    assert "collega" in meme.report_hint.nl and "colleague" in meme.report_hint.en


def test_a_policy_protocol_offers_no_report_button() -> None:
    engine = Engine(LIBRARY, Router(LIBRARY), directory=DIRECTORY)
    policy = LIBRARY.get("preventie-beleid")
    assert policy is not None and not policy.reportable
    state = steps_state(engine, "preventie-beleid", {"incident": "no", "topic": "protocol"})
    [reply] = engine.decide(state, Command(KEY, USER, "resume")).replies
    assert all("Meld" not in b.label for b in reply.all_buttons())
    assert press(engine, state, payloads.encode(state.version, "report")).replies[0].ephemeral


def test_the_report_button_is_above_and_below_the_steps_and_in_all_steps() -> None:
    engine = Engine(LIBRARY, Router(LIBRARY), directory=DIRECTORY)
    state = steps_state(engine, "cyberpesten", BULLY)
    [steps] = engine.decide(state, Command(KEY, USER, "resume")).replies
    above = [(i, b) for i, s in enumerate(steps.sections) for b in s.buttons]
    first_step = next(i for i, s in enumerate(steps.sections) if s.title.startswith("1. "))
    assert len(above) == 1 and above[0][0] < first_step and above[0][1] == steps.choices[0]
    [everything] = press(engine, state, payloads.encode(7, "all")).replies
    assert [b.label for s in everything.sections for b in s.buttons] == ["Meld bij coördinator"]
    assert everything.choices[0].label == "Meld bij coördinator"


def test_reported_steps_name_the_incident_and_an_old_report_button_says_so() -> None:
    engine = Engine(LIBRARY, Router(LIBRARY), directory=DIRECTORY)
    state = steps_state(engine, "cyberpesten", BULLY).evolve(reported="2026-0042")
    [steps] = engine.decide(state, Command(KEY, USER, "resume")).replies
    assert any(s.text.startswith("**Gemeld als incident 2026-0042.**") for s in steps.sections)
    assert not [b for b in steps.all_buttons() if b.label == "Meld bij coördinator"]
    decision = press(engine, state, payloads.encode(3, "report"))  # from an older message too
    assert decision.state == state and "al gemeld als incident 2026-0042" in decision.replies[0].text
    # Starting a protocol again starts a new walk that may be a new incident.
    assert press(engine, state, payloads.encode(7, "restart")).state.reported == ""


def test_more_sends_a_folded_steps_details_as_a_message_of_its_own() -> None:
    engine = Engine(LIBRARY, Router(LIBRARY), directory=DIRECTORY)
    state = steps_state(engine, "cyberpesten", BULLY)
    [steps] = engine.decide(state, Command(KEY, USER, "resume")).replies
    step = next(s for s in steps.sections if s.title.startswith("1. "))
    assert step.collapsed and step.more is not None and step.more.label == "Meer"
    decision = press(engine, state, step.more.payload)
    [details] = decision.replies
    assert decision.state == state and not details.ephemeral and not details.replace
    assert details.sections[0].text == step.text and details.sections[0].fields[0].label == "Wie"
    # Read-only: a "Meer" from an older message still works; a step this protocol lacks does not.
    assert press(engine, state.evolve(version=9), step.more.payload).replies[0].sections[0].text == step.text
    assert press(engine, state, payloads.encode(7, "more", "no-such-step")).replies[0].ephemeral
    do_now = next(s for s in steps.sections if s.title == "Doe nu")
    assert do_now.collapsed and do_now.more is not None
    assert press(engine, state, do_now.more.payload).replies[0].sections[0].text == do_now.text
