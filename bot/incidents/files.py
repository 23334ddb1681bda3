"""A file shared in an incident space: record the fact, never the file.

Safety rule 1 (DESIGN.md): the bot never asks for, downloads, stores or forwards a file.
When one is shared in an incident's private space, the chronology gets "file shared (not
stored)" with who shared it, so the dossier shows that a copy may now exist in the chat,
and the card shows it; the adapter posts the warning.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.events import UserRef
from bot.incidents import journal
from bot.incidents.models import IncidentRow


async def record_file_shared(sessions: async_sessionmaker[AsyncSession], *, channel_id: str, user: UserRef,
                             at: datetime) -> str | None:
    """The language of the open incident whose space is ``channel_id`` after recording the
    share in its chronology; None when the channel is no open incident's space."""
    if not channel_id:
        return None
    async with sessions() as session, session.begin():
        incident = (await session.execute(select(IncidentRow).where(
            IncidentRow.space_id == channel_id, IncidentRow.reporter_platform == user.platform,
            IncidentRow.status != "closed"))).scalars().first()
        if incident is None:
            return None
        await journal.record(session, incident, actor=journal.actor_id(user), kind="file", detail="", at=at)
        return incident.lang
