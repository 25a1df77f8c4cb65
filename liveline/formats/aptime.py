"""Times as a newsroom writes them: "2:20 p.m. ET, February 7, 2022", in the blog's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

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


def post_time(moment: datetime, timezone: str) -> str:
    """ "2:20 p.m. ET, February 7, 2022" """
    at = local(moment, timezone)
    meridiem = "a.m." if at.hour < 12 else "p.m."
    hour = at.hour % 12 or 12
    zone = zone_abbreviation(moment, timezone)
    return f"{hour}:{at.minute:02d} {meridiem} {zone}, {at:%B} {at.day}, {at.year}"


def updated_time(moment: datetime, timezone: str) -> str:
    """ "11:02 PM ET, Mon February 7, 2022" """
    at = local(moment, timezone)
    hour = at.hour % 12 or 12
    meridiem = "AM" if at.hour < 12 else "PM"
    zone = zone_abbreviation(moment, timezone)
    return f"{hour}:{at.minute:02d} {meridiem} {zone}, {at:%a} {at:%B} {at.day}, {at.year}"


def join_names(names: list[str] | tuple[str, ...]) -> str:
    """ "A", "A and B", "A, B and C" — the way the seed's bylines read."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
