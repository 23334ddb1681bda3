"""The chronology, and the card update that every entry in it implies.

Every change to an incident (reported, taken, escalated, a step done, the briefing sent,
closed) is one chronology row plus one queued update of the incident card, written in
the caller's transaction: the card shown in the private space never lags behind the
record, and a crash between the two cannot happen.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.directory import SchoolDirectory
from bot.events import UserRef
from bot.incidents import texts
from bot.incidents.models import ChronologyRow, IncidentRow
from bot.notify.outbox import enqueue


def actor_id(user: UserRef) -> str:
    return f"{user.platform}:{user.id}"


async def record(session: AsyncSession, incident: IncidentRow, *, actor: str, kind: str, detail: str,
                 at: datetime) -> None:
    """Add a chronology entry and queue the card update it implies."""
    row = ChronologyRow(incident_id=incident.id, at=at, actor=actor, kind=kind, detail=detail)
    session.add(row)
    await session.flush()
    await enqueue(session, key=f"{incident.number}:card:{row.id}", kind="card",
                  target={"platform": incident.reporter_platform}, payload={"number": incident.number}, due_at=at)


def display(actor: str, directory: SchoolDirectory | None, lang: str, *, reporter: str = "") -> str:
    """A person as the incident's members see them: name and role from the directory,
    "the reporter", or the bare platform id when nobody else knows them."""
    if actor == reporter:
        return texts.reporter_label(lang)
    platform, _, user_id = actor.partition(":")
    for role, holders in (directory.roles.items() if directory else ()):
        if user_id in getattr(holders, platform, []):
            return texts.person(lang, holders.name, role)
    return user_id or actor
