"""Metric labels are small fixed sets: an error's code, never its message."""

from __future__ import annotations

from bot import metrics


class PlatformError(Exception):
    def __init__(self, response: dict[str, str]) -> None:
        super().__init__("The server responded with: {'error': 'ratelimited'} for Jan uit 3B")
        self.response = response


def test_an_error_is_labelled_by_its_platform_code_or_type_never_its_text() -> None:
    assert metrics.error_code(PlatformError({"error": "user_not_found"})) == "user_not_found"
    assert metrics.error_code(PlatformError({"error": "Jan uit 3B"})) == "PlatformError"
    assert metrics.error_code(ValueError("Jan uit 3B")) == "ValueError"


def test_codes_beyond_a_small_set_are_other() -> None:
    known = set(metrics._codes)
    try:
        for n in range(metrics.MAX_CODES + 5):
            metrics.error_code(PlatformError({"error": f"code_{n}"}))
        assert metrics.error_code(PlatformError({"error": "yet_another"})) == "other"
    finally:
        metrics._codes.clear()
        metrics._codes.update(known)
