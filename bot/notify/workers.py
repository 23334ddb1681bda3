"""The background work of a running bot: fire due escalations, deliver the outbox.

One loop per process; several replicas may run it at once (claims make each timer fire
and each message go out once). A transaction that queued a message wakes the loop when it
commits, so a DM caused by a button press goes out at once instead of at the next tick,
and a press that queued nothing costs no round at all.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy.exc import DBAPIError

from bot import metrics
from bot.notify import outbox
from bot.notify.escalation import EscalationService
from bot.notify.outbox import OutboxWorker

log = logging.getLogger(__name__)

#: Deliveries can queue more work (a card update after a space opens): drain a few rounds.
MAX_ROUNDS = 5
#: A dropped database connection is a warning (a restart), unless the one before it was less than
#: this many seconds earlier: then something keeps closing them, and that is an error.
DROPS_APART = 600.0


class Workers:
    def __init__(self, outbox: OutboxWorker, escalation: EscalationService, *, interval: float = 2.0) -> None:
        self.outbox = outbox
        self.escalation = escalation
        self.interval = interval
        self._wake = asyncio.Event()
        self._round = asyncio.Lock()
        """One round at a time in a process (a clock move must not overlap a delivery)."""

    async def run_once(self) -> int:
        """Fire what is due and deliver until nothing more is due; returns deliveries."""
        async with self._round:
            delivered = 0
            fired = await self.escalation.fire_due()
            metrics.ESCALATIONS_FIRED.inc(fired)
            for _round in range(MAX_ROUNDS):
                count = await self.outbox.run_once()
                delivered += count
                # Fired again after each round: a coordinator found unreachable makes the next level due now.
                fired = await self.escalation.fire_due()
                metrics.ESCALATIONS_FIRED.inc(fired)
                if count == 0 and fired == 0:
                    break
            return delivered

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Until cancelled; an error in one round is logged and the next round goes on."""
        stop_listening = outbox.on_commit(self.wake)
        try:
            await self._loop()
        finally:
            stop_listening()
            try:  # stopping (SIGTERM): what this replica had claimed goes to the others at once
                await asyncio.wait_for(self.outbox.release(), timeout=2.0)
            except Exception as exc:
                log.warning("could not return the outbox leases on stopping (%s); they expire", type(exc).__name__)

    async def _loop(self) -> None:
        last_drop = float("-inf")
        while True:
            try:
                await self.run_once()
            except DBAPIError as error:
                now, previous = time.monotonic(), last_drop
                if error.connection_invalidated:
                    last_drop = now
                if error.connection_invalidated and now - previous > DROPS_APART:
                    # A restart of PostgreSQL (or a connection it closed): the pool makes new ones.
                    log.warning("a database connection was dropped during a background round (%s); "
                                "retrying at the next tick", type(error.orig).__name__)
                else:  # not a drop, or drops keep coming (a server timeout shorter than a tick?)
                    log.exception("background round failed; retrying at the next tick")
            except Exception:
                log.exception("background round failed; retrying at the next tick")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            except TimeoutError:
                pass
            self._wake.clear()
