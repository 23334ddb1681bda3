"""The outbox on SQLite: idempotent enqueue, delivery, retries with backoff, crash recovery."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.notify.outbox import OutboxMessage, OutboxRow, OutboxWorker, backoff, enqueue, status_counts
from bot.ports import RetryLater
from bot.store.db import session_factory
from tests.conftest import Clock


class FlakyPlatform:
    """Records deliveries; fails the first ``failures`` attempts."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.delivered: list[str] = []

    async def __call__(self, message: OutboxMessage) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("platform down")
        self.delivered.append(message.key)


async def add(db: AsyncEngine, key: str, clock: Clock) -> None:
    async with session_factory(db)() as session, session.begin():
        await enqueue(session, key=key, kind="dm", target={"platform": "web", "id": "u1"},
                      payload={"text": "Nieuw incident"}, due_at=clock())


async def test_same_key_is_delivered_once(db: AsyncEngine) -> None:
    clock, platform = Clock(datetime(2026, 11, 21, 9, 0, tzinfo=UTC)), FlakyPlatform()
    await add(db, "incident-2026-0001:dm:u1", clock)
    await add(db, "incident-2026-0001:dm:u1", clock)
    worker = OutboxWorker(session_factory(db), platform, clock=clock)
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0
    assert platform.delivered == ["incident-2026-0001:dm:u1"]


async def test_failures_are_retried_with_backoff_and_nothing_is_lost(db: AsyncEngine) -> None:
    clock, platform = Clock(datetime(2026, 11, 21, 9, 0, tzinfo=UTC)), FlakyPlatform(failures=2)
    await add(db, "k1", clock)
    worker = OutboxWorker(session_factory(db), platform, clock=clock)
    assert await worker.run_once() == 0  # first failure
    assert await worker.run_once() == 0  # not due yet: backoff
    clock.advance(seconds=backoff(1).total_seconds())
    assert await worker.run_once() == 0  # second failure
    clock.advance(seconds=backoff(2).total_seconds())
    assert await worker.run_once() == 1
    assert platform.delivered == ["k1"]
    assert (await status_counts(session_factory(db)))["sent"] == 1


async def test_after_max_attempts_the_message_is_kept_as_failed(db: AsyncEngine) -> None:
    clock, platform = Clock(datetime(2026, 11, 21, 9, 0, tzinfo=UTC)), FlakyPlatform(failures=99)
    await add(db, "k1", clock)
    worker = OutboxWorker(session_factory(db), platform, clock=clock, max_attempts=3)
    for _ in range(5):
        await worker.run_once()
        clock.advance(hours=1)
    assert await status_counts(session_factory(db)) == {"pending": 0, "sent": 0, "failed": 1, "cancelled": 0,
                                                     "unreachable": 0}


async def test_a_worker_that_dies_mid_delivery_loses_its_lease(db: AsyncEngine) -> None:
    clock = Clock()
    await add(db, "k1", clock)

    async def die(_message: OutboxMessage) -> None:
        raise asyncio_cancelled()

    dying = OutboxWorker(session_factory(db), die, clock=clock, lease=timedelta(minutes=2))
    with pytest.raises(BaseException):  # noqa: B017 - a crash, not a delivery failure
        await dying.run_once()
    platform = FlakyPlatform()
    survivor = OutboxWorker(session_factory(db), platform, clock=clock)
    assert await survivor.run_once() == 0  # still leased by the dead worker
    clock.advance(minutes=3)
    assert await survivor.run_once() == 1
    assert platform.delivered == ["k1"]


def asyncio_cancelled() -> BaseException:
    import asyncio

    return asyncio.CancelledError()


def test_backoff_is_steady_for_a_short_outage_then_grows_and_is_capped() -> None:
    """Every 30 s for about three minutes (an outage that ends costs at most 30 s), then doubling."""
    assert [backoff(n).total_seconds() for n in range(1, 11)] == [30] * 6 + [60, 120, 240, 480]
    assert backoff(20) == timedelta(minutes=30)


async def test_two_rounds_of_one_worker_at_once_deliver_each_message_once(db: AsyncEngine) -> None:
    """Each claim has its own id: a second round of the same worker never reads back
    (and delivers again) what the first one claimed."""
    clock, platform = Clock(datetime(2026, 11, 21, 9, 0, tzinfo=UTC)), FlakyPlatform()
    for number in range(6):
        await add(db, f"incident-2026-000{number}:dm:u1", clock)
    worker = OutboxWorker(session_factory(db), platform, clock=clock, batch=3)
    await asyncio.gather(worker.run_once(), worker.run_once(), worker.run_once())
    assert sorted(platform.delivered) == sorted(set(platform.delivered))


async def test_lanes_run_side_by_side_keep_their_order_and_updates_of_dms_go_last(db: AsyncEngine) -> None:
    """One incident's space messages in order; DMs beside them; a "taken" update after
    the DMs of the same round; one failing lane does not hold up the others."""
    clock = Clock(datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
    async with session_factory(db)() as session, session.begin():
        for key, kind in (("n1:space", "space"), ("n1:card", "card"), ("n1:taken", "taken"), ("n1:dm:a", "dm"),
                          ("n1:dm:b", "dm"), ("n2:space", "space")):
            await enqueue(session, key=key, kind=kind, target={"platform": "web", "id": "u"},
                          payload={"number": key.split(":")[0]}, due_at=clock())
    events: list[str] = []

    async def deliver(message: OutboxMessage) -> None:
        events.append(f"start {message.key}")
        if message.key == "n2:space":
            raise ConnectionError("this incident's platform call fails")
        await asyncio.sleep(0.05 if message.kind == "space" else 0.01)
        events.append(f"end {message.key}")

    assert await OutboxWorker(session_factory(db), deliver, clock=clock).run_once() == 5
    assert events.index("end n1:space") < events.index("start n1:card"), "in order within a lane"
    assert events.index("start n1:dm:a") < events.index("end n1:space"), "DMs do not wait for the space"
    assert events.index("start n1:taken") > max(events.index("end n1:dm:a"), events.index("end n1:dm:b"))
    assert (await status_counts(session_factory(db)))["pending"] == 1, "the failed one waits for a retry"


async def test_an_urgent_ping_is_retried_every_minute_and_never_given_up(db: AsyncEngine) -> None:
    """A long outage must not leave an urgent escalation 30 minutes behind, nor drop it; once someone
    takes the incident, its pings are cancelled. /healthz says deliveries are failing meanwhile."""
    from bot.notify.outbox import health

    clock, platform = Clock(datetime(2026, 11, 21, 9, 0, tzinfo=UTC)), FlakyPlatform(failures=12)
    async with session_factory(db)() as session, session.begin():
        await enqueue(session, key="2026-0001:escalation:0:vp1", kind="dm", target={"platform": "web", "id": "vp1"},
                      payload={"template": "escalation", "number": "2026-0001", "urgent": True}, due_at=clock())
    await add(db, "k-normal", clock)
    worker = OutboxWorker(session_factory(db), platform, clock=clock, max_attempts=3)
    for _ in range(5):  # both fail: the normal one is given up after 3 attempts
        await worker.run_once()
        clock.advance(minutes=1)
    counts = await status_counts(session_factory(db))
    assert counts["failed"] == 1 and counts["pending"] == 1, "the urgent ping is still waiting, never failed"
    shown = await health(session_factory(db), clock())
    assert shown["status"] == "degraded" and shown["failed"] == 1
    platform.failures = 0
    clock.advance(minutes=1)
    await worker.run_once()
    assert platform.delivered == ["2026-0001:escalation:0:vp1"], "delivered within a minute of recovery"


async def test_a_rate_limit_is_waited_out_as_long_as_the_platform_asked(db: AsyncEngine) -> None:
    clock, sessions = Clock(), session_factory(db)
    await add(db, "k1", clock)
    delivered: list[str] = []

    async def limited(message: OutboxMessage) -> None:
        if not delivered and clock() < start + timedelta(seconds=90):
            raise RetryLater(90)
        delivered.append(message.key)

    start = clock()
    worker = OutboxWorker(sessions, limited, clock=clock)
    assert await worker.run_once() == 0
    clock.advance(seconds=60)
    assert await worker.run_once() == 0, "not sooner than Retry-After, although the backoff is 30 s"
    clock.advance(seconds=31)
    assert await worker.run_once() == 1 and delivered == ["k1"]


async def test_when_the_platform_is_back_every_waiting_message_is_tried_at_once(db: AsyncEngine) -> None:
    clock, sessions = Clock(), session_factory(db)
    await add(db, "k1", clock)
    await add(db, "k2", clock)
    platform = FlakyPlatform(failures=2)
    worker = OutboxWorker(sessions, platform, clock=clock)
    assert await worker.run_once() == 0  # both fail: the platform is down
    async with sessions() as session, session.begin():  # k2 is further into its backoff
        later = clock() + timedelta(hours=1)
        await session.execute(update(OutboxRow).where(OutboxRow.key == "k2").values(due_at=later))
    clock.advance(seconds=30)
    assert await worker.run_once() == 1  # k1 goes out: the platform is back ...
    assert await worker.run_once() == 1  # ... so k2 does not wait out its hour
    assert platform.delivered == ["k1", "k2"]


async def test_a_lease_is_renewed_while_a_slow_delivery_is_in_flight(db: AsyncEngine) -> None:
    clock, sessions = Clock(), session_factory(db)
    await add(db, "k1", clock)
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(_message: OutboxMessage) -> None:
        started.set()
        await release.wait()

    worker = OutboxWorker(sessions, slow, clock=clock, lease=timedelta(minutes=2), renew_every=0.01)
    first = asyncio.create_task(worker.run_once())
    await started.wait()
    clock.advance(minutes=3)  # the first lease ran out while the send was still in flight ...
    await asyncio.sleep(0.1)  # ... and was renewed
    other = FlakyPlatform()
    assert await OutboxWorker(sessions, other, clock=clock).run_once() == 0
    release.set()
    assert await first == 1
    assert other.delivered == []


async def test_a_message_is_given_up_after_a_day_not_after_a_number_of_attempts(db: AsyncEngine) -> None:
    clock = Clock()
    await add(db, "k1", clock)
    worker = OutboxWorker(session_factory(db), FlakyPlatform(failures=10_000), clock=clock)
    for _ in range(40):  # 40 attempts span about 17 hours: still trying
        await worker.run_once()
        clock.advance(minutes=30)
    assert (await status_counts(session_factory(db)))["pending"] == 1
    clock.advance(hours=8)
    await worker.run_once()
    assert (await status_counts(session_factory(db)))["failed"] == 1


async def test_a_stopping_worker_gives_its_claims_back_at_once(db: AsyncEngine) -> None:
    clock, sessions = Clock(), session_factory(db)
    await add(db, "k1", clock)
    started = asyncio.Event()

    async def hangs(_message: OutboxMessage) -> None:
        started.set()
        await asyncio.sleep(3600)

    stopping = OutboxWorker(sessions, hangs, clock=clock)
    round_ = asyncio.create_task(stopping.run_once())
    await started.wait()
    round_.cancel()  # SIGTERM: the send is cut off
    with pytest.raises(asyncio.CancelledError):
        await round_
    assert await stopping.release() == 1
    other = FlakyPlatform()
    assert await OutboxWorker(sessions, other, clock=clock).run_once() == 1, "no wait for the lease"
    assert other.delivered == ["k1"]
