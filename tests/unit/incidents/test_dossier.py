"""The dossier export as a school files it: local times with the zone, titles, roles, the
school's language, and typed text that cannot change the document's structure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.directory import RoleHolders, SchoolDirectory, WorkingHours
from bot.events import UserRef
from bot.incidents.dossier import export_markdown, inline, quote
from bot.incidents.form import ReportForm
from bot.incidents.models import ChecklistRow, ChronologyRow, IncidentRow
from bot.incidents.records import close
from bot.incidents.service import IncidentService
from bot.playbooks.library import PlaybookLibrary
from bot.store.db import session_factory
from tests.conftest import Clock

TEACHER = UserRef("slack", "U0TEACHER")
COORDINATOR = UserRef("slack", "U0COORD")
COLLEAGUE = UserRef("slack", "U0NOROLE")
BRIEFING = ("Beste collega's,\n# Let op | niet doorsturen\n\nGeen `code`, geen <b>HTML</b>, geen [link](x).\n"
            "---\n1. een lijst\n> een citaat")


def school(language: str = "nl", tz: str = "Europe/Amsterdam") -> SchoolDirectory:
    return SchoolDirectory(school="Testschool", language=language, working_hours=WorkingHours(tz=tz), roles={
        "vertrouwenspersoon": RoleHolders(name="J. de Vries", slack=["U0COORD"]),
        "zorgcoordinator": RoleHolders(slack=["U0COORD"]),
        "directie": RoleHolders(name="A. Jansen", slack=["U0BOSS"]),
    })


async def _incident(db: AsyncEngine, library: PlaybookLibrary, *, at: datetime,
                    what: str = "A. uit 2B wordt uitgescholden") -> tuple[async_sessionmaker[AsyncSession], str]:
    """Reported, taken, one step done, a multi-line briefing sent, closed: the whole chronology."""
    clock = Clock(at)
    sessions = session_factory(db)
    incident = await IncidentService(sessions, library, clock=clock).open(
        playbook_id="sample", answers={"minor": "yes", "spread": "many"}, reporter=TEACHER,
        form=ReportForm(what, "klassenapp", "maandag"))
    async with sessions() as session, session.begin():
        await session.execute(update(IncidentRow).where(IncidentRow.id == incident.id)
                              .values(owner_id=COORDINATOR.id, status="acknowledged"))
        await session.execute(update(ChecklistRow).where(ChecklistRow.incident_id == incident.id,
                                                         ChecklistRow.step_id == "always")
                              .values(done=True, done_by=f"slack:{COLLEAGUE.id}", done_at=at + timedelta(minutes=5)))
        session.add_all([
            ChronologyRow(incident_id=incident.id, at=at + timedelta(minutes=2), actor="slack:U0COORD",
                          kind="acknowledged", detail=""),
            ChronologyRow(incident_id=incident.id, at=at + timedelta(minutes=5), actor="slack:U0NOROLE",
                          kind="checked", detail="always"),
            ChronologyRow(incident_id=incident.id, at=at + timedelta(minutes=6), actor="protocolwijzer",
                          kind="escalated", detail="directie"),
            ChronologyRow(incident_id=incident.id, at=at + timedelta(minutes=9), actor="slack:U0COORD",
                          kind="briefing", detail=BRIEFING),
        ])
    clock.now = at + timedelta(hours=2)
    await close(sessions, number=incident.number, outcome="referred", by=COORDINATOR, clock=clock)
    return sessions, incident.number


def _tokens(markdown: str) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(markdown)


def _table_rows(markdown: str) -> list[list[str]]:
    """Every row of the chronology table as its cells' text, as a Markdown renderer sees it."""
    rows: list[list[str]] = []
    tokens = _tokens(markdown)
    for index, token in enumerate(tokens):
        if token.type == "tr_open":
            rows.append([])
        elif token.type in ("th_open", "td_open"):
            rows[-1].append(tokens[index + 1].content)
    return rows


async def test_times_are_local_with_their_zone(db: AsyncEngine, sample_library: PlaybookLibrary) -> None:
    winter_sessions, winter = await _incident(db, sample_library, at=datetime(2026, 12, 4, 15, 32, tzinfo=UTC))
    dossier = await export_markdown(winter_sessions, number=winter, library=sample_library, directory=school())
    assert "- Gemeld: 2026-12-04 16:32 CET" in dossier and "- Tijdzone: Europe/Amsterdam" in dossier
    assert "| 2026-12-04 16:34 CET | Vertrouwenspersoon" in dossier
    assert "- Gesloten: 2026-12-04 18:32 CET" in dossier

    summer_sessions, summer = await _incident(db, sample_library, at=datetime(2026, 6, 4, 14, 32, tzinfo=UTC))
    dossier = await export_markdown(summer_sessions, number=summer, library=sample_library, directory=school())
    assert "- Gemeld: 2026-06-04 16:32 CEST" in dossier

    elsewhere = await export_markdown(summer_sessions, number=summer, library=sample_library,
                                      directory=school(tz="America/New_York"))
    assert "- Gemeld: 2026-06-04 10:32 EDT" in elsewhere and "America/New_York" in elsewhere
    unknown = await export_markdown(summer_sessions, number=summer, library=sample_library,
                                    directory=school(tz="Nowhere/Atall"))
    assert "- Gemeld: 2026-06-04 14:32 UTC" in unknown and "- Tijdzone: UTC" in unknown


async def test_steps_protocol_people_and_statuses_in_the_schools_words(db: AsyncEngine,
                                                                       sample_library: PlaybookLibrary) -> None:
    sessions, number = await _incident(db, sample_library, at=datetime(2026, 12, 4, 15, 32, tzinfo=UTC))
    dossier = await export_markdown(sessions, number=number, library=sample_library, directory=school())

    assert "- Protocol: Voorbeeld (`sample`)" in dossier
    assert "- [x] Altijd (Ieder personeelslid) — gedaan: Medewerker, 2026-12-04 16:37 CET" in dossier
    assert "- [ ] Veel (Vertrouwenspersoon / anti-pestcoördinator, Directie (schoolleiding))" in dossier
    assert "`always`" not in dossier and "minor-many" not in dossier
    assert "- Status: Gesloten — uitkomst: Doorverwezen" in dossier
    assert "- Eigenaar: Vertrouwenspersoon / anti-pestcoördinator, Zorgcoördinator" in dossier
    assert "- Melder: Medewerker" in dossier
    rows = _table_rows(dossier)
    assert rows[0] == ["Tijd", "Wie", "Wat"]
    assert [row[1:] for row in rows[1:]] == [
        ["Melder", "Melding gedaan"],
        ["Vertrouwenspersoon / anti-pestcoördinator, Zorgcoördinator", "Opgepakt"],
        ["Medewerker", "Stap afgevinkt: Altijd"],
        ["Protocolwijzer", "Doorgezet naar Directie (schoolleiding)"],
        ["Vertrouwenspersoon / anti-pestcoördinator, Zorgcoördinator", "Teambriefing verstuurd (tekst [1] hieronder)"],
        ["Vertrouwenspersoon / anti-pestcoördinator, Zorgcoördinator", "Gesloten (Doorverwezen)"],
    ]
    for platform_id in ("U0TEACHER", "U0COORD", "U0NOROLE", "slack:", "closed", "acknowledged", "referred"):
        assert platform_id not in dossier

    english = await export_markdown(sessions, number=number, library=sample_library, directory=school("en"))
    assert "- Status: Closed — outcome: Referred" in english and "## Chronology" in english
    assert "- [x] Always (Any staff member) — done: Staff member, 2026-12-04 16:37 CET" in english
    assert ["Reporter", "Reported"] in [row[1:] for row in _table_rows(english)]


async def test_a_multiline_briefing_is_quoted_and_the_table_stays_whole(db: AsyncEngine,
                                                                       sample_library: PlaybookLibrary) -> None:
    sessions, number = await _incident(db, sample_library, at=datetime(2026, 12, 4, 15, 32, tzinfo=UTC),
                                       what="Groepsapp | klas 2B\n# Alles kwijt\n`x` <script>")
    dossier = await export_markdown(sessions, number=number, library=sample_library, directory=school())

    rows = _table_rows(dossier)
    assert len(rows) == 7 and {len(row) for row in rows} == {3}
    tokens = _tokens(dossier)
    headings = [tokens[i + 1].content for i, token in enumerate(tokens) if token.type == "heading_open"]
    assert headings == ["Incident 2026-0001", "Melding", "Checklist", "Chronologie"]
    assert not [t for t in tokens if t.type.startswith("html") or t.type in ("hr", "fence", "code_block")]
    inline_code = [c.content for t in tokens if t.type == "inline" for c in t.children or [] if c.type == "code_inline"]
    assert inline_code == ["sample"]  # the protocol id only, nothing typed
    quotes = [t for t in tokens if t.type == "blockquote_open"]
    assert len(quotes) == 2  # the multi-line report and the briefing
    assert "> \\# Let op \\| niet doorsturen\n" in dossier and "> \\---\\\n" in dossier
    briefing = dossier[dossier.index("**[1] Teambriefing verstuurd, 2026-12-04 16:41 CET:**"):]
    assert briefing.splitlines()[2:5] == ["> Beste collega's,\\", "> \\# Let op \\| niet doorsturen", ">"]
    assert dossier.endswith("> \\> een citaat\n")
    assert "**Wat:**\n\n> Groepsapp \\| klas 2B\\\n> \\# Alles kwijt\\\n> \\`x\\` \\<script>\n" in dossier
    text = "\n".join("".join("\n" if c.type in ("softbreak", "hardbreak") else c.content for c in t.children or [])
                     for t in tokens if t.type == "inline")  # what a reader sees: the text as typed
    assert "Beste collega's,\n# Let op | niet doorsturen\nGeen `code`, geen <b>HTML</b>, geen [link](x).\n---\n" \
           "1. een lijst\n> een citaat" in text
    assert not [c for t in tokens if t.type == "inline" for c in t.children or [] if c.type == "softbreak"]


async def test_without_the_playbook_or_directory_ids_fall_back_but_people_stay_roles(
        db: AsyncEngine, sample_library: PlaybookLibrary) -> None:
    sessions, number = await _incident(db, sample_library, at=datetime(2026, 12, 4, 15, 32, tzinfo=UTC))
    dossier = await export_markdown(sessions, number=number)
    assert "- Protocol: `sample`" in dossier and "- [x] `always`" in dossier and "Stap afgevinkt: always" in dossier
    assert "2026-12-04 16:32 CET" in dossier and "- Eigenaar: Medewerker" in dossier
    assert "U0" not in dossier


@pytest.mark.parametrize(("typed", "shown"), [
    ("a | b", "a \\| b"), ("`rm`", "\\`rm\\`"), ("<img src=x>", "\\<img src=x>"), ("**vet**", "\\*\\*vet\\*\\*"),
    ("regel 1\nregel 2", "regel 1 regel 2"), ("# kop", "# kop"),
])
def test_inline_text_cannot_open_markup(typed: str, shown: str) -> None:
    assert inline(typed) == shown


def test_every_quoted_line_stays_in_the_quote() -> None:
    assert quote("# kop\n\n- punt\n12. item\n===\n  > diep") == [
        "> \\# kop", ">", "> \\- punt\\", "> 12\\. item\\", "> \\===\\", "> \\> diep"]
    assert quote("eind\\\nvolgende") == ["> eind\\\\\\", "> volgende"]  # a typed backslash stays one
