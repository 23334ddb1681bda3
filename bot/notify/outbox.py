"""The outbox: durable, exactly-once-per-key delivery of everything that reaches a person.

Why: a DM to a coordinator, an invite or a re-escalation must survive a crash or a
platform outage. The caller writes the message with :func:`enqueue` in the *same
transaction* as the state change that causes it; a worker later claims due messages,
delivers them and records the result.

* Idempotency: ``key`` is unique; enqueueing the same key twice keeps one message.
* Claims: a worker marks due messages with its id and a lease in one ``UPDATE``; on
  PostgreSQL the candidate rows are selected ``FOR UPDATE SKIP LOCKED`` so replicas never
  claim the same message. A worker that dies mid-delivery loses its lease and the message
  is claimed again later (at-least-once; the key lets the platform side drop a repeat).
* Retries: a failed delivery is retried every 30 s for the first minutes (an outage that
  ends is noticed within 30 s), then with exponential backoff up to 30 minutes, for a day
  (:data:`GIVE_UP_AFTER`); then it is marked ``failed`` and kept for the operator. A platform's ``Retry-After``
  (:class:`~bot.ports.RetryLater`) is honoured. When a message that had failed goes out,
  the platform is back: the others waiting out a backoff on it are tried at once.
* Leases are renewed while a delivery is in flight, so a slow send (a rate limit waited
  out) is never claimed a second time by another worker.
* This is the one retry loop: adapters switch their libraries' own retries off for calls
  that are not safe to repeat, and look up, by the message's key, whether an attempt with
  an unknown outcome had landed before sending again.
* Errors are stored by class name only: no message text, no pupil data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, event, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from bot import metrics
from bot.ports import MessageRef, RetryLater, Unreachable
from bot.store.db import upsert_insert
from bot.store.models import Base, utcnow

log = logging.getLogger(__name__)

PENDING, SENT, FAILED, CANCELLED = "pending", "sent", "failed", "cancelled"
UNREACHABLE = "Unreachable"
"""``last_error`` of a message given up because its recipient cannot be reached."""


class OutboxRow(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    target: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Where a delivered message landed (``platform``, ``channel_id``, ``id``), so that it
    can be updated later: the other coordinators' DMs once someone takes the incident."""


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    key: str
    kind: str
    target: dict[str, Any]
    payload: dict[str, Any]
    attempts: int
    claim: str = ""
    """The claim this copy was handed out under: only that claim may mark it sent."""
    created_at: datetime | None = None


_listeners: list[Callable[[], None]] = []
"""Called after a transaction that enqueued something commits (the workers' wake-up)."""


def on_commit(listener: Callable[[], None]) -> Callable[[], None]:
    """Call ``listener`` whenever a transaction that enqueued a message has committed, so the
    worker wakes for real work only (not after every button press), and never before the
    message is visible to it. Returns a function that removes the listener again."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def _committed(_session: Any) -> None:
    for listener in list(_listeners):
        listener()


async def enqueue(session: AsyncSession, *, key: str, kind: str, target: dict[str, Any], payload: dict[str, Any],
                  due_at: datetime | None = None) -> None:
    """Add a message in the caller's transaction; a repeated ``key`` is ignored."""
    insert = upsert_insert(session)
    due = due_at or utcnow()
    # ``created_at`` is when it was first due (a held ping's age counts from the opening hour).
    statement = insert(OutboxRow).values(key=key, kind=kind, target=target, payload=payload,
                                         due_at=due, created_at=due, status=PENDING, attempts=0)
    await session.execute(statement.on_conflict_do_nothing(index_elements=[OutboxRow.key]))
    if not event.contains(session.sync_session, "after_commit", _committed):
        event.listen(session.sync_session, "after_commit", _committed, once=True)


Deliver = Callable[[OutboxMessage], Awaitable[MessageRef | None]]


AFTER = "after"


def lane(message: OutboxMessage) -> str:
    """Messages in one lane are delivered in order; lanes run side by side. A direct
    message stands alone; everything about one incident's space shares that incident's
    lane; updates of earlier DMs come after every other lane (:data:`AFTER`)."""
    if message.kind == "dm":
        return f"dm:{message.id}"
    if message.kind == "taken":
        return AFTER
    return f"space:{message.payload.get('number', message.id)}"


URGENT_BACKOFF = timedelta(minutes=1)
#: How long a claim holds without renewal. Short, because it is renewed every third of it
#: while a delivery is in flight: a replica that died is taken over within half a minute.
LEASE = timedelta(seconds=30)
#: A pending message this much past its time means deliveries are failing (for health).
OVERDUE = timedelta(minutes=5)


def is_urgent(message: OutboxMessage) -> bool:
    """An escalation ping of an urgent incident: a person must hear of it as soon as they can."""
    return message.kind == "dm" and message.payload.get("template") == "escalation" and bool(
        message.payload.get("urgent"))


#: A message that has not gone out for this long is given up (urgent pings never are).
GIVE_UP_AFTER = timedelta(days=1)
#: Failed attempts retried every 30 s before the backoff grows (about three minutes).
STEADY_ATTEMPTS = 6
MAX_BACKOFF = timedelta(minutes=30)


def backoff(attempts: int) -> timedelta:
    """30 s for the first :data:`STEADY_ATTEMPTS` failures, then 1 min, 2 min, ... capped at 30
    minutes: a short outage costs at most 30 s after it ends, a long one no flood of calls."""
    if attempts <= STEADY_ATTEMPTS:
        return timedelta(seconds=30)
    return min(timedelta(seconds=60 * 2 ** (attempts - STEADY_ATTEMPTS - 1)), MAX_BACKOFF)


def counted(message: OutboxMessage, result: str, error: BaseException | None = None) -> None:
    platform = str(message.target.get("platform", ""))[:16]
    metrics.DELIVERIES.labels(platform, message.kind, result).inc()
    if error is not None:
        metrics.DELIVERY_ERRORS.labels(platform, metrics.error_code(error)).inc()


class OutboxWorker:
    """Claims due messages and hands each to ``deliver``; call :meth:`run_once` on a timer."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], deliver: Deliver, *,
                 clock: Callable[[], datetime] = utcnow, lease: timedelta = LEASE,
                 max_attempts: int | None = None, batch: int = 20, worker_id: str | None = None,
                 renew_every: float | None = None) -> None:
        self._sessions = sessions
        self._deliver = deliver
        self._clock = clock
        self._lease = lease
        self._max_attempts = max_attempts
        self._batch = batch
        self.worker_id = worker_id or uuid.uuid4().hex[:12]
        self._renew_every = renew_every if renew_every is not None else lease.total_seconds() / 3

    async def run_once(self) -> int:
        """Deliver what is due now; returns how many messages were delivered.

        Messages that do not depend on each other go out concurrently: on a chat
        platform every call takes a round trip, and opening an incident (the space, the
        coordinators' DMs) should take the time of its longest chain, not the sum. What
        happens in one incident's space (open, card updates, invites, the briefing) keeps
        its order, so a card update never overtakes the space it belongs in.
        """
        lanes: dict[str, list[OutboxMessage]] = {}
        claimed = await self._claim()
        if not claimed:
            return 0
        for message in claimed:
            lanes.setdefault(lane(message), []).append(message)
        after = lanes.pop(AFTER, [])
        renewing = asyncio.create_task(self._keep_leases(claimed[0].claim))
        try:
            results = await asyncio.gather(*(self._deliver_in_order(messages) for messages in lanes.values()),
                                           return_exceptions=True)
            # Updates of DMs ("taken by …") go last, when the DMs of this round have landed.
            results.append(await self._deliver_in_order(after))
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing  # never leave a database call half done on a pooled connection
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result  # cancelled (a shutdown): the leases expire and another round retries
            if isinstance(result, Exception):  # a lane's bookkeeping failed: its lease expires, it is retried
                log.error("an outbox lane failed (%s)", type(result).__name__)
        return sum(r for r in results if isinstance(r, int))

    async def _deliver_in_order(self, messages: list[OutboxMessage]) -> int:
        delivered = 0
        for message in messages:
            try:
                ref = await self._deliver(message)
            except Unreachable:  # blocked or not installed: retrying will not help (the escalation moved on)
                log.warning("outbox delivery %s: the recipient cannot be reached; given up", message.key)
                counted(message, "unreachable")
                await self._failed(message, UNREACHABLE, final=True)
            except RetryLater as exc:  # rate limited: after the time the platform asked for
                log.warning("outbox delivery %s rate limited; retrying in %.0f s", message.key, exc.seconds)
                counted(message, "rate_limited")
                await self._failed(message, type(exc).__name__, wait=timedelta(seconds=exc.seconds))
            except Exception as exc:  # the platform failed: retry later, never lose it
                log.warning("outbox delivery %s failed (%s); retrying later", message.key, type(exc).__name__)
                counted(message, "failed", exc)
                await self._failed(message, type(exc).__name__)
            else:
                await self._sent(message, ref)
                counted(message, "sent")
                delivered += 1
                if message.attempts > 0:
                    await self._platform_is_back(str(message.target.get("platform", "")))
        return delivered

    async def release(self) -> int:
        """Give back this worker's claims on messages not yet delivered (a replica stopping): another
        replica takes them at once instead of after the lease. A send that was cut off has an
        unknown outcome; the platform's lookup by key (Slack) keeps it from arriving twice."""
        async with self._sessions() as session, session.begin():
            released = await session.execute(
                update(OutboxRow).where(OutboxRow.claimed_by.startswith(f"{self.worker_id}:", autoescape=True),
                                        OutboxRow.status == PENDING, OutboxRow.lease_until.is_not(None))
                .values(lease_until=None))
        count = int(released.rowcount)  # type: ignore[attr-defined]
        if count:
            log.info("returned %d outbox lease(s) on stopping", count)
        return count

    async def _keep_leases(self, claim: str) -> None:
        """Extend this round's leases while its deliveries are in flight (until cancelled)."""
        while True:
            await asyncio.sleep(self._renew_every)
            try:
                async with self._sessions() as session, session.begin():
                    await session.execute(
                        update(OutboxRow).where(OutboxRow.claimed_by == claim, OutboxRow.status == PENDING,
                                                OutboxRow.lease_until.is_not(None))
                        .values(lease_until=self._clock() + self._lease))
            except Exception as exc:  # the database hiccuped: the next renewal tries again
                log.warning("renewing outbox leases failed (%s)", type(exc).__name__)

    async def _platform_is_back(self, platform: str) -> None:
        """A message that had failed went out: what else waits out a backoff on that platform
        is due now, so a recovery is noticed by every message, not by each at its own time."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            rows = (await session.execute(select(OutboxRow.id, OutboxRow.target).where(
                OutboxRow.status == PENDING, OutboxRow.attempts > 0, OutboxRow.due_at > now,
                OutboxRow.last_error != "RetryLater"))).all()
            ids = [row_id for row_id, target in rows if (target or {}).get("platform") == platform]
            if ids:
                await session.execute(update(OutboxRow).where(OutboxRow.id.in_(ids), OutboxRow.status == PENDING)
                                      .values(due_at=now))

    async def _claim(self) -> list[OutboxMessage]:
        """Lease due messages under a fresh claim id, so that two rounds of the same
        worker (or a lease that expired under a moved clock) never share a message."""
        now = self._clock()
        claim = f"{self.worker_id}:{uuid.uuid4().hex[:8]}"
        async with self._sessions() as session, session.begin():
            due = (
                select(OutboxRow.id)
                .where(OutboxRow.status == PENDING, OutboxRow.due_at <= now,
                       (OutboxRow.lease_until.is_(None)) | (OutboxRow.lease_until < now))
                .order_by(OutboxRow.due_at, OutboxRow.id)
                .limit(self._batch)
                .with_for_update(skip_locked=True)
            )
            ids = list((await session.execute(due)).scalars())
            if not ids:
                return []
            await session.execute(
                update(OutboxRow).where(OutboxRow.id.in_(ids), OutboxRow.status == PENDING,
                                        (OutboxRow.lease_until.is_(None)) | (OutboxRow.lease_until < now))
                .values(claimed_by=claim, lease_until=now + self._lease)
            )
            rows = (await session.execute(
                select(OutboxRow).where(OutboxRow.id.in_(ids), OutboxRow.claimed_by == claim)
            )).scalars().all()
            return [OutboxMessage(r.id, r.key, r.kind, dict(r.target), dict(r.payload), r.attempts, claim,
                                  r.created_at) for r in rows]

    async def _sent(self, message: OutboxMessage, ref: MessageRef | None) -> None:
        result = {"platform": ref.platform, "channel_id": ref.channel_id, "id": ref.id} if ref else None
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxRow).where(OutboxRow.id == message.id, OutboxRow.claimed_by == message.claim,
                                        OutboxRow.status == PENDING)  # a cancel meanwhile stays a cancel
                .values(status=SENT, sent_at=self._clock(), attempts=message.attempts + 1, lease_until=None,
                        result=result)
            )

    async def _failed(self, message: OutboxMessage, error: str, *, final: bool = False,
                      wait: timedelta | None = None) -> None:
        """Retry later. An urgent ping is retried at least every minute and never given up (once
        someone takes the incident it is cancelled); everything else backs off to 30 minutes
        and is given up after :data:`GIVE_UP_AFTER` (or ``max_attempts``, where set), visible in
        :func:`health`. ``wait``: the time the platform asked for (capped at :data:`MAX_BACKOFF`)."""
        attempts = message.attempts + 1
        urgent = is_urgent(message)
        created = message.created_at
        if created is not None and created.tzinfo is None:  # SQLite hands back naive UTC
            created = created.replace(tzinfo=UTC)
        too_old = created is not None and self._clock() - created >= GIVE_UP_AFTER
        too_many = self._max_attempts is not None and attempts >= self._max_attempts
        status = FAILED if final or ((too_old or too_many) and not urgent) else PENDING
        if wait is not None:
            wait = min(wait, MAX_BACKOFF)
        else:
            wait = min(backoff(attempts), URGENT_BACKOFF) if urgent else backoff(attempts)
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxRow).where(OutboxRow.id == message.id, OutboxRow.claimed_by == message.claim,
                                        OutboxRow.status == PENDING)
                .values(status=status, attempts=attempts, last_error=error[:200], lease_until=None,
                        due_at=self._clock() + wait)
            )


async def cancel(session: AsyncSession, *, key_prefix: str) -> None:
    """Cancel pending messages whose key starts with ``key_prefix`` (in the caller's
    transaction): escalation DMs still waiting for working hours once someone took it."""
    await session.execute(update(OutboxRow).where(OutboxRow.key.startswith(key_prefix, autoescape=True),
                                                  OutboxRow.status == PENDING).values(status=CANCELLED))


async def sent_refs(session: AsyncSession, *, key_prefix: str) -> list[tuple[str, MessageRef]]:
    """(key, where it landed) of the delivered messages whose key starts with ``key_prefix``."""
    rows = (await session.execute(select(OutboxRow.key, OutboxRow.result).where(
        OutboxRow.key.startswith(key_prefix, autoescape=True), OutboxRow.status == SENT,
        OutboxRow.result.is_not(None)))).all()
    return [(key, MessageRef(str(r["platform"]), str(r["channel_id"]), str(r["id"]))) for key, r in rows if r]


async def status_counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """How many messages are pending, sent, failed or cancelled, and how many were given up
    because their recipient could not be reached (for health and metrics)."""
    async with sessions() as session:
        rows = (await session.execute(select(OutboxRow.status, OutboxRow.last_error))).all()
    counts = {PENDING: 0, SENT: 0, FAILED: 0, CANCELLED: 0, "unreachable": 0}
    for status, error in rows:
        counts[status] = counts.get(status, 0) + 1
        if status == FAILED and error == UNREACHABLE:
            counts["unreachable"] += 1
    return counts


async def health(sessions: async_sessionmaker[AsyncSession], now: datetime) -> dict[str, Any]:
    """What ``/healthz`` says of deliveries: counts, and ``degraded`` when messages failed or
    wait longer than :data:`OVERDUE` past their time (with the oldest such wait in seconds)."""
    counts = await status_counts(sessions)
    async with sessions() as session:
        oldest = (await session.execute(select(OutboxRow.due_at).where(
            OutboxRow.status == PENDING, OutboxRow.due_at < now - OVERDUE).order_by(OutboxRow.due_at).limit(1))
                  ).scalar_one_or_none()
        overdue = len((await session.execute(select(OutboxRow.id).where(
            OutboxRow.status == PENDING, OutboxRow.due_at < now - OVERDUE))).all())
    if oldest is not None and oldest.tzinfo is None:  # SQLite hands back naive UTC
        oldest = oldest.replace(tzinfo=now.tzinfo)
    age = int((now - oldest).total_seconds()) if oldest is not None else 0
    degraded = counts[FAILED] > 0 or overdue > 0
    return {"status": "degraded" if degraded else "ok", "pending": counts[PENDING], "failed": counts[FAILED],
            "unreachable": counts["unreachable"], "overdue": overdue, "oldest_overdue_seconds": age}
