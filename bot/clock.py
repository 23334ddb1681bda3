"""The one clock of a running bot.

Services take ``clock=`` so tests can control time. In a real deployment the offset is
always zero; the local simulator lets a person move it forward to watch an escalation
fire without waiting a quarter of an hour. Tests start it at a fixed moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.store.models import utcnow


class Clock:
    def __init__(self, start: datetime | None = None) -> None:
        self.offset = timedelta()
        self._start = start
        """A fixed starting moment (tests): time then moves only when advanced."""

    def __call__(self) -> datetime:
        return (self._start or utcnow()) + self.offset

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta():
            raise ValueError("the clock only moves forward")
        self.offset += delta
