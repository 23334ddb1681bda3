"""Closing and the retention purge (the dossier export is :mod:`bot.incidents.dossier`).

The school keeps its own dossier: ``export`` writes an incident's chronology as Markdown.
``purge`` enforces retention: for incidents closed longer ago than the period, the free
text typed into the report form and the details of the chronology are blanked; what the
school needs for statistics (type, dates, outcome, checklist state) is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import InvalidInput, UserFacingError
from bot.events import UserRef
from bot.incidents import journal
from bot.incidents.dossier import export_markdown
from bot.incidents.models import ChronologyRow, IncidentRow
from bot.incidents.outcomes import OUTCOMES
from bot.notify import outbox
from bot.notify.escalation import CANCELLED, PENDING, EscalationRow
from bot.store.models import utcnow

__all__ = ["PURGED", "close", "export_markdown", "parse_period", "purge"]  # export_markdown: moved, kept importable

PURGED = "[verwijderd na bewaartermijn / removed after retention period]"


def parse_period(text: str) -> timedelta:
    """``365d``, ``12w`` or ``24h``."""
    match = re.fullmatch(r"([1-9][0-9]*)([dwh])", text.strip())
    if not match:
        raise InvalidInput("older-than", f"'{text}' is not a period like 365d, 52w or 24h")
    amount, unit = int(match.group(1)), match.group(2)
    return {"d": timedelta(days=amount), "w": timedelta(weeks=amount), "h": timedelta(hours=amount)}[unit]


async def close(sessions: async_sessionmaker[AsyncSession], *, number: str, outcome: str, by: UserRef,
                clock: Callable[[], datetime] = utcnow) -> bool:
    """Close with an outcome; False when it was closed already. Pending escalations stop,
    the chronology and card record it and the reporter hears that it was closed."""
    if outcome not in OUTCOMES:
        raise InvalidInput("outcome", f"outcome must be one of {', '.join(OUTCOMES)}")
    now = clock()
    async with sessions() as session, session.begin():
        row = await _incident(session, number)
        closing = await session.execute(update(IncidentRow).where(IncidentRow.id == row.id,
                                                                  IncidentRow.status != "closed")
                                        .values(status="closed", outcome=outcome, closed_at=now))
        if closing.rowcount != 1:  # type: ignore[attr-defined]
            return False
        await session.execute(update(EscalationRow).where(EscalationRow.incident_id == row.id,
                                                          EscalationRow.status == PENDING).values(status=CANCELLED))
        await outbox.cancel(session, key_prefix=f"{number}:escalation:")
        await journal.record(session, row, actor=journal.actor_id(by), kind="closed", detail=outcome, at=now)
        await outbox.enqueue(session, key=f"{number}:closed:reporter", kind="dm",
                             target={"platform": row.reporter_platform, "id": row.reporter_id},
                             payload={"template": "incident_closed", "number": number}, due_at=now)
        return True


async def purge(sessions: async_sessionmaker[AsyncSession], *, older_than: timedelta,
                clock: Callable[[], datetime] = utcnow) -> int:
    """Blank the free text of incidents closed before ``now - older_than``; returns how many."""
    cutoff = clock() - older_than
    async with sessions() as session, session.begin():
        ids = list((await session.execute(
            select(IncidentRow.id).where(IncidentRow.status == "closed", IncidentRow.closed_at < cutoff,
                                         IncidentRow.purged_at.is_(None))
        )).scalars())
        if not ids:
            return 0
        await session.execute(update(IncidentRow).where(IncidentRow.id.in_(ids))
                              .values(what=PURGED, where="", since="", reporter_name="", briefing_draft="",
                                      purged_at=clock()))
        await session.execute(update(ChronologyRow).where(ChronologyRow.incident_id.in_(ids),
                                                          ChronologyRow.kind.in_(("note", "briefing")))
                              .values(detail=PURGED))
        return len(ids)


async def _incident(session: AsyncSession, number: str) -> IncidentRow:
    row = (await session.execute(select(IncidentRow).where(IncidentRow.number == number))).scalar_one_or_none()
    if row is None:
        raise UserFacingError(f"Incident {number} bestaat niet / does not exist")
    return row
