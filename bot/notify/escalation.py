"""Escalation until someone takes it.

When an incident opens, the roles of the playbook's escalating step get a direct message
with an acknowledge button. If nobody acknowledges within the step's window, the next role
in the school's ``escalation`` chain is pinged, and so on. The first to acknowledge owns
the incident; pending timers are cancelled and the reporter is told who has it.

Timers live in the database and are claimed like outbox messages (``SKIP LOCKED`` on
PostgreSQL, a lease everywhere), and firing a timer, scheduling the next one and writing
the messages happen in one transaction: each escalation fires exactly once, even across
a restart or several replicas. Non-urgent pings wait for working hours. People listed in
the incident's ``excluded`` ids are never messaged.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from bot.directory import SchoolDirectory, WorkingHours
from bot.events import UserRef
from bot.incidents import journal
from bot.incidents.models import IncidentRow
from bot.notify import outbox
from bot.notify.outbox import enqueue
from bot.notify.working_hours import deliver_at, window_end
from bot.store.models import Base, utcnow

PENDING, FIRED, CANCELLED = "pending", "fired", "cancelled"


class EscalationRow(Base):
    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    window_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    urgent: Mapped[bool] = mapped_column(Boolean, nullable=False)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PENDING, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    levels: Mapped[list[list[str]]] = mapped_column(JSON, nullable=False)


def parse_window(text: str) -> timedelta:
    """``15m``, ``2h`` or ``1d`` (the playbook's ``ack_within``)."""
    unit = {"m": "minutes", "h": "hours", "d": "days"}[text[-1]]
    return timedelta(**{unit: int(text[:-1])})


def chain(first_roles: list[str], directory: SchoolDirectory, *, skip: str = "") -> list[list[str]]:
    """The levels to ping: the step's roles first, then each further role of the school's
    escalation chain (after the last of the step's roles that appears in it).

    ``skip`` is the role of a suspected colleague: it never appears, and where it would
    have been pinged first the next role of the chain stands in (the leadership is
    suspected: the board hears it at once, as C-05 asks), so nobody waits a window for
    a message that was never sent.
    """
    order = directory.escalation
    first: list[str] = []
    for role in first_roles:
        stand_in = role if role != skip else next(
            (r for r in order[order.index(role) + 1:] if r != skip), None) if role in order else None
        if stand_in and stand_in not in first:
            first.append(stand_in)
    if not first:
        first = [r for r in order if r != skip][:1]
    start = max((order.index(r) + 1 for r in first if r in order), default=0)
    return [first] + [[role] for role in order[start:] if role not in first and role != skip]


def holder_ids(directory: SchoolDirectory, role: str) -> set[str]:
    """Every platform id of whoever holds ``role`` now (empty for ``none`` or no role)."""
    holders = directory.roles.get(role) if role and role != "none" else None
    return {*holders.slack, *holders.teams, *holders.web} if holders else set()


def excluded(incident: IncidentRow, directory: SchoolDirectory) -> set[str]:
    """Who must never hear of this incident: the ids recorded when it was reported and
    whoever holds the suspected colleague's role today (someone may have joined it)."""
    return set(incident.excluded) | holder_ids(directory, incident.excluded_role)


@dataclass(frozen=True)
class Recipient:
    role: str
    user: UserRef


def recipients(roles: list[str], directory: SchoolDirectory, *, platform: str, exclude: set[str]) -> list[Recipient]:
    """Holders of ``roles`` on ``platform``, never anyone in ``exclude``; each person once."""
    seen: set[str] = set()
    out = []
    for role in roles:
        holders = directory.roles.get(role)
        for user_id in getattr(holders, platform, []) if holders else []:
            if user_id in exclude or user_id in seen:
                continue
            seen.add(user_id)
            out.append(Recipient(role, UserRef(platform, user_id)))
    return out


class EscalationService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], directory: SchoolDirectory, *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self._directory = directory
        self._clock = clock
        self.worker_id = uuid.uuid4().hex[:12]

    async def start(self, session: AsyncSession, *, incident: IncidentRow, roles: list[str], window: timedelta,
                    urgent: bool) -> None:
        """Ping the first level and set its timer, in the caller's transaction."""
        levels = chain(roles, self._directory, skip=incident.excluded_role)
        now = self._clock()
        await self._ping(session, incident, levels, 0, now, urgent)
        session.add(EscalationRow(incident_id=incident.id, level=0, window_minutes=int(window.total_seconds() // 60),
                                  urgent=urgent, levels=levels,
                                  due_at=window_end(now, window, self._hours(), urgent=urgent)))

    async def acknowledge(self, *, number: str, user: UserRef) -> bool:
        """The first caller becomes the owner (True); later callers are told who has it.

        In the same transaction: pending timers and not yet delivered escalation DMs are
        cancelled; the reporter is told who has it; the other coordinators' DMs are
        updated; the owner is invited to the space; the chronology and card record it.
        """
        now = self._clock()
        async with self._sessions() as session, session.begin():
            incident = (await session.execute(select(IncidentRow).where(IncidentRow.number == number))).scalar_one()
            result = await session.execute(
                update(IncidentRow).where(IncidentRow.id == incident.id, IncidentRow.owner_id.is_(None),
                                          IncidentRow.status != "closed")
                .values(owner_id=user.id, status="acknowledged")
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return False
            await session.execute(update(EscalationRow).where(EscalationRow.incident_id == incident.id,
                                                              EscalationRow.status == PENDING)
                                  .values(status=CANCELLED))
            await outbox.cancel(session, key_prefix=f"{number}:escalation:")
            owner = {"platform": user.platform, "id": user.id}
            await enqueue(session, key=f"{number}:taken:reporter", kind="dm",
                          target={"platform": incident.reporter_platform, "id": incident.reporter_id},
                          payload={"template": "incident_taken", "number": number, "owner": user.id}, due_at=now)
            await enqueue(session, key=f"{number}:taken:others", kind="taken", target={"platform": user.platform},
                          payload={"number": number, "owner": user.id}, due_at=now)
            await enqueue(session, key=f"{number}:invite:{user.id}", kind="invite", target=owner,
                          payload={"number": number}, due_at=now)
            await journal.record(session, incident, actor=journal.actor_id(user), kind="acknowledged", detail="",
                                 at=now)
            return True

    async def unreachable(self, *, number: str, level: int, user: UserRef, key: str) -> bool:
        """A person pinged at ``level`` cannot be reached (they blocked the bot or lack the
        app). When nobody pinged at that level can be, the timer waiting on it is made due
        now, so the next role is pinged at once instead of after a window nobody could
        answer in; while someone else at that level got the ping, the window stands. Returns
        whether it moved the timer. The chronology records the role, never who (an id)."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            incident = (await session.execute(select(IncidentRow).where(IncidentRow.number == number))
                        ).scalar_one_or_none()
            if incident is None or incident.owner_id is not None or incident.status == "closed":
                return False
            timer = (await session.execute(  # locked: two unreachable people at one level decide in turn
                select(EscalationRow).where(EscalationRow.incident_id == incident.id, EscalationRow.level == level,
                                            EscalationRow.status == PENDING).with_for_update())).scalar_one_or_none()
            await session.execute(update(outbox.OutboxRow).where(outbox.OutboxRow.key == key)
                                  .values(status=outbox.FAILED, last_error=outbox.UNREACHABLE, lease_until=None))
            role = next((r for r in self._directory.roles
                         if user.id in getattr(self._directory.roles[r], user.platform, [])), "")
            await journal.record(session, incident, actor="protocolwijzer", kind="unreachable", detail=role, at=now)
            others = (await session.execute(select(outbox.OutboxRow.status, outbox.OutboxRow.last_error).where(
                outbox.OutboxRow.key.startswith(f"{number}:escalation:{level}:", autoescape=True),
                outbox.OutboxRow.key != key))).all()
            reachable = [s for s, error in others if s != outbox.CANCELLED
                         and not (s == outbox.FAILED and error == outbox.UNREACHABLE)]
            if timer is None or reachable:
                return False
            moved = await session.execute(update(EscalationRow).where(EscalationRow.id == timer.id,
                                                                      EscalationRow.due_at > now).values(due_at=now)
                                          .execution_options(synchronize_session=False))
            return bool(moved.rowcount)  # type: ignore[attr-defined]

    async def fire_due(self) -> int:
        """Escalate every incident whose window passed unacknowledged; returns how many."""
        now = self._clock()
        fired = 0
        async with self._sessions() as session, session.begin():
            due = (
                select(EscalationRow)
                .where(EscalationRow.status == PENDING, EscalationRow.due_at <= now,
                       EscalationRow.lease_until.is_(None) | (EscalationRow.lease_until < now))
                .order_by(EscalationRow.due_at)
                .limit(20)
                .with_for_update(skip_locked=True)
            )
            for timer in (await session.execute(due)).scalars().all():
                claimed = await session.execute(
                    update(EscalationRow).where(EscalationRow.id == timer.id, EscalationRow.status == PENDING)
                    .values(status=FIRED, claimed_by=self.worker_id)
                )
                if claimed.rowcount != 1:  # type: ignore[attr-defined]
                    continue
                incident = await session.get(IncidentRow, timer.incident_id)
                if incident is None or incident.owner_id is not None or incident.status == "closed":
                    continue
                level = timer.level + 1
                if level < len(timer.levels):
                    await self._ping(session, incident, timer.levels, level, now, timer.urgent)
                    await journal.record(session, incident, actor="protocolwijzer", kind="escalated",
                                         detail=", ".join(timer.levels[level]), at=now)
                    session.add(EscalationRow(
                        incident_id=incident.id, level=level, window_minutes=timer.window_minutes,
                        urgent=timer.urgent, levels=timer.levels,
                        due_at=window_end(now, timedelta(minutes=timer.window_minutes), self._hours(),
                                          urgent=timer.urgent)))
                else:
                    await enqueue(session, key=f"{incident.number}:unacknowledged:reporter", kind="dm",
                                  target={"platform": incident.reporter_platform, "id": incident.reporter_id},
                                  payload={"template": "nobody_took_it", "number": incident.number},
                                  due_at=now)
                fired += 1
        return fired

    async def _ping(self, session: AsyncSession, incident: IncidentRow, levels: list[list[str]], level: int,
                    now: datetime, urgent: bool) -> None:
        people = recipients(levels[level], self._directory, platform=incident.reporter_platform,
                            exclude=excluded(incident, self._directory))
        for person in people:
            await enqueue(session, key=f"{incident.number}:escalation:{level}:{person.user.id}", kind="dm",
                          target={"platform": person.user.platform, "id": person.user.id},
                          # The playbook id, not its title: the DM names the protocol in the
                          # school's language when it is delivered (delivery.render).
                          payload={"template": "escalation", "number": incident.number, "role": person.role,
                                   "level": level, "urgent": urgent, "playbook": incident.playbook},
                          due_at=deliver_at(now, self._hours(), urgent=urgent))

    def _hours(self) -> WorkingHours:
        return self._directory.working_hours
