"""Opening incidents on SQLite: numbers, the checklist from the answers, the form checked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import InvalidInput
from bot.events import UserRef
from bot.incidents.service import IncidentService, ReportForm
from bot.playbooks.library import PlaybookLibrary
from bot.store.db import session_factory
from tests.conftest import Clock

TEACHER = UserRef("web", "teacher-1")


@pytest.fixture
def library(sample_library: PlaybookLibrary) -> PlaybookLibrary:
    return sample_library


async def test_opening_gives_a_readable_number_and_the_fitting_checklist(db: AsyncEngine,
                                                                         library: PlaybookLibrary) -> None:
    clock = Clock(datetime(2026, 11, 21, 9, 30, tzinfo=UTC))
    service = IncidentService(session_factory(db), library, clock=clock)
    first = await service.open(playbook_id="sample", answers={"minor": "yes", "spread": "many"}, reporter=TEACHER,
                               form=ReportForm("A. uit 3B, beeld in groepsapp", "WhatsApp klasgroep", "gisteren"))
    second = await service.open(playbook_id="sample", answers={"minor": "no"}, reporter=TEACHER,
                                form=ReportForm("tweede melding"))
    assert (first.number, second.number) == ("2026-0001", "2026-0002")
    assert [c.step_id for c in first.checklist] == ["always", "minor-many"]
    assert first.checklist[1].roles == ("vertrouwenspersoon", "directie")
    assert [c.step_id for c in second.checklist] == ["always"]
    assert first.status == "open" and first.reporter == "web:teacher-1"


async def test_numbers_restart_each_year(db: AsyncEngine, library: PlaybookLibrary) -> None:
    clock = Clock(datetime(2026, 12, 31, 23, 59, tzinfo=UTC))
    service = IncidentService(session_factory(db), library, clock=clock)
    assert (await service.open(playbook_id="sample", answers={}, reporter=TEACHER, form=ReportForm("x"))).number \
        == "2026-0001"
    clock.now = datetime(2027, 1, 1, 0, 1, tzinfo=UTC)
    assert (await service.open(playbook_id="sample", answers={}, reporter=TEACHER, form=ReportForm("y"))).number \
        == "2027-0001"


async def test_concurrent_openers_never_share_a_number(db: AsyncEngine, library: PlaybookLibrary) -> None:
    service = IncidentService(session_factory(db), library)
    opened = await asyncio.gather(*(
        service.open(playbook_id="sample", answers={}, reporter=TEACHER, form=ReportForm(f"melding {i}"))
        for i in range(12)
    ))
    numbers = sorted(incident.number for incident in opened)
    assert len(set(numbers)) == 12
    assert [int(n.split("-")[1]) for n in numbers] == list(range(1, 13))


@pytest.mark.parametrize(("form", "field"), [(ReportForm("  "), "what"), (ReportForm("x" * 2001), "what"),
                                             (ReportForm("x", where="y" * 501), "where")])
async def test_the_form_is_checked(db: AsyncEngine, library: PlaybookLibrary, form: ReportForm, field: str) -> None:
    service = IncidentService(session_factory(db), library)
    with pytest.raises(InvalidInput) as caught:
        await service.open(playbook_id="sample", answers={}, reporter=TEACHER, form=form)
    assert caught.value.field == field
