"""Times as a newsroom writes them: "2:20 p.m. ET, February 7, 2022", in the blog's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# US zones are written without the standard/daylight letter, as AP style does: "ET", not "EST".
ZONE_ABBREVIATIONS = {
    "America/New_York": "ET",
    "America/Detroit": "ET",
    "America/Toronto": "ET",
    "America/Chicago": "CT",
    "America/Denver": "MT",
    "America/Phoenix": "MT",
    "America/Los_Angeles": "PT",
}


def local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def zone_abbreviation(moment: datetime, timezone: str) -> str:
    return ZONE_ABBREVIATIONS.get(timezone) or local(moment, timezone).tzname() or timezone


def shown(moment: datetime, timezone: str) -> tuple[datetime, str]:
    """The moment as the blog's zone shows it, and that zone's name — or, where the zone cannot
    show it (year 1 west of UTC, year 9999 east of it, a zone name that is not a zone), the
    same moment in UTC, or failing that as written. A page never fails on one odd time."""
    try:
        return local(moment, timezone), zone_abbreviation(moment, timezone)
    except (OverflowError, ValueError, KeyError, OSError, ZoneInfoNotFoundError):
        pass
    if moment.tzinfo is None:
        return moment, "UTC"  # the store's times are UTC; a naive one is read as such
    try:
        return moment.astimezone(UTC), "UTC"
    except (OverflowError, ValueError):
        return moment, moment.tzname() or "UTC"


def post_time(moment: datetime, timezone: str) -> str:
    """ "2:20 p.m. ET, February 7, 2022" """
    at, zone = shown(moment, timezone)
    meridiem = "a.m." if at.hour < 12 else "p.m."
    hour = at.hour % 12 or 12
    month = MONTHS[at.month - 1]
    return f"{hour}:{at.minute:02d} {meridiem} {zone}, {month} {at.day}, {at.year}"


def updated_time(moment: datetime, timezone: str) -> str:
    """ "11:02 PM ET, Mon February 7, 2022" """
    at, zone = shown(moment, timezone)
    hour = at.hour % 12 or 12
    meridiem = "AM" if at.hour < 12 else "PM"
    day, month = WEEKDAYS[at.weekday()], MONTHS[at.month - 1]
    return f"{hour}:{at.minute:02d} {meridiem} {zone}, {day} {month} {at.day}, {at.year}"


# English names, whatever the process locale (strftime's %B would follow it).
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def join_names(names: list[str] | tuple[str, ...]) -> str:
    """ "A", "A and B", "A, B and C" — the way the seed's bylines read."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
