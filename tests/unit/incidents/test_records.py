"""Closing, exporting the dossier and purging free text after the retention period."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import InvalidInput
from bot.events import UserRef
from bot.incidents.models import ChecklistRow
from bot.incidents.records import close, export_markdown, parse_period, purge
from bot.incidents.service import IncidentService, ReportForm
from bot.playbooks.library import PlaybookLibrary
from bot.store.db import session_factory
from tests.conftest import REPO, Clock

OWNER = UserRef("web", "coordinator-1")


@pytest.fixture
def library(sample_library: PlaybookLibrary) -> PlaybookLibrary:
    return sample_library


async def test_close_export_and_purge(db: AsyncEngine, library: PlaybookLibrary) -> None:
    clock = Clock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    sessions = session_factory(db)
    service = IncidentService(sessions, library, clock=clock)
    incident = await service.open(playbook_id="sample", answers={"minor": "no"}, reporter=UserRef("web", "t1"),
                                  form=ReportForm("A. uit 2B werd uitgescholden", "klassenapp", "maandag"))
    async with sessions() as session, session.begin():  # the step done, as the card's button records it
        await session.execute(update(ChecklistRow).where(ChecklistRow.incident_id == incident.id,
                                                         ChecklistRow.step_id == "always")
                              .values(done=True, done_by="web:coordinator-1", done_at=clock()))
    await close(sessions, number=incident.number, outcome="resolved", by=OWNER, clock=clock)
    dossier = await export_markdown(sessions, number=incident.number, library=library)
    assert dossier.startswith("# Incident 2025-0001\n")
    assert "A. uit 2B werd uitgescholden" in dossier and "| Gesloten (Opgelost) |" in dossier
    assert "- [x] Altijd (Ieder personeelslid) — gedaan: Medewerker, 2025-03-01 10:00 CET" in dossier

    clock.now += timedelta(days=200)
    assert await purge(sessions, older_than=parse_period("365d"), clock=clock) == 0
    clock.now += timedelta(days=200)
    assert await purge(sessions, older_than=parse_period("365d"), clock=clock) == 1
    assert await purge(sessions, older_than=parse_period("365d"), clock=clock) == 0
    after = await export_markdown(sessions, number=incident.number, library=library)
    assert "uitgescholden" not in after and "verwijderd na bewaartermijn" in after
    assert "Status: Gesloten — uitkomst: Opgelost" in after and "2025-03-01" in after  # statistics stay


async def test_open_incidents_are_never_purged(db: AsyncEngine, library: PlaybookLibrary) -> None:
    clock = Clock(datetime(2020, 1, 1, tzinfo=UTC))
    sessions = session_factory(db)
    await IncidentService(sessions, library, clock=clock).open(playbook_id="sample", answers={},
                                                               reporter=UserRef("web", "t"), form=ReportForm("x"))
    clock.now += timedelta(days=3000)
    assert await purge(sessions, older_than=parse_period("1d"), clock=clock) == 0


def test_bad_periods_and_outcomes_are_refused() -> None:
    with pytest.raises(InvalidInput):
        parse_period("a year")
    assert parse_period("52w") == timedelta(weeks=52)


def test_cli_export_and_purge(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db"}
    missing = subprocess.run([sys.executable, "-m", "bot", "export", "2026-9999"], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "bestaat niet" in missing.stderr
    purged = subprocess.run([sys.executable, "-m", "bot", "purge", "--older-than", "365d"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert purged.returncode == 0 and "purged the free text of 0" in purged.stderr
    bad = subprocess.run([sys.executable, "-m", "bot", "purge", "--older-than", "soon"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "not a period" in bad.stderr


async def test_cli_export_names_roles_titles_and_local_times(tmp_path: Path) -> None:
    """``protocolwijzer export`` reads the school's language, zone and roles (the demo school
    when there is no school.yaml, as the simulator does) and the playbooks' titles."""
    from bot.playbooks.library import load_library
    from bot.store.db import create_schema, make_engine
    from tests.conftest import PLAYBOOKS

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    await create_schema(engine)
    sessions = session_factory(engine)
    library, _ = load_library(PLAYBOOKS)
    clock = Clock(datetime(2026, 12, 4, 15, 32, tzinfo=UTC))
    incident = await IncidentService(sessions, library, clock=clock).open(
        playbook_id="naaktbeeld-sexting", answers={"distress": "no", "minor": "yes"},
        reporter=UserRef("web", "docent"), form=ReportForm("Beeld van J. in de klassenapp"))
    await close(sessions, number=incident.number, outcome="no-action", by=UserRef("web", "vertrouwenspersoon"),
                clock=clock)
    await engine.dispose()

    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db", "PLAYBOOKS_DIR": str(PLAYBOOKS),
           "SCHOOL_CONFIG": str(tmp_path / "school.yaml")}
    demo = subprocess.run([sys.executable, "-m", "bot", "export", incident.number], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    assert demo.returncode == 0 and "demo school" in demo.stderr
    assert "- Gemeld: 2026-12-04 16:32 CET" in demo.stdout and "- Protocol: Naakt- of seksueel beeld" in demo.stdout
    assert "| Vertrouwenspersoon / anti-pestcoördinator | Gesloten (Geen actie nodig) |" in demo.stdout
    assert "web:" not in demo.stdout and "docent" not in demo.stdout

    (tmp_path / "school.yaml").write_text("school: Testschool\nlanguage: en\n"
                                          "working_hours: {tz: Europe/London}\n", encoding="utf-8")
    english = subprocess.run([sys.executable, "-m", "bot", "export", incident.number], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=60)
    assert english.returncode == 0 and not english.stderr
    assert "- Reported: 2026-12-04 15:32 GMT" in english.stdout and "| Staff member | Closed (No action needed) |" \
        in english.stdout

    (tmp_path / "school.yaml").write_text("school: Testschool\nlanguage: fr\n", encoding="utf-8")
    broken = subprocess.run([sys.executable, "-m", "bot", "export", incident.number], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert broken.returncode == 1 and "school.yaml:2" in broken.stderr and not broken.stdout
