"""After a report the steps say which incident it became, and offer no second report (issue #15)."""

from __future__ import annotations

from pathlib import Path

from bot.conversation.state import View
from bot.events import Command, ConversationKey, UserRef
from tests.scenario.school import button, open_school

BULLY = "een leerling wordt al weken gepest in de groepsapp van de klas"
BULLY_ANSWERS = {"threat": "no", "distress": "no", "images": "none", "bully-known": "our-school", "pattern": "repeated"}
KEY = ConversationKey("web", "teacher", "dm")
FORM = {"what": "Leerling wordt uitgescholden in de klassengroep", "where": "WhatsApp", "since": "maandag"}


async def test_the_steps_after_a_report_name_the_incident_and_offer_no_second_report(tmp_path: Path) -> None:
    school = await open_school(tmp_path)
    try:
        steps = await school.triage("teacher", BULLY, BULLY_ANSWERS)
        report = button(steps, "Meld bij coördinator")
        # The report button above the steps (not screens down) and below them.
        above = [b for s in steps.sections for b in s.buttons]
        assert [b.payload for b in above] == [report.payload]
        [form_reply] = await school.press("teacher", report.payload)
        assert form_reply.form is not None
        number = (await school.submit("teacher", form_reply.form.submit, FORM))[-1].meta["receipt"]

        stored = await school.core.conversations.store.load(KEY.as_string())
        assert stored is not None and stored.reported == number and stored.view is View.STEPS
        [again] = await school.core.handle(Command(KEY, UserRef("web", "teacher", "Teacher"), "resume"))
        texts = "\n".join(s.text for s in again.sections)
        assert f"Gemeld als incident {number}" in texts
        assert not [b for b in again.all_buttons() if "Meld" in b.label]
        assert not [b for s in again.sections for b in s.buttons]

        # The old report button: no second report, and it says which incident it already is.
        [remark] = await school.press("teacher", report.payload)
        assert remark.ephemeral and number in remark.text
        await school.work()
        assert len([r for r in school.platform.to("teacher") if "is gemeld" in r.text]) == 1
    finally:
        await school.core.close()
