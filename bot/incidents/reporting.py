"""From a submitted report to a running incident, in one transaction.

The incident row, its checklist, the first chronology entry, the first escalation timer,
the coordinators' DMs and the request to open the private space are all written in the
same transaction: either the incident exists with everything it must send queued in the
outbox, or nothing happened and the reporter is told so.

The escalation *plan* comes from the playbook: the steps that fit the triage answers
name roles to report to, how soon someone must acknowledge and whether it is urgent.
When any fitting step is urgent, only the urgent ones set the plan (the shortest window
wins); a playbook without escalation falls back to the first role of the school's chain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.engine import OpenIncident
from bot.directory import SchoolDirectory
from bot.errors import UserFacingError
from bot.events import UserRef
from bot.incidents import texts
from bot.incidents.models import IncidentRow
from bot.incidents.service import IncidentService
from bot.messages import Reply, Section, Tone
from bot.notify.escalation import EscalationService, chain, holder_ids, parse_window, recipients
from bot.notify.outbox import enqueue
from bot.notify.working_hours import deliver_at
from bot.playbooks import paths
from bot.playbooks.library import PlaybookLibrary
from bot.playbooks.schema import Playbook
from bot.store.models import utcnow

log = logging.getLogger(__name__)

DEFAULT_WINDOW = timedelta(hours=4)
RECEIPT = "receipt"
"""``Reply.meta`` key of the receipt that replaces a submitted form (its value: the number)."""


@dataclass(frozen=True)
class Plan:
    roles: list[str]
    """Pinged first."""
    window: timedelta
    urgent: bool
    member_roles: list[str]
    """Invited to the private space."""
    access_roles: list[str]
    """May see and act on the incident: the members' roles and the whole escalation chain."""
    chain_roles: list[str]
    """May take the incident: every role of the escalation chain."""


def _union(groups: list[list[str]]) -> list[str]:
    out: list[str] = []
    for group in groups:
        out.extend(role for role in group if role not in out)
    return out


def plan(playbook: Playbook, answers: dict[str, str], directory: SchoolDirectory, *, skip: str = "") -> Plan:
    """``skip``: the suspected colleague's role, never pinged, invited or given access.

    Members are the roles the fitting steps report to, not every role a step names: a
    school-wide role such as ``mentor`` would otherwise put every mentor in every space.
    """
    steps = paths.applicable_steps(playbook, answers)
    escalating = [step.escalate for step in steps if step.escalate]
    urgent = [e for e in escalating if e.urgent]
    chosen = urgent or escalating
    configured = set(directory.roles)
    wanted = [r for r in _union([e.roles for e in chosen]) if r in configured] or directory.escalation[:1]
    levels = chain(wanted, directory, skip=skip)
    window = min((parse_window(e.ack_within) for e in chosen), default=DEFAULT_WINDOW)
    reported_to = [r for e in escalating for r in e.roles if r in configured and r != skip]
    members = _union([levels[0], reported_to])
    chained = _union(levels)
    return Plan(levels[0], window, bool(urgent), members, _union([members, chained]), chained)


class Reporting:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], library: PlaybookLibrary,
                 directory: SchoolDirectory, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self._library = library
        self._directory = directory
        self._clock = clock
        self._incidents = IncidentService(sessions, library, clock=clock)
        self._escalation = EscalationService(sessions, directory, clock=clock)

    async def report(self, effect: OpenIncident, *, reporter: UserRef, source_key: str) -> Reply:
        """Open the incident (once per ``source_key``) and tell the reporter what happens next."""
        playbook = self._library.get(effect.playbook)
        if playbook is None:
            raise UserFacingError(f"unknown playbook {effect.playbook}")
        the_plan = plan(playbook, effect.answers, self._directory, skip=effect.form.colleague_role)
        try:
            number = await self._open(effect, the_plan, reporter, source_key)
        except IntegrityError:  # a concurrent submit of the same form won
            found = await self._existing(source_key)
            if found is None:
                raise
            number = found
        log.info("incident %s reported (%s)", number, effect.playbook)
        return receipt(effect.lang, number)

    async def _existing(self, source_key: str) -> str | None:
        async with self._sessions() as session:
            return (await session.execute(
                select(IncidentRow.number).where(IncidentRow.source_key == source_key))).scalar_one_or_none()

    async def _open(self, effect: OpenIncident, the_plan: Plan, reporter: UserRef, source_key: str) -> str:
        existing = await self._existing(source_key)
        if existing:
            return existing
        excluded = sorted(holder_ids(self._directory, effect.form.colleague_role))
        async with self._sessions() as session, session.begin():
            row = await self._incidents.insert(
                session, playbook_id=effect.playbook, answers=effect.answers, reporter=reporter, form=effect.form,
                source_key=source_key, excluded=excluded, member_roles=the_plan.member_roles,
                excluded_role=effect.form.colleague_role,
                access_roles=the_plan.access_roles, chain_roles=the_plan.chain_roles, urgent=the_plan.urgent,
                lang=self._directory.language)
            await self._escalation.start(session, incident=row, roles=the_plan.roles, window=the_plan.window,
                                         urgent=the_plan.urgent)
            members = recipients(the_plan.member_roles, self._directory, platform=reporter.platform,
                                 exclude=set(excluded))
            await enqueue(session, key=f"{row.number}:space", kind="space", target={"platform": reporter.platform},
                          payload={"number": row.number, "members": [m.user.id for m in members]},
                          due_at=self._clock())
            # The reporter's confirmation is durable too: an outage delays it, never loses it.
            await enqueue(session, key=f"{row.number}:reported", kind="dm",
                          target={"platform": reporter.platform, "id": reporter.id},
                          payload=self._confirmation(row.number, the_plan, effect, reporter), due_at=self._clock())
            return row.number

    def _confirmation(self, number: str, the_plan: Plan, effect: OpenIncident, reporter: UserRef) -> dict[str, Any]:
        """The outbox payload of the reporter's confirmation: ids, flags and a time, no report text."""
        excluded = holder_ids(self._directory, effect.form.colleague_role)
        reached = recipients(the_plan.roles, self._directory, platform=reporter.platform, exclude=excluded)
        now = self._clock()
        when = deliver_at(now, self._directory.working_hours, urgent=the_plan.urgent)
        return {"template": "reported", "number": number, "lang": effect.lang, "roles": list(the_plan.roles),
                "urgent": the_plan.urgent, "reached": bool(reached),
                "held_until": when.isoformat() if when > now else ""}


def receipt(lang: str, number: str) -> Reply:
    """What replaces the submitted form where the platform keeps it on screen (a Teams card, the
    simulator). The confirmation itself comes through the outbox; Slack just closes its modal."""
    text = texts.report_received(lang)
    return Reply(text, (Section(text, tone=Tone.INFO),), replace=True, lang=lang, meta={RECEIPT: number})


def confirmation(payload: dict[str, Any], directory: SchoolDirectory) -> Reply:
    """The reporter's confirmation from its outbox payload: the number, who is messaged, and
    what to do when nobody can be reached or the message waits for working hours."""
    lang = str(payload.get("lang") or directory.language)
    number = str(payload.get("number", ""))
    reached = bool(payload.get("reached"))
    held = str(payload.get("held_until") or "")
    later = _when(datetime.fromisoformat(held), directory, lang) if held and reached else ""
    text = texts.reported(lang, number, [str(r) for r in payload.get("roles", [])], urgent=bool(payload.get("urgent")),
                          later=later, reached=reached)
    sections = [Section(text, tone=Tone.INFO)]  # the number is in the text: no field repeating it
    if not reached:
        sections.append(Section(texts.nobody_reachable(lang), tone=Tone.DANGER))
    elif later:
        sections.append(Section(texts.out_of_hours(lang), tone=Tone.DANGER))
    return Reply(text, tuple(sections), lang=lang)


def _when(moment: datetime, directory: SchoolDirectory, lang: str) -> str:
    local = moment.astimezone(ZoneInfo(directory.working_hours.tz))
    days = {"nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
            "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")}
    day = days["en" if lang == "en" else "nl"][local.weekday()]
    return f"{'on' if lang == 'en' else 'op'} {day} {'at' if lang == 'en' else 'om'} {local:%H:%M}"
