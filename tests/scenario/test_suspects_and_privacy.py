"""Found in review: a suspected leader, a suspected colleague without a role, the
untouched briefing, free text on a database error, and windows in working time."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.scenario.school import button, open_school
from tests.scenario.test_incident_rules import BULLY, BULLY_ANSWERS, NUDE, NUDE_ANSWERS

THREAT = "een leerling wordt online bedreigd, wat moet ik doen?"
THREAT_ANSWERS = {"concrete": "yes", "target": "pupil", "sender": "staff", "extortion": "no"}
STAFF = "een collega stuurt een leerling van 15 flirterige berichten via Instagram"
STAFF_ANSWERS = {"sexual": "yes", "ongoing": "yes", "age": "under-18", "role": "colleague"}
FORM = {"what": "Leerling K. krijgt berichten van Pieter", "where": "Instagram", "since": "maandag"}


async def test_a_suspected_leader_is_skipped_and_the_board_hears_at_once(tmp_path: Path) -> None:
    school = await open_school(tmp_path)
    try:
        steps = await school.triage("teacher", THREAT, THREAT_ANSWERS)
        [form] = await school.press("teacher", button(steps, "Meld bij coördinator").payload)
        assert form.form is not None and form.form.fields[-1].name == "colleague_role"
        await school.submit("teacher", form.form.submit, {**FORM, "colleague_role": "directie"})
        confirmation = await school.confirmation("teacher")
        everything = confirmation.text + " ".join(s.text for s in confirmation.sections)
        assert school.platform.to("board1") and "dir1" not in school.platform.everyone()
        assert "Directie" not in confirmation.text and "Bestuur" in confirmation.text
        assert "Bel de schoolleiding" not in everything
    finally:
        await school.core.close()


async def test_a_suspected_colleague_without_a_role_is_not_briefed_either(tmp_path: Path) -> None:
    school = await open_school(tmp_path)
    try:
        number = await school.report("teacher", STAFF, STAFF_ANSWERS, {**FORM, "colleague_role": "none"})
        await school.work()
        [dm] = school.platform.to("board1")
        await school.press("board1", dm.choices[0].payload)
        await school.work()
        card = school.platform.current(f"incident-{number}")[0]
        [preview] = await school.press("board1", button(card, "Teambriefing").payload)
        assert "Niet naar het teamkanaal" in preview.sections[0].text
        assert all("Versturen" not in b.label for b in preview.all_buttons())
        await school.work()
        assert school.platform.to("team") == []
    finally:
        await school.core.close()


async def test_the_untouched_template_can_be_sent_whatever_the_report_says(tmp_path: Path) -> None:
    school = await open_school(tmp_path)
    try:
        form = {"what": "Leerling K. heeft een foto doorgestuurd gekregen", "where": "Snapchat", "since": "gisteren"}
        number = await school.report("teacher", NUDE, NUDE_ANSWERS, form)
        await school.work()
        await school.press("vp1", school.platform.to("vp1")[0].choices[0].payload)
        await school.work()
        card = school.platform.current(f"incident-{number}")[0]
        [preview] = await school.press("vp1", button(card, "Teambriefing").payload)
        [result] = await school.press("vp1", button(preview, "Versturen").payload)
        assert "is verstuurd" in result.text and not result.ephemeral
    finally:
        await school.core.close()


async def test_free_text_never_reaches_the_logs_on_a_database_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    school = await open_school(tmp_path)
    try:
        async with school.core.db.begin() as connection:  # stands in for "database is locked" or a PG error
            await connection.execute(text("CREATE TRIGGER boom BEFORE INSERT ON incidents "
                                          "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"))
        caplog.set_level(logging.INFO)
        steps = await school.triage("teacher", NUDE, NUDE_ANSWERS)
        [form] = await school.press("teacher", button(steps, "Meld bij coördinator").payload)
        assert form.form is not None
        [reply] = await school.submit("teacher", form.form.submit, {**FORM, "what": "Leerling Sanne de Boer uit 4A"})
        assert reply.ephemeral and "gemeld" not in reply.text and "112" in reply.text
        assert "Sanne" not in caplog.text
    finally:
        await school.core.close()


async def test_a_non_urgent_window_counts_working_time(tmp_path: Path) -> None:
    school = await open_school(tmp_path, start=datetime(2026, 11, 18, 15, 30, tzinfo=UTC))  # Wed 16:30
    try:
        await school.report("teacher", BULLY, BULLY_ANSWERS, FORM)
        await school.work()
        assert school.platform.to("vp1")
        await school.later(hours=15, minutes=31)  # Thu 08:01: 30 working minutes of a 1-hour window
        assert school.platform.to("board1") == []
        await school.later(minutes=30)  # Thu 08:31
        assert len(school.platform.to("board1")) == 1
    finally:
        await school.core.close()
