"""The process's log: our own records in full, every library's without its words.

Why: a library may put what it received into a log line: slack-bolt quotes a request
whose signature failed, slack_sdk's Socket Mode client an exception's text about a
message it could not handle, the Agents SDK a pydantic error with its input, aiohttp an
exception from a handler. Any of those can be a teacher's report with a pupil's name.
What a library logs counts as ours, so a record from outside our own packages keeps its
level, logger, and code line (where to look), and an exception only its type; its text and
arguments are dropped, and below WARNING it is not written at all. Our own records keep their
words (chosen so that they cannot carry a name) but an exception in them only its type and
frames. The same record from
the same place is written at most once a minute (with how many were left out), so a flood
of bad requests cannot fill the disk through a library's error line. Our own records are
written with words that cannot carry a name.
"""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

OWN = ("protocolwijzer", "bot", "adapters", "bench", "tests")
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="")
"""The id of the request being handled (set by the adapters' servers), for ``LOG_FORMAT=json``."""
_NUMBER = re.compile(r"\b(\d{4}-\d{4,6})\b")


def is_own(name: str) -> bool:
    return any(name == own or name.startswith(own + ".") for own in OWN)


def redact(record: logging.LogRecord) -> None:
    """Replace ``record``'s text with where it came from (and its exception's type)."""
    if getattr(record, "_redacted", False):
        return
    kind = record.exc_info[1].__class__.__name__ if record.exc_info and record.exc_info[1] else ""
    record.msg = f"{record.levelname.lower()} at {record.module}:{record.lineno}" + (f" ({kind})" if kind else "")
    record.args = ()
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None
    record._redacted = True


def without_exception_text(record: logging.LogRecord) -> None:
    """Our own ``log.exception``: the exception's type and frames (where to look), not its
    text. A library's exception text can quote its input: a database driver's error names
    the value it could not store, which may be a teacher's words."""
    if not record.exc_info or not record.exc_info[1] or getattr(record, "_frames_only", False):
        return
    exc = record.exc_info[1]
    frames = "".join(traceback.format_tb(exc.__traceback__)).rstrip()
    record.exc_info = None
    record.exc_text = f"{type(exc).__name__}, raised at:\n{frames}" if frames else type(exc).__name__
    record._frames_only = True


#: One record per place per this many seconds.
QUIET_FOR = 60.0


class LibrariesWithoutWords(logging.Filter):
    """A handler filter: libraries' warnings and errors, redacted and at most one a minute from
    each place; their info and debug, dropped."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self._last: dict[str, float] = {}
        self._left_out: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if is_own(record.name):
            without_exception_text(record)
            return True
        if record.levelno < logging.WARNING:
            return False
        redact(record)
        place = f"{record.name}:{record.msg}"
        now = self._clock()
        if now - self._last.get(place, -QUIET_FOR) < QUIET_FOR:
            self._left_out[place] = self._left_out.get(place, 0) + 1
            return False
        self._last[place] = now
        left_out = self._left_out.pop(place, 0)
        if left_out:
            record.msg = f"{record.msg} (and {left_out} more like it in the last minute)"
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line (``LOG_FORMAT=json``), for a log collector: time, level, logger,
    message, and where there is one the incident's number and the request's id."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "message": message}
        number = getattr(record, "incident", "") or (_NUMBER.search(message) or [None, ""])[1]
        if number:
            line["incident"] = number
        if request := REQUEST_ID.get():
            line["request"] = request
        if record.exc_text or record.exc_info:
            line["exception"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(line, ensure_ascii=False)


def configure(level: int, log_format: str = "text") -> None:
    """Log to stderr at ``level`` (readable text, or JSON lines with ``log_format="json"``), every
    handler of the root logger guarded by the filter."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if log_format == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonLines())
    for handler in logging.getLogger().handlers:  # one guard each: one handler's quiet minute is its own
        if not any(isinstance(f, LibrariesWithoutWords) for f in handler.filters):
            handler.addFilter(LibrariesWithoutWords())
