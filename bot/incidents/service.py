"""Open incidents: a number, the checklist and the first chronology entry, no platform I/O.

What happens to an incident afterwards (taking it, ticking steps, closing) goes through
:mod:`bot.incidents.actions`, the one path that also checks who acts and updates the card.

The conversation engine (and, later, the escalation worker) orchestrates; this module
only records. Numbers are handed out with one atomic upsert per year, so two replicas
opening incidents at the same moment never get the same number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import UserFacingError
from bot.events import UserRef
from bot.incidents import journal
from bot.incidents.form import ReportForm
from bot.incidents.models import ChecklistRow, ChronologyRow, IncidentCounter, IncidentRow
from bot.playbooks import paths
from bot.playbooks.library import PlaybookLibrary
from bot.store.db import upsert_insert
from bot.store.models import utcnow


@dataclass(frozen=True)
class ChecklistEntry:
    step_id: str
    roles: tuple[str, ...]
    done: bool
    done_by: str | None = None


@dataclass(frozen=True)
class IncidentRead:
    id: int
    number: str
    playbook: str
    answers: dict[str, str]
    status: str
    reporter: str
    owner: str | None
    created_at: datetime
    checklist: tuple[ChecklistEntry, ...]


class IncidentService:
    """Example:

        service = IncidentService(sessions, library)
        incident = await service.open(playbook_id="cyberpesten", answers={"threat": "no"},
                                      reporter=UserRef("web", "u1"), form=ReportForm("J. wordt ..."))
        incident.number  # "2026-0001"
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], library: PlaybookLibrary, *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self._library = library
        self._clock = clock

    async def open(self, *, playbook_id: str, answers: dict[str, str], reporter: UserRef,
                   form: ReportForm) -> IncidentRead:
        """Open an incident on its own (the reporting flow uses :meth:`insert` instead)."""
        async with self._sessions() as session, session.begin():
            row = await self.insert(session, playbook_id=playbook_id, answers=answers, reporter=reporter, form=form)
            number = row.number
        found = await self.get(number=number)
        assert found is not None
        return found

    async def insert(self, session: AsyncSession, *, playbook_id: str, answers: dict[str, str], reporter: UserRef,
                     form: ReportForm, **columns: Any) -> IncidentRow:
        """Number, checklist and the first chronology entry, in the caller's transaction."""
        playbook = self._library.get(playbook_id)
        if playbook is None:
            raise UserFacingError(f"unknown playbook {playbook_id}")
        form = form.validated()
        now = self._clock()
        number = await _next_number(session, now.year)
        row = IncidentRow(number=number, playbook=playbook_id, answers=dict(answers),
                          reporter_platform=reporter.platform, reporter_id=reporter.id,
                          reporter_name=reporter.display_name[:128],
                          what=form.what, where=form.where, since=form.since, created_at=now, **columns)
        session.add(row)
        await session.flush()
        for position, step in enumerate(paths.applicable_steps(playbook, answers)):
            session.add(ChecklistRow(incident_id=row.id, position=position, step_id=step.id,
                                     roles=list(step.actor)))
        session.add(ChronologyRow(incident_id=row.id, at=now, actor=journal.actor_id(reporter), kind="opened",
                                  detail=playbook_id))
        return row

    async def get(self, *, number: str) -> IncidentRead | None:
        async with self._sessions() as session:
            row = (await session.execute(select(IncidentRow).where(IncidentRow.number == number))).scalar_one_or_none()
            if row is None:
                return None
            items = (await session.execute(
                select(ChecklistRow).where(ChecklistRow.incident_id == row.id).order_by(ChecklistRow.position)
            )).scalars().all()
            return IncidentRead(
                row.id, row.number, row.playbook, dict(row.answers), row.status,
                f"{row.reporter_platform}:{row.reporter_id}", row.owner_id, row.created_at,
                tuple(ChecklistEntry(i.step_id, tuple(i.roles), i.done, i.done_by) for i in items),
            )


async def _next_number(session: AsyncSession, year: int) -> str:
    """``YYYY-NNNN``: one atomic upsert, so concurrent openers never share a number."""
    insert = upsert_insert(session)
    statement = (
        insert(IncidentCounter)
        .values(year=year, last=1)
        .on_conflict_do_update(index_elements=[IncidentCounter.year], set_={"last": IncidentCounter.last + 1})
        .returning(IncidentCounter.last)
    )
    last = (await session.execute(statement)).scalar_one()
    return f"{year}-{last:04d}"
