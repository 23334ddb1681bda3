"""The whole incident journey through the real core, with a recording platform.

A teacher asks, answers the triage, reports; the private space opens with the card; the
coordinators get [Ik pak dit op]; one takes it and the others' messages say so; the
reporter hears who has it; steps are ticked; at the inform-the-team step the owner gets
the briefing preview, edits it (an edit with a name from the form is refused), sends it
to the team channel; the owner closes with an outcome; the export has the chronology.
"""

from __future__ import annotations

from pathlib import Path

from bot.incidents.records import export_markdown
from bot.store.db import session_factory
from tests.scenario.school import School, button, open_school

QUESTION = "er gaat een naaktfoto rond van een leerling uit 3B, wat moet ik doen?"
ANSWERS = {"distress": "no", "minor": "yes", "staff": "no", "extortion": "no", "spread": "class",
           "perpetrator": "our-school"}
FORM = {"what": "Naaktfoto van leerling J. (3B) gaat rond in de klassengroep, gedeeld door Sanne",
        "where": "Snapchat-groep 'klas 3B'", "since": "gisteravond"}


async def test_the_full_journey(tmp_path: Path) -> None:
    school = await open_school(tmp_path)
    try:
        await _journey(school)
    finally:
        await school.core.close()


async def _journey(school: School) -> None:
    platform = school.platform
    steps = await school.triage("teacher", QUESTION, ANSWERS)
    assert steps.choices[0].label == "Meld bij coördinator"

    # The form says what not to type, and asks nothing about colleagues on this path.
    [form_reply] = await school.press("teacher", button(steps, "Meld bij coördinator").payload)
    assert form_reply.form is not None
    assert "geen namen" in form_reply.form.intro and "afbeelding" in form_reply.form.intro
    assert [f.name for f in form_reply.form.fields] == ["what", "where", "since"]

    # An empty form loses nothing and says why; the filled one opens the incident.
    [remark] = await school.submit("teacher", form_reply.form.submit, {"what": " "})
    assert remark.ephemeral and "Beschrijf kort" in remark.text
    [receipt] = await school.submit("teacher", form_reply.form.submit, FORM)
    assert receipt.replace and "verstuurd" in receipt.text
    assert "2026-0001" not in receipt.text, "the confirmation right below names the number, once"
    confirmation = await school.confirmation("teacher")  # through the outbox: an outage delays it, never loses it
    assert not confirmation.replace and "Incident 2026-0001 is gemeld" in confirmation.text
    # A second press of the same submit (a double tap, a retry) opens nothing new.
    [again] = await school.submit("teacher", form_reply.form.submit, FORM)
    assert again.ephemeral

    # Urgent path in school hours: everything goes out at once.
    await school.work()
    # Invited: the roles the fitting steps report to, not every mentor of the school.
    assert platform.spaces == {"incident-2026-0001": {"vp1", "vp2", "dir1"}}
    [card] = platform.current("incident-2026-0001")
    assert card.text.startswith("Incident 2026-0001")
    assert "J. (3B)" in card.sections[1].text  # the report, in the private space only
    for coordinator in ("vp1", "vp2", "dir1"):
        [dm] = platform.to(coordinator)
        assert dm.choices[0].label == "Ik pak dit op"
        assert "J." not in dm.text and "3B" not in dm.text  # no free text outside the space
    ack = platform.to("vp1")[0].choices[0].payload

    # vp2 takes it; vp1's and dir1's DMs now say so; the reporter hears who has it.
    [owned] = await school.press("vp2", ack)
    assert owned.replace and "eigenaar" in owned.text
    [late] = await school.press("vp1", ack)
    assert "opgepakt door J. de Vries" in late.text
    await school.work()
    assert not platform.current("vp1")[0].choices and "opgepakt" in platform.current("dir1")[0].text
    taken = platform.to("teacher")[1:]  # after the confirmation
    assert len(taken) == 1 and "opgepakt door J. de Vries" in taken[0].text
    card = platform.current("incident-2026-0001")[0]
    assert any(f.label == "Eigenaar" and "J. de Vries" in f.value for f in card.sections[0].fields)

    # Tick every step before the inform-the-team step: the owner gets the preview in a DM.
    items = card.sections[2].checklist
    briefing_at = next(i for i, item in enumerate(items) if item.id == "inform-team")
    for item in items[:briefing_at]:
        assert item.action is not None
        assert await school.press("vp2", item.action.payload) == []
    # Ticking twice changes nothing; someone outside the incident is refused.
    assert await school.press("vp2", items[0].action.payload if items[0].action else "") == []
    [refused] = await school.press("teacher", items[0].action.payload if items[0].action else "")
    assert refused.ephemeral and "niet bij jou" in refused.text
    await school.work()
    preview = next(r for r in platform.to("vp2") if "Voorbeeld teambriefing" in r.text)
    draft = preview.sections[-1].text
    assert "Teambriefing" in draft and "J." not in draft and "3B" not in draft and "Sanne" not in draft

    # Only the owner briefs; an edit with a name from the form is refused and nothing is sent.
    [not_owner] = await school.press("dir1", button(preview, "Versturen").payload)
    assert "Alleen de eigenaar" in not_owner.text
    [edit] = await school.press("vp2", button(preview, "Aanpassen").payload)
    assert edit.form is not None and edit.form.fields[0].value == draft
    [leak] = await school.submit("vp2", edit.form.submit, {"text": draft + "\n\nHet gaat om Sanne uit 3B."})
    assert leak.ephemeral and "Sanne" in leak.text and "3B" in leak.text
    [edited] = await school.submit("vp2", edit.form.submit, {"text": draft + "\n\nVragen? Loop even binnen."})
    assert edited.replace and "Loop even binnen" in edited.sections[-1].text
    # The old preview's [Versturen] belonged to the old text: refused.
    [stale] = await school.press("vp2", button(preview, "Versturen").payload)
    assert "aangepast" in stale.text
    [sent] = await school.press("vp2", button(edited, "Versturen").payload)
    assert "is verstuurd" in sent.text and not sent.ephemeral
    await school.work()
    [posted] = platform.to("team")
    assert "Loop even binnen" in posted.sections[0].text
    for typed in ("J.", "3B", "Sanne", "gisteravond", "klassengroep"):
        assert typed not in posted.sections[0].text

    # Close with an outcome; the reporter hears it; buttons on a closed incident do nothing.
    card = platform.current("incident-2026-0001")[0]
    [choose] = await school.press("vp2", button(card, "Incident sluiten").payload)
    [closed] = await school.press("vp2", button(choose, "Opgelost").payload)
    assert "gesloten" in closed.text
    [after] = await school.press("vp2", button(choose, "Opgelost").payload)
    assert "al gesloten" in after.text
    await school.work()
    assert "afgerond" in platform.to("teacher")[-1].text
    card = platform.current("incident-2026-0001")[0]
    assert not card.actions and all(item.action is None for item in card.sections[2].checklist)

    dossier = await export_markdown(session_factory(school.core.db), number="2026-0001",
                                    library=school.core.library, directory=school.core.directory)
    for said in ("Melding gedaan", "Opgepakt", "Stap afgevinkt: ", "Teambriefing verstuurd", "Gesloten (Opgelost)"):
        assert f"| {said}" in dossier
    assert "Loop even binnen" in dossier and "web:" not in dossier


async def test_ticking_a_step_twice_is_recorded_once(tmp_path: Path) -> None:
    """A double tap on the card's done button: done once, by the one who pressed, one
    chronology entry (the only tick path is the card's button)."""
    from sqlalchemy import select

    from bot.incidents.models import ChecklistRow, ChronologyRow, IncidentRow

    school = await open_school(tmp_path)
    try:
        number = await school.report("teacher", QUESTION, ANSWERS, FORM)
        await school.work()
        await school.press("vp1", f"inc:{number}:ack")
        async with session_factory(school.core.db)() as session:
            incident = (await session.execute(select(IncidentRow).where(IncidentRow.number == number))).scalar_one()
            first = (await session.execute(select(ChecklistRow).where(ChecklistRow.incident_id == incident.id)
                                           .order_by(ChecklistRow.position))).scalars().first()
        assert first is not None
        await school.press("vp1", f"inc:{number}:tick:{first.step_id}")
        assert await school.press("vp1", f"inc:{number}:tick:{first.step_id}") == []
        async with session_factory(school.core.db)() as session:
            item = await session.get(ChecklistRow, first.id)
            checked = (await session.execute(select(ChronologyRow.detail).where(
                ChronologyRow.incident_id == incident.id, ChronologyRow.kind == "checked"))).scalars().all()
        assert item is not None and item.done and item.done_by == "web:vp1"
        assert checked == [first.step_id]
    finally:
        await school.core.close()
