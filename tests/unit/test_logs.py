"""The process log: our records in full; a library's warnings without their words; its info dropped."""

from __future__ import annotations

import logging

import pytest

from bot.logs import LibrariesWithoutWords


def record(name: str, level: int, message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    info = (type(exc), exc, None) if exc else None
    return logging.LogRecord(name, level, "/x/module.py", 12, message, args, info)


@pytest.mark.parametrize("name", ["slack_bolt.AsyncApp", "slack_sdk.socket_mode.aiohttp", "microsoft_agents.x",
                                  "aiohttp.server", "asyncio"])
def test_a_library_warning_keeps_where_it_came_from_but_not_its_words(name: str) -> None:
    guard = LibrariesWithoutWords()
    warning = record(name, logging.WARNING, "Unhandled request (%s)", "Jan uit 3B stuurde een naaktfoto",
                     exc=ValueError("Jan uit 3B"))
    assert guard.filter(warning)
    formatted = logging.Formatter("%(message)s").format(warning)
    assert "Jan" not in formatted and "module:12" in formatted and "ValueError" in formatted
    assert not guard.filter(record(name, logging.INFO, "body: %s", "Jan uit 3B"))


def test_our_own_records_are_kept_whole() -> None:
    own = record("adapters.slack.app", logging.INFO, "incident %s reported", "2026-0001")
    assert LibrariesWithoutWords().filter(own) and own.getMessage() == "incident 2026-0001 reported"


def test_a_flood_of_the_same_library_error_is_written_once_a_minute() -> None:
    now = [0.0]
    guard = LibrariesWithoutWords(clock=lambda: now[0])
    kept = [guard.filter(record("aiohttp.server", logging.ERROR, "Error handling request")) for _ in range(1000)]
    assert kept.count(True) == 1
    now[0] = 61.0
    later = record("aiohttp.server", logging.ERROR, "Error handling request")
    assert guard.filter(later) and "999 more" in later.getMessage()


def test_our_own_exception_records_keep_type_and_frames_but_not_the_exception_text() -> None:
    typed = "Jan uit 3B"
    try:
        raise ValueError(f"invalid input for query argument $1: {typed!r}")
    except ValueError as exc:
        own = record("bot.conversation.service", logging.ERROR, "unexpected error handling an event", exc=exc)
        own.exc_info = (type(exc), exc, exc.__traceback__)
    assert LibrariesWithoutWords().filter(own)
    formatted = logging.Formatter("%(message)s").format(own)
    assert "Jan" not in formatted and "ValueError" in formatted and "test_logs.py" in formatted


def test_json_lines_carry_the_incident_number_and_the_request_id() -> None:
    import json

    from bot.logs import REQUEST_ID, JsonLines

    token = REQUEST_ID.set("r123")
    try:
        line = JsonLines().format(record("bot.incidents.reporting", logging.INFO, "incident %s reported (%s)",
                                         "2026-0042", "naaktbeeld-sexting"))
    finally:
        REQUEST_ID.reset(token)
    data = json.loads(line)
    assert data["message"] == "incident 2026-0042 reported (naaktbeeld-sexting)"
    assert (data["level"], data["logger"], data["incident"], data["request"]) == (
        "info", "bot.incidents.reporting", "2026-0042", "r123")
    assert "request" not in json.loads(JsonLines().format(record("bot.app", logging.INFO, "loaded")))
