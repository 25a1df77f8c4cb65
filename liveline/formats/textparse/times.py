"""Times as pages show them: "2:20 p.m. ET, February 7, 2022", "14.32 GMT", "6 hr 57 min ago"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from liveline.formats.textparse.parsed import ParseError

TIME_EXAMPLE = "'2:20 p.m. ET, February 7, 2022'"
DATE_EXAMPLE = "'February 7, 2022' or '7 February 2022'"
AS_OF_EXAMPLE = "'2022-02-07T23:05' or '11:05 p.m. ET, February 7, 2022'"

# Abbreviation -> (IANA zone, fixed UTC offset in minutes or None). An abbreviation that names
# a season ("EST", "BST") is an explicit offset and is kept even when the season is wrong;
# one that doesn't ("ET", "PT") follows the zone's daylight-saving rule through zoneinfo.
ZONES: dict[str, tuple[str, int | None]] = {
    "ET": ("America/New_York", None), "EST": ("America/New_York", -300),
    "EDT": ("America/New_York", -240), "CT": ("America/Chicago", None),
    "CST": ("America/Chicago", -360), "CDT": ("America/Chicago", -300),
    "MT": ("America/Denver", None), "MST": ("America/Denver", -420),
    "MDT": ("America/Denver", -360), "PT": ("America/Los_Angeles", None),
    "PST": ("America/Los_Angeles", -480), "PDT": ("America/Los_Angeles", -420),
    "AKST": ("America/Anchorage", -540), "AKDT": ("America/Anchorage", -480),
    "HST": ("Pacific/Honolulu", -600), "UTC": ("UTC", 0), "GMT": ("Europe/London", 0),
    "BST": ("Europe/London", 60), "WET": ("Europe/Lisbon", 0), "WEST": ("Europe/Lisbon", 60),
    "CET": ("Europe/Paris", 60), "CEST": ("Europe/Paris", 120), "EET": ("Europe/Kyiv", 120),
    "EEST": ("Europe/Kyiv", 180), "MSK": ("Europe/Moscow", 180), "HKT": ("Asia/Hong_Kong", 480),
    "SGT": ("Asia/Singapore", 480), "JST": ("Asia/Tokyo", 540), "KST": ("Asia/Seoul", 540),
    "AET": ("Australia/Sydney", None), "AEST": ("Australia/Sydney", 600),
    "AEDT": ("Australia/Sydney", 660), "NZST": ("Pacific/Auckland", 720),
    "NZDT": ("Pacific/Auckland", 780),
}  # fmt: skip

MONTH_NAMES = [
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
]  # fmt: skip
MONTHS = {name[:3]: number for number, name in enumerate(MONTH_NAMES, 1)}
MONTHS |= {name: number for number, name in enumerate(MONTH_NAMES, 1)} | {"sept": 9}
WEEKDAYS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
}  # fmt: skip

# The date must have the shape "[weekday] month day, year" or "[weekday] day month year", so
# a sentence that starts with a time ("10 a.m. ET, the talks began") is not a time line; a
# misspelt date of that shape is one, and is reported.
DATE_SHAPE = (
    r"(?:[A-Za-z]+\.?,?\s+)?(?:[A-Za-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+\.?),?\s+\d{4}"
)
CLOCK = (
    r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<ampm>(?i:[ap]\.?\s?m\.?))?"
    r"(?:\s+(?P<zone>[A-Z]{1,5})\b)?"
)
# "2:20 p.m. ET, February 7, 2022", "14:20 GMT", "Posted at 14:32"; and the Guardian's
# date-first "Tue 7 Nov 2023 14.32 GMT".
TIME_LINE = re.compile(rf"(?i:posted\s+at\s+)?{CLOCK}(?:\s*,?\s+(?P<date>{DATE_SHAPE}))?")
DATE_FIRST = re.compile(rf"(?P<date>{DATE_SHAPE})\s*,?\s+(?i:at\s+)?{CLOCK}")
# "6 hr 57 min ago", "36 min ago", "less than 1 min ago", "1h ago", "an hour ago", "just now".
UNIT = r"(?:\d+|an?|one)\s*(?:days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b\.?"
RELATIVE = re.compile(
    rf"(?i:(?:(?P<less>less\s+than|under)\s+|(?:about|over|nearly|almost)\s+)?"
    # One way only to read each gap between units ("6 hr 57 min", "1 day, 2 hours and 5 min"):
    # gaps matchable in several ways would make a long line take exponential time.
    rf"(?P<parts>{UNIT}(?:(?:\s*,\s*|\s+)(?:and\s+)?{UNIT})*)\s+ago|just\s+now|moments?\s+ago)"
)
UNIT_PART = re.compile(r"(?i)(\d+|an?|one)\s*(d|h|m|s)")
SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
# A time line is short; longer lines are never tried, which keeps every match linear in time.
MAX_STAMP = 100


@dataclass(frozen=True)
class Clock:
    """A clock time as written, perhaps with a zone and a date."""

    text: str
    hour: int
    minute: int | None
    ampm: str | None
    zone: str | None
    date: str | None


@dataclass(frozen=True)
class Relative:
    """A time written as how long ago it was, counted from when the page was copied."""

    text: str
    ago: timedelta


Stamp = Clock | Relative


def clock_match(text: str) -> Clock | None:
    if len(text) > MAX_STAMP:
        return None
    m = TIME_LINE.fullmatch(text) or DATE_FIRST.fullmatch(text)
    # A bare number ("14") is not a time: it needs minutes or a.m./p.m.
    if not m or not (m["minute"] or m["ampm"]):
        return None
    minute = int(m["minute"]) if m["minute"] else None
    return Clock(text, int(m["hour"]), minute, m["ampm"], m["zone"], m["date"])


def relative_match(text: str) -> Relative | None:
    if len(text) > MAX_STAMP or not (m := RELATIVE.fullmatch(text)):
        return None
    seconds = unit_seconds = 0
    for amount, unit in UNIT_PART.findall(m["parts"] or ""):
        count = int(amount) if amount.isdigit() else 1
        unit_seconds = SECONDS[unit.lower()]
        seconds += count * unit_seconds
    if m["less"]:  # "less than 1 min ago": within the last minute, so as good as then
        seconds = max(0, seconds - unit_seconds)
    return Relative(text, timedelta(seconds=min(seconds, 10**9)))


def stamp_match(text: str) -> Stamp | None:
    return clock_match(text) or relative_match(text)


def read_clock(number: int, c: Clock, previous: date | None, blog_zone: str) -> datetime:
    hour, minute = c.hour, c.minute or 0
    if c.ampm and 1 <= hour <= 12:
        hour = hour % 12 + (12 if c.ampm[0].lower() == "p" else 0)
    if hour > 23 or minute > 59 or (c.ampm and not 1 <= c.hour <= 12):
        message = f"the time in '{c.text}' could not be read"
        raise ParseError(number, f"{message}; expected a time such as '2:20 p.m.' or '14:20'")
    if c.date:
        day = read_date(c.date)
        if day is None:
            message = f"the date '{c.date}' could not be read"
            raise ParseError(number, f"{message}; expected a date such as {DATE_EXAMPLE}")
    elif previous:
        # Pages often give the date only when it changes: a bare time is on the same day as
        # the post before it, or as the "Updated" line (or --as-of) for the first post.
        day = previous
    else:
        message = "this time has no date and there is no earlier date to take it from"
        raise ParseError(
            number,
            f"{message}; expected a post time line such as {TIME_EXAMPLE}, "
            "or --as-of with the date the page was copied",
        )
    zone = read_zone(number, c.zone, blog_zone)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def read_relative(number: int, r: Relative, as_of: datetime | None) -> datetime:
    if as_of is None:
        raise ParseError(
            number,
            f"'{r.text}' is a time relative to when the page was copied, and the page has no "
            f"'Updated' time to count from; expected --as-of TIME (such as {AS_OF_EXAMPLE})",
        )
    try:
        return (as_of - r.ago).replace(second=0, microsecond=0)
    except OverflowError:
        raise ParseError(number, f"'{r.text}' reaches back before the year 1") from None


def read_zone(number: int, abbreviation: str | None, blog_zone: str) -> tzinfo:
    if abbreviation is None:
        return ZoneInfo(blog_zone)
    if abbreviation not in ZONES:
        message = f"unknown time-zone abbreviation '{abbreviation}'"
        raise ParseError(number, f"{message}; expected one of {', '.join(ZONES)}")
    name, offset = ZONES[abbreviation]
    if offset is None:
        return ZoneInfo(name)  # zoneinfo decides daylight saving, never this code
    return timezone(timedelta(minutes=offset), abbreviation)


def read_date(text: str) -> date | None:
    """Read "Mon February 7, 2022", "7 Feb. 2022" or "Monday, February 7th, 2022"."""
    words = re.findall(r"[^\W\d_]+|\d+", re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", text))
    # A weekday is not checked against the date: when they disagree there is no telling which
    # one is wrong, and the date is what the post records.
    if words and words[0].lower() in WEEKDAYS:
        words = words[1:]
    if len(words) != 3 or not words[2].isdigit() or len(words[2]) != 4:
        return None
    month_first = words[0].lower() in MONTHS and words[1].isdigit()
    day_first = words[0].isdigit() and words[1].lower() in MONTHS
    if not (month_first or day_first):
        return None
    month, day = (words[0], words[1]) if month_first else (words[1], words[0])
    try:
        return date(int(words[2]), MONTHS[month.lower()], int(day))
    except ValueError:
        return None


def read_as_of(text: str, blog_zone: str) -> datetime:
    """`--as-of`: ISO 8601 or a time line with a date; a time with no zone is the blog's."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        clock = clock_match(text.strip())
        if clock is None or clock.date is None:
            raise ValueError(f"expected a time such as {AS_OF_EXAMPLE}, not {text!r}") from None
        try:
            return read_clock(0, clock, None, blog_zone)
        except ParseError as exc:
            raise ValueError(exc.message) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(blog_zone))
    return moment
