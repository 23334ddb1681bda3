"""The open incidents a person may see: for a home screen (Slack's App Home tab).

The rule of the incident card's buttons (:func:`bot.incidents.actions.may_act`): the
owner and the holders of the incident's access roles (the space's roles and the escalation
chain, which may take it over), never a suspected colleague.
Only the number, the protocol's title, the status and the owner are listed: no report
text, so a home screen shown on a shared screen reveals nothing about a pupil.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.views import Locale
from bot.directory import SchoolDirectory
from bot.events import UserRef
from bot.incidents import journal, texts
from bot.incidents.actions import may_act
from bot.incidents.models import IncidentRow
from bot.playbooks.library import PlaybookLibrary

#: A home screen lists at most this many (the newest first).
LIMIT = 20


@dataclass(frozen=True)
class OpenIncident:
    number: str
    title: str
    status: str
    owner: str
    urgent: bool
    space_id: str
    lang: str


async def open_incidents_for(sessions: async_sessionmaker[AsyncSession], library: PlaybookLibrary,
                             directory: SchoolDirectory, user: UserRef) -> list[OpenIncident]:
    if not directory.holds_a_role(user.platform, user.id):
        return []  # holds no role: can only own an incident by holding one, so sees none
    async with sessions() as session:
        rows = (await session.execute(
            select(IncidentRow).where(IncidentRow.status != "closed", IncidentRow.reporter_platform == user.platform)
            .order_by(IncidentRow.created_at.desc(), IncidentRow.id.desc()))).scalars().all()
    listed = []
    for incident in rows:
        if not may_act(incident, directory, user, roles=incident.access_roles):
            continue
        lang = incident.lang
        playbook = library.get(incident.playbook)
        title = Locale(lang, directory.jurisdiction).t(playbook.title) if playbook else incident.playbook
        owner = journal.display(f"{user.platform}:{incident.owner_id}", directory, lang) if incident.owner_id \
            else texts.label(lang, "nobody")
        listed.append(OpenIncident(incident.number, title, texts.status(lang, incident.status), owner,
                                   incident.urgent, incident.space_id, lang))
        if len(listed) == LIMIT:
            break
    return listed
