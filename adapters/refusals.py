"""Refused requests, logged so that a flood cannot fill the disk.

One line per reason per minute, with how many were not logged; each line is short and quotes
nothing of a request. Shared by the platforms' HTTP endpoints.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger("protocolwijzer.refused")


class Refusals:
    def __init__(self, platform: str, every: float = 60.0) -> None:
        self._platform = platform
        self._every = every
        self._last: dict[str, float] = {}
        self._quiet: dict[str, int] = {}

    def log(self, reason: str) -> None:
        now = time.monotonic()
        if now - self._last.get(reason, -self._every) < self._every:
            self._quiet[reason] = self._quiet.get(reason, 0) + 1
            return
        self._last[reason] = now
        more = self._quiet.pop(reason, 0)
        log.warning("refused a %s request: %s%s", self._platform, reason, f" (and {more} more since)" if more else "")
