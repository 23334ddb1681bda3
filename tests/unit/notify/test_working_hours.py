"""Working hours in the school's time zone, across weekends and daylight saving time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.directory import WorkingHours
from bot.notify.working_hours import deliver_at, is_open, next_opening

HOURS = WorkingHours.model_validate({"days": ["mon", "tue", "wed", "thu", "fri"], "from": "08:00", "to": "17:00",
                                     "tz": "Europe/Amsterdam"})


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        ("2026-11-20T09:30:00", True),    # Friday 10:30 in Amsterdam (UTC+1)
        ("2026-11-20T16:30:00", False),   # Friday 17:30
        ("2026-11-21T10:00:00", False),   # Saturday
        ("2026-07-01T06:30:00", True),    # Wednesday 08:30 in summer time (UTC+2)
        ("2026-07-01T05:30:00", False),   # Wednesday 07:30 in summer time
    ],
)
def test_is_open(utc: str, expected: bool) -> None:
    assert is_open(datetime.fromisoformat(utc).replace(tzinfo=UTC), HOURS) is expected


def test_friday_evening_waits_until_monday_morning() -> None:
    friday_evening = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)  # 20:00 in Amsterdam
    assert next_opening(friday_evening, HOURS) == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Mon 08:00


def test_early_morning_waits_until_opening_the_same_day() -> None:
    assert next_opening(datetime(2026, 11, 18, 5, 0, tzinfo=UTC), HOURS) == datetime(2026, 11, 18, 7, 0, tzinfo=UTC)


def test_urgent_ignores_working_hours() -> None:
    sunday_night = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    assert deliver_at(sunday_night, HOURS, urgent=True) == sunday_night
    assert deliver_at(sunday_night, HOURS, urgent=False) == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
