"""Keep the Agents SDK's log records from quoting a request.

The SDK logs pydantic validation errors with the input (a teacher's message), "no route
found … with text: …", and exception texts in f-strings. What a library logs counts as
ours, so every record from ``microsoft_agents.*`` keeps its level, logger and code line but
loses its text and arguments; an exception keeps its type only. Our own records say what
happened, in words that cannot carry a pupil's name. (``serve`` also guards its log handler
against every library: :mod:`bot.logs`; this filter holds wherever the adapter is embedded.)
"""

from __future__ import annotations

import logging
import traceback

from bot.logs import redact

SDK = "microsoft_agents"


class Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        redact(record)
        return True


_REDACT = Redact()


def quiet_sdk_logs() -> None:
    """Attach the filter to every SDK logger that exists now (they are made at import time:
    call this after importing the SDK). Its INFO records (each call it makes) say nothing
    once redacted: only warnings and errors are kept."""
    logging.getLogger(SDK).setLevel(logging.WARNING)
    manager = logging.Logger.manager
    for name in list(manager.loggerDict):
        if name == SDK or name.startswith(SDK + "."):
            logger = logging.getLogger(name)
            if _REDACT not in logger.filters:
                logger.addFilter(_REDACT)


def frames(exc: BaseException) -> str:
    """Where an exception happened (file, line, code), without its message: an exception's text
    can quote its input (pydantic does), and that input may be a teacher's words."""
    return "".join(traceback.format_tb(exc.__traceback__)).rstrip()
