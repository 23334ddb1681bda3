"""The rules around the journey: races, re-escalation, working hours, restarts, outages,
the suspected colleague, forged and foreign buttons."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.incidents.card import digest
from bot.notify.outbox import OutboxRow, status_counts
from bot.store.db import session_factory
from tests.fakes.platform import FakePlatform
from tests.scenario.school import EVENING, School, button, open_school

NUDE = "er gaat een naaktfoto rond van een leerling uit 3B, wat moet ik doen?"
NUDE_ANSWERS = {"distress": "no", "minor": "yes", "staff": "no", "extortion": "no"}
BULLY = "een leerling wordt al weken gepest in de groepsapp van de klas"
BULLY_ANSWERS = {"threat": "no", "distress": "no", "images": "none", "bully-known": "our-school", "pattern": "repeated"}
STAFF = "een collega stuurt een leerling van 15 flirterige berichten via Instagram"
STAFF_ANSWERS = {"sexual": "yes", "ongoing": "yes", "age": "under-18", "role": "colleague"}
FORM = {"what": "Leerling K. (4A) krijgt berichten van Pieter", "where": "Instagram", "since": "maandag"}


@pytest.fixture
async def school(tmp_path: Path) -> School:
    school = await open_school(tmp_path)
    yield school  # type: ignore[misc]
    await school.core.close()


async def test_two_coordinators_press_at_once_one_owner(school: School) -> None:
    await school.report("teacher", NUDE, NUDE_ANSWERS, FORM)
    await school.work()
    ack = school.platform.to("vp1")[0].choices[0].payload
    first, second = await asyncio.gather(school.press("vp1", ack), school.press("vp2", ack))
    owners = [r for [r] in (first, second) if "eigenaar" in r.text]
    assert len(owners) == 1
    await school.work()
    assert [r.text for r in school.platform.to("teacher")][1:] == [  # confirmed, then told once about one owner
        next(r.text for r in school.platform.to("teacher") if "opgepakt" in r.text)]


async def test_nobody_acknowledges_so_the_next_role_is_pinged_then_the_reporter_is_told(school: School) -> None:
    number = await school.report("teacher", BULLY, BULLY_ANSWERS, FORM)
    await school.work()
    # cyberpesten, repeated, no threat: 'listen' (vertrouwenspersoon, 1h) and the bullying protocol
    # (directie, 4h) are reported to at once; the shortest window counts; the board is next.
    assert [len(school.platform.to(p)) for p in ("vp1", "vp2", "dir1", "board1")] == [1, 1, 1, 0]
    await school.later(minutes=59)
    assert school.platform.to("board1") == []
    await school.later(minutes=2)
    [dm] = school.platform.to("board1")
    assert number in dm.text and dm.choices[0].label == "Ik pak dit op"
    assert "Niemand" not in school.platform.to("teacher")[-1].text if school.platform.to("teacher") else True
    await school.later(hours=1, minutes=1)
    assert "Niemand heeft incident" in school.platform.to("teacher")[-1].text
    await school.later(hours=5)
    assert len(school.platform.to("board1")) == 1 and len(school.platform.to("teacher")) == 2  # each once
    card = school.platform.current(f"incident-{number}")[0]
    assert "doorgezet naar bestuur" in card.sections[3].text


async def test_out_of_hours_the_reporter_is_told_with_112_and_the_ping_waits(tmp_path: Path) -> None:
    school = await open_school(tmp_path, start=EVENING)
    try:
        steps = await school.triage("teacher", BULLY, BULLY_ANSWERS)
        [form] = await school.press("teacher", button(steps, "Meld bij coördinator").payload)
        assert form.form is not None
        await school.submit("teacher", form.form.submit, FORM)
        confirmation = await school.confirmation("teacher")
        later = ("Het is nu buiten werktijd: vertrouwenspersoon / anti-pestcoördinator en directie (schoolleiding) "
                 "krijgen op donderdag om 08:00 een bericht.")
        assert later in confirmation.text and "krijgen nu" not in confirmation.text
        assert "112" in confirmation.sections[-1].text
        await school.work()
        assert school.platform.to("vp1") == []
        await school.later(hours=10, minutes=59)  # 06:59 Amsterdam
        assert school.platform.to("vp1") == []
        await school.later(minutes=2)
        assert len(school.platform.to("vp1")) == 1
    finally:
        await school.core.close()


async def test_urgent_escalations_ignore_working_hours(tmp_path: Path) -> None:
    school = await open_school(tmp_path, start=EVENING)
    try:
        [confirmation] = [await school.report("teacher", NUDE, NUDE_ANSWERS, FORM)]
        await school.work()
        assert len(school.platform.to("vp1")) == 1 and confirmation
    finally:
        await school.core.close()


async def test_a_restart_between_scheduling_and_firing_fires_once(tmp_path: Path) -> None:
    first = await open_school(tmp_path)
    await first.report("teacher", BULLY, BULLY_ANSWERS, FORM)
    await first.work()
    await first.core.close()  # the process dies with the escalation timer pending

    platform = FakePlatform()
    again = await open_school(tmp_path, start=first.clock() , platform=platform)
    try:
        await again.later(hours=1, minutes=1)
        await again.work()
        assert len(platform.to("board1")) == 1
        await again.later(minutes=1)
        assert len(platform.to("board1")) == 1
    finally:
        await again.core.close()


async def test_a_platform_outage_delays_messages_but_loses_and_doubles_none(tmp_path: Path) -> None:
    platform = FakePlatform(failures=3)
    school = await open_school(tmp_path, platform=platform)
    try:
        await school.report("teacher", NUDE, NUDE_ANSWERS, FORM)
        await school.work()  # vp1, vp2 and dir1 hit the outage
        assert platform.to("vp1") == [] and platform.to("dir1") == []
        for _ in range(4):
            await school.later(minutes=1)
        for person in ("vp1", "vp2", "dir1"):
            assert len(platform.to(person)) == 1
        assert len(platform.current("incident-2026-0001")) == 1
        counts = await status_counts(session_factory(school.core.db))
        assert counts["failed"] == 0 and counts["pending"] == 0
    finally:
        await school.core.close()


async def test_the_suspected_colleague_never_receives_anything(school: School) -> None:
    """The colleague is the vertrouwenspersoon: neither holder is invited, messaged,
    escalated to or briefed; the route goes to the board."""
    steps = await school.triage("teacher", STAFF, STAFF_ANSWERS)
    [form] = await school.press("teacher", button(steps, "Meld bij coördinator").payload)
    assert form.form is not None
    role_field = form.form.fields[-1]
    assert role_field.name == "colleague_role" and role_field.required
    assert [o.value for o in role_field.options][:2] == ["", "none"]
    [missing] = await school.submit("teacher", form.form.submit, FORM)
    assert missing.ephemeral and "rol" in missing.text
    await school.submit("teacher", form.form.submit, {**FORM, "colleague_role": "vertrouwenspersoon"})
    assert "bestuur (bevoegd gezag)" in (await school.confirmation("teacher")).text  # in the list, lower case
    [dm] = school.platform.to("board1")
    ack = dm.choices[0].payload
    # The suspect cannot take it, tick it or see it, even holding a role of the chain.
    for suspect in ("vp1", "vp2"):
        [refused] = await school.press(suspect, ack)
        assert "niet bij jou" in refused.text
    await school.press("board1", ack)
    for _ in range(6):
        await school.later(hours=1)
    card = school.platform.current("incident-2026-0001")[0]
    for item in card.sections[2].checklist:
        if item.action:
            await school.press("board1", item.action.payload)
    await school.work()
    # The briefing is prepared but never posted where the suspect reads along.
    preview = next(r for r in school.platform.to("board1") if "Voorbeeld teambriefing" in r.text)
    assert "Niet naar het teamkanaal" in preview.sections[1].text
    assert all("Versturen" not in b.label for b in preview.all_buttons())
    [refused] = await school.press("board1", f"inc:2026-0001:send:{digest(preview.sections[-1].text)}")
    assert "Niet naar het teamkanaal" in refused.text
    await school.later(days=2)
    assert not {"vp1", "vp2", "team"} & school.platform.everyone()


async def test_forged_foreign_and_unknown_incident_buttons_are_refused_and_logged(
    school: School, caplog: pytest.LogCaptureFixture,
) -> None:
    await school.report("teacher", NUDE, NUDE_ANSWERS, FORM)
    await school.work()
    caplog.set_level(logging.WARNING)
    for who, payload in (("mentor1", "inc:2026-0001:ack"), ("stranger", "inc:2026-0001:close"),
                         ("vp1", "inc:2026-9999:ack"), ("vp1", "inc:2026-0001:drop:tables"),
                         ("vp1", "inc:../../etc:ack")):
        [reply] = await school.press(who, payload)
        assert reply.ephemeral, (who, payload)
    refusals = [r for r in caplog.records if r.getMessage().startswith("refused incident action")]
    assert len(refusals) == 5
    for record in refusals:  # numbers and verbs only: never names or typed text
        assert "K." not in str(record.__dict__) and "Pieter" not in str(record.__dict__)
    # Only the owner closes; before anyone took it, nobody can.
    [early] = await school.press("vp1", "inc:2026-0001:close")
    assert "Alleen de eigenaar" in early.text


async def test_logs_carry_incident_numbers_never_free_text(school: School, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # what a deployment logs (driver DEBUG logs echo SQL parameters)
    await school.report("teacher", NUDE, NUDE_ANSWERS, FORM)
    await school.work()
    [dm] = school.platform.to("vp1")
    await school.press("vp1", dm.choices[0].payload)
    await school.work()
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "incident 2026-0001 reported" in caplog.text and "incident 2026-0001 acknowledged" in caplog.text
    for typed in FORM.values():
        assert typed not in text


async def test_a_space_delivered_twice_after_a_crash_has_one_card(school: School) -> None:
    """The worker died after the platform call and before marking the message sent: the
    outbox delivers again; the space is found by name and the card is not posted twice."""
    await school.report("teacher", NUDE, NUDE_ANSWERS, FORM)
    await school.work()
    sessions = session_factory(school.core.db)
    async with sessions() as session, session.begin():
        row = (await session.execute(select(OutboxRow).where(OutboxRow.kind == "space"))).scalar_one()
        await session.execute(update(OutboxRow).where(OutboxRow.id == row.id).values(status="pending"))
    await school.work()
    assert len([s for s in school.platform.sent if s.kind == "post"]) == 1
    assert len([s for s in school.platform.sent if s.kind == "open_space"]) == 1


async def test_a_school_whose_language_is_english_starts_every_conversation_in_english(tmp_path: Path) -> None:
    from tests.scenario.school import SCHOOL_YAML

    (tmp_path / "school.yaml").write_text(SCHOOL_YAML.replace("language: nl", "language: en"), encoding="utf-8")
    school = await open_school(tmp_path)
    try:
        [menu] = await school.say("teacher", "menu")
        assert menu.lang == "en" and menu.text == "What is it about?"
        assert {b.label for b in menu.choices} == {p.title.get("en", "nl") for p in school.core.library}
        [reply] = await school.press("teacher", menu.choices[0].payload)
        assert reply.lang == "en" and any(s.title == "Do now" for s in reply.sections)
    finally:
        await school.core.close()
