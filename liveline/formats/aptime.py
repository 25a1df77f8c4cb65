"""Times as a newsroom writes them: "2:20 p.m. ET, February 7, 2022", in the blog's zone.

That is AP style, for blogs in American English. A blog in another language has its times
from Babel (CLDR): "14:39 MEZ, 1. Dezember 2026" in German, a 24-hour clock and the
language's own date order, time first as newsrooms write it (the key-events box and live.js
take the clock as the part before the first comma).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time, get_timezone_name

from liveline.formats.language import Language

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


def post_time(moment: datetime, timezone: str, language: Language | None = None) -> str:
    """ "2:20 p.m. ET, February 7, 2022"; in German "14:39 MEZ, 1. Dezember 2026"."""
    at, zone = shown(moment, timezone)
    if language is not None and not language.ap_style:
        return _babel_time(at, zone, "long", language)
    meridiem = "a.m." if at.hour < 12 else "p.m."
    hour = at.hour % 12 or 12
    month = MONTHS[at.month - 1]
    return f"{hour}:{at.minute:02d} {meridiem} {zone}, {month} {at.day}, {at.year}"


def updated_time(moment: datetime, timezone: str, language: Language | None = None) -> str:
    """ "11:02 PM ET, Mon February 7, 2022"; in German "23:02 MEZ, Montag, 7. Februar 2022"."""
    at, zone = shown(moment, timezone)
    if language is not None and not language.ap_style:
        return _babel_time(at, zone, "full", language)
    hour = at.hour % 12 or 12
    meridiem = "AM" if at.hour < 12 else "PM"
    day, month = WEEKDAYS[at.weekday()], MONTHS[at.month - 1]
    return f"{hour}:{at.minute:02d} {meridiem} {zone}, {day} {month} {at.day}, {at.year}"


def _babel_time(at: datetime, zone: str, date_width: str, language: Language) -> str:
    locale = language.locale
    try:
        clock = format_time(at, "short", locale=locale)  # "14:39": the language's own clock
        date = format_date(at, date_width, locale=locale)  # "1. Dezember 2026"
    except (ValueError, OverflowError, KeyError):  # a date Babel cannot write: ISO, not a 500
        return at.strftime("%Y-%m-%d %H:%M ") + zone
    return f"{clock} {_zone_name(at, zone, language)}, {date}"


def _zone_name(at: datetime, fallback: str, language: Language) -> str:
    """The zone as the language abbreviates it ("MEZ", "GMT"), or as the zone database does
    ("CET") where CLDR has only an offset ("+0100", "GMT+1")."""
    if at.tzinfo is None or fallback == "UTC":
        return fallback
    try:
        name = get_timezone_name(at, "short", locale=language.locale)
    except (LookupError, ValueError, AttributeError):
        return fallback
    if not name or name[0] in "+-" or name.startswith(("GMT+", "GMT-", "UTC")):
        return at.tzname() or fallback
    return name


# English names, whatever the process locale (strftime's %B would follow it).
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def join_names(names: list[str] | tuple[str, ...], language: Language | None = None) -> str:
    """ "A", "A and B", "A, B and C" — the way the seed's bylines read ("A, B und C")."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    if language is None:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return language.gettext("%(names)s and %(last)s", names=", ".join(names[:-1]), last=names[-1])
