"""The simulator's background loop: the core's workers, one round at a time.

The core's own ``Workers.run`` loop cannot be combined with the extra rounds the
simulator needs (after a button press, so its effect shows at once; after moving the
clock, so a due escalation fires at once): two rounds of the *same* workers running
concurrently claim outbox rows under one worker id and would both deliver them. So the
simulator drives ``Workers.run_once`` itself and never lets two rounds overlap; moving
the clock happens inside the same lock, so no round sees a lease expire under it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.clock import Clock
from bot.notify.workers import Workers

log = logging.getLogger(__name__)


class Background:
    def __init__(self, workers: Workers | None, clock: Clock, *, interval: float = 0.5) -> None:
        self.workers = workers
        self.clock = clock
        self.interval = interval
        self._lock = asyncio.Lock()

    async def round(self) -> int:
        """Fire due escalations and deliver the outbox now; returns the deliveries."""
        if self.workers is None:  # no school directory: nothing is ever sent
            return 0
        async with self._lock:
            return await self.workers.run_once()

    async def advance(self, delta: timedelta) -> int:
        """Move the simulated clock forward, then do one round at the new time."""
        async with self._lock:
            self.clock.advance(delta)
            return await self.workers.run_once() if self.workers else 0

    async def run(self) -> None:
        """Until cancelled: a round every ``interval`` seconds, for timers and retries (the
        web handlers do their own round after each event)."""
        while True:
            try:
                await self.round()
            except Exception:
                log.exception("simulator background round failed; retrying at the next tick")
            await asyncio.sleep(self.interval)
