"""When a non-urgent notification may go out: the school's working hours.

Urgent escalations ignore working hours; the rest wait for the next opening, so a
coordinator is not pinged at 23:00 about something that can wait until 08:00.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.directory import WorkingHours

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def is_open(moment: datetime, hours: WorkingHours) -> bool:
    local = moment.astimezone(ZoneInfo(hours.tz))
    if _DAYS[local.weekday()] not in hours.days:
        return False
    return _clock(hours.from_) <= local.time().replace(tzinfo=None) < _clock(hours.to)


def next_opening(moment: datetime, hours: WorkingHours) -> datetime:
    """``moment`` itself when within working hours, else the next start of a working day."""
    if is_open(moment, hours):
        return moment
    zone = ZoneInfo(hours.tz)
    local = moment.astimezone(zone)
    start = _clock(hours.from_)
    for offset in range(8):
        day = (local + timedelta(days=offset)).date()
        if _DAYS[day.weekday()] not in hours.days:
            continue
        opening = datetime.combine(day, start, tzinfo=zone)
        if opening > local:
            return opening.astimezone(moment.tzinfo)
    raise ValueError("working hours name no day of the week")


def deliver_at(moment: datetime, hours: WorkingHours | None, *, urgent: bool) -> datetime:
    """When a notification created at ``moment`` may be delivered."""
    if urgent or hours is None:
        return moment
    return next_opening(moment, hours)


def add_working_time(moment: datetime, delta: timedelta, hours: WorkingHours) -> datetime:
    """``moment`` plus ``delta`` of working time: a one-hour window that starts at 16:30
    ends at 08:30 the next working day, not at 17:30 when nobody is there to answer."""
    zone = ZoneInfo(hours.tz)
    current = next_opening(moment, hours).astimezone(UTC)
    remaining = delta
    for _day in range(400):
        local = current.astimezone(zone)
        closing = datetime.combine(local.date(), _clock(hours.to), tzinfo=zone).astimezone(UTC)
        available = closing - current
        if remaining <= available:
            return (current + remaining).astimezone(moment.tzinfo)
        remaining -= available
        current = next_opening(closing, hours).astimezone(UTC)
    raise ValueError("the working time never adds up (no working hours?)")


def window_end(moment: datetime, window: timedelta, hours: WorkingHours | None, *, urgent: bool) -> datetime:
    """When an escalation sent at ``moment`` has waited long enough: wall time when urgent,
    working time otherwise."""
    if urgent or hours is None:
        return moment + window
    return add_working_time(moment, window, hours)
