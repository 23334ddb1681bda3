"""When a non-urgent notification may go out: the school's working hours.

Urgent escalations ignore working hours; the rest wait for the next opening, so a
coordinator is not pinged at 23:00 about something that can wait until 08:00.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
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
