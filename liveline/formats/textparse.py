"""Read a live blog copied from a web page as plain text (the seed's format).

The text is a title, a header (byline, "Updated …" line, post count, page chrome) and then
posts, each starting with a time line such as "2:20 p.m. ET, February 7, 2022". Every
non-empty line ends up somewhere in the result or is recognised chrome: nothing is dropped
silently, and text the parser cannot place raises ParseError with its line number.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

__all__ = ["ParseError", "ParsedBlog", "ParsedImage", "ParsedPost", "parse_bytes", "parse_text"]

TIME_EXAMPLE = "'2:20 p.m. ET, February 7, 2022'"
DATE_EXAMPLE = "'February 7, 2022' or '7 February 2022'"
NO_POSTS = f"no post found; expected a post time line such as {TIME_EXAMPLE}"
NO_HEADLINE = (
    "this post time line is not followed by a headline; "
    "expected the post's headline on the next non-empty line"
)
BAD_UPDATED = (
    "the 'Updated' time could not be read; "
    "expected a line such as 'Updated 11:02 PM ET, Mon February 7, 2022'"
)
UNEXPECTED_HEADER = (
    "unexpected text before the first post; expected a byline ('By …'), an 'Updated …' line, "
    f"a post count ('14 Posts') or a post time line such as {TIME_EXAMPLE}"
)

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

# "2:20 p.m. ET, February 7, 2022", "14:20 GMT", "2pm EST", "14.20 BST, 1 July 2023".
# The date must have the shape "[weekday] month day, year" or "[weekday] day month year", so
# a sentence that starts with a time ("10 a.m. ET, the talks began") is not a time line; a
# misspelt date of that shape is one, and is reported.
DATE_SHAPE = (
    r"(?:[A-Za-z]+\.?,?\s+)?(?:[A-Za-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+\.?),?\s+\d{4}"
)
TIME_LINE = re.compile(
    r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<ampm>(?i:[ap]\.?\s?m\.?))?"
    rf"(?:\s+(?P<zone>[A-Z]{{1,5}})\b)?(?:\s*,?\s+(?P<date>{DATE_SHAPE}))?"
)
UPDATED = re.compile(r"(?i:(?:last\s+)?updated):?\s+(?i:at\s+)?(?P<rest>.+)")
POST_COUNT = re.compile(r"(?P<count>\d[\d,]*)\s+(?i:posts?)")
CHROME = re.compile(
    r"(?i:sort\s*by.*|newest\s+first|oldest\s+first|dropdown\s+arrow|link\s+copied!?"
    r"|copy\s+link|live\s+updates)"
)
# "CNN's " or "Reuters' " in front of a name: the outlet, not part of the name.
OUTLET = re.compile(r"^[A-Z][\w&.-]*(?:\s[A-Z][\w&.-]*)?['\u2019]s?\s+")
OUTLET_WORDS = {"The", "News", "Press", "Times", "Post", "Media", "Agency", "Network", "Radio"}
NAME_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*")
NAME_WORD = re.compile(r"[^\W\d_][\w.'\u2019-]*")
PARTICLES = {"de", "da", "del", "della", "der", "den", "di", "du", "la", "le", "van", "von", "bin"}
# "… in London", "… in Washington, DC"; a place holds no "and", which would start a name.
TRAILING_PLACE = re.compile(
    r"(?P<names>.+)\s+in\s+(?P<place>[A-Z](?:(?!\s+and\s)[^,&])*(?:,\s*[A-Z][\w.]*)*)"
)
CONTRIBUTORS = re.compile(
    r"(?P<names>.+?)\s+(?:also\s+)?contributed(?:\s+(?:additional\s+)?reporting)?"
    r"(?:\s+(?:to|for)\s+(?:this|the)\s+(?:post|report|story|article|update))?\s*\.?"
)


class ParseError(ValueError):
    """The text is not a live blog this parser can read; says where and what was expected."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(line, message)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ParsedImage:
    caption: str | None
    credit: str | None


@dataclass(frozen=True)
class ParsedPost:
    published: datetime
    headline: str
    authors: tuple[str, ...]
    location: str | None
    images: tuple[ParsedImage, ...]
    paragraphs: tuple[str, ...]
    contributors: tuple[str, ...]
    line: int  # of the post's time line, for messages about the post

    def to_json(self) -> dict:
        return {
            "published": self.published.isoformat(),
            "headline": self.headline,
            "authors": list(self.authors),
            "location": self.location,
            "images": [asdict(image) for image in self.images],
            "paragraphs": list(self.paragraphs),
            "contributors": list(self.contributors),
        }


@dataclass(frozen=True)
class ParsedBlog:
    title: str
    authors: tuple[str, ...]
    organization: str | None
    updated: datetime | None
    timezone: str
    stated_post_count: int | None
    posts: tuple[ParsedPost, ...]

    def to_json(self) -> dict:
        """The `liveline parse` output described in DESIGN.md."""
        return {
            "title": self.title,
            "authors": list(self.authors),
            "organization": self.organization,
            "updated": self.updated.isoformat() if self.updated else None,
            "timezone": self.timezone,
            "stated_post_count": self.stated_post_count,
            "posts": [post.to_json() for post in self.posts],
        }


Line = tuple[int, str]  # (1-based line number, text stripped of surrounding whitespace)


def parse_bytes(data: bytes, default_timezone: str = "America/New_York") -> ParsedBlog:
    """Parse a file's bytes: UTF-8, with or without a byte-order mark."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = len(re.findall(rb"\r\n|\r|\n", data[: exc.start])) + 1
        message = f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded)"
        raise ParseError(line, f"{message}; expected a live blog saved as plain text") from None
    return parse_text(text, default_timezone)


def parse_text(text: str, default_timezone: str = "America/New_York") -> ParsedBlog:
    """Parse a live blog copied as text; `default_timezone` is used if no time names a zone."""
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = len(re.findall(r"\r\n|\r|\n", text[: text.index("\x00")])) + 1
        message = "the file is not UTF-8 text (it holds NUL bytes, like a binary file)"
        raise ParseError(line, f"{message}; expected a live blog saved as plain text")
    # Split on CRLF, CR and LF only: str.splitlines() also splits on characters such as
    # U+2028 and would number lines differently from the reader's editor.
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [(number, line.strip()) for number, line in enumerate(raw, 1) if line.strip()]
    if not lines:
        raise ParseError(1, "the file is empty; expected a live blog starting with its title")

    times = {i: m for i, (_, s) in enumerate(lines) if (m := _time_match(s))}
    starts = sorted(times)
    if starts and starts[0] == 0:
        raise ParseError(lines[0][0], "expected the blog's title before the first post time line")
    header = lines[1 : starts[0] if starts else len(lines)]
    authors, organization, updated_at, count = _read_header(header, found_posts=bool(starts))
    if not starts:
        raise ParseError(lines[-1][0], NO_POSTS)

    # The blog's zone is the one its "Updated" line names, else the one its first post names.
    named = [m["zone"] for m in (updated_at and updated_at[1], times[starts[0]]) if m and m["zone"]]
    blog_zone = ZONES[named[0]][0] if named and named[0] in ZONES else default_timezone
    updated = _read_time(*updated_at, None, blog_zone) if updated_at else None

    posts = []
    previous_date = updated.date() if updated else None
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        number = lines[start][0]
        published = _read_time(number, times[start], previous_date, blog_zone)
        previous_date = published.date()
        body = [(n, s) for n, s in lines[start + 1 : end] if not CHROME.fullmatch(s)]
        if not body:
            raise ParseError(number, NO_HEADLINE)
        posts.append(_read_post(number, published, body))
    return ParsedBlog(lines[0][1], authors, organization, updated, blog_zone, count, tuple(posts))


def _read_header(
    header: list[Line], found_posts: bool
) -> tuple[tuple[str, ...], str | None, tuple[int, re.Match[str]] | None, int | None]:
    """The lines between the title and the first post: byline, "Updated …", count, chrome."""
    authors: tuple[str, ...] = ()
    organization = updated_at = count = None
    for number, s in header:
        if m := UPDATED.fullmatch(s):
            if not (time := _time_match(m["rest"])):
                raise ParseError(number, BAD_UPDATED)
            updated_at = (number, time)
        elif m := POST_COUNT.fullmatch(s):
            count = int(m["count"].replace(",", ""))
        elif (m := re.fullmatch(r"By\s+(?P<names>\w.*)", s)) and not authors:
            authors, organization = _read_blog_byline(m["names"])
        elif CHROME.fullmatch(s):
            continue
        else:
            raise ParseError(number, UNEXPECTED_HEADER if found_posts else NO_POSTS)
    return authors, organization, updated_at, count


def _read_blog_byline(text: str) -> tuple[tuple[str, ...], str | None]:
    """Read "Aditi Sangal, Melissa Macaya and Mike Hayes, CNN" as authors and outlet."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    last = parts[-1]
    # A list of people closes with "and X", so a short capitalised part after that is the
    # outlet; so is one that reads like an outlet ("CNN", "BBC News"). "By A and B" has none.
    after_list = len(parts) > 2 and " and " in f" {parts[-2]} "
    words = last.split()
    outlet_like = len(words) == 1 or any(w.isupper() and len(w) > 1 for w in words)
    outlet_like = outlet_like or bool(OUTLET_WORDS & set(words))
    short = last[0].isupper() and len(words) <= 4 and "and" not in words
    if len(parts) > 1 and short and (after_list or outlet_like):
        return tuple(_split_names(", ".join(parts[:-1]))), last
    return tuple(_split_names(text)), None


def _read_post(number: int, published: datetime, body: list[Line]) -> ParsedPost:
    headline, rest = body[0][1], body[1:]
    authors: tuple[str, ...] = ()
    location = None
    if rest and (byline := _read_byline(rest[0][1])):
        (authors, location), rest = byline, rest[1:]
    images: list[ParsedImage] = []
    paragraphs: list[str] = []
    contributors: list[str] = []
    i = 0
    while i < len(rest):
        n, s = rest[i]
        following = rest[i + 1][1] if i + 1 < len(rest) else ""
        adjacent = i + 1 < len(rest) and rest[i + 1][0] == n + 1
        if credit := _credit(s):
            # The page shows a photo's credit twice when it has no caption.
            images.append(ParsedImage(None, credit))
            i += 2 if adjacent and following == s else 1
        elif names := _contributors(s):
            contributors.extend(names)
            i += 1
        elif following.startswith(s) and (credit := _credit(following[len(s) :].strip())):
            images.append(ParsedImage(s, credit))  # "Caption" then "Caption (Credit)"
            i += 2
        elif adjacent and (credit := _credit(following)):
            # A caption right above its "(Credit)" line; with a blank line between them the
            # line is kept as a paragraph, since any paragraph may precede a photo.
            images.append(ParsedImage(s, credit))
            repeated = i + 2 < len(rest) and rest[i + 2] == (n + 2, following)
            i += 3 if repeated else 2
        else:
            paragraphs.append(s)
            i += 1
    return ParsedPost(
        published, headline, authors, location, tuple(images), tuple(paragraphs),
        tuple(contributors), number,
    )  # fmt: skip


def _read_byline(text: str) -> tuple[tuple[str, ...], str | None] | None:
    """The line under a headline, if it is a byline: the authors and where they are."""
    marked = re.match(r"(?:From|By)\s+(?P<rest>.+)", text)
    if marked:
        # "From CNN's From A and B": the seed repeats "From" after the outlet.
        text = re.sub(r"^From\s+", "", OUTLET.sub("", marked["rest"]))
    last_place = []
    if m := TRAILING_PLACE.fullmatch(text):  # "… in Washington, DC" may hold a comma
        text, last_place = m["names"], [m["place"]]
    authors, places = [], []
    for part in _split_names(text):
        name, _, place = part.partition(" in ")  # "A in London and B in Moscow"
        name = OUTLET.sub("", name)
        if not _is_name(name) or (place and not place[0].isupper()):
            return None
        authors.append(name)
        places += [place] if place else []
    # Without "From"/"By", only a list of two or more names is clearly a byline.
    if not authors or (not marked and len(authors) < 2):
        return None
    return tuple(authors), " and ".join(dict.fromkeys(places + last_place)) or None


def _contributors(text: str) -> list[str] | None:
    """Read "CNN's A and B contributed reporting to this post." as [A, B]."""
    if not (m := CONTRIBUTORS.fullmatch(text)):
        return None
    names = [OUTLET.sub("", part) for part in _split_names(m["names"])]
    return names if names and all(_is_name(name) for name in names) else None


def _credit(text: str) -> str | None:
    """The credit in "(Andrew Harnik/Pool/AFP/Getty Images)"; a bracketed sentence is none."""
    if not (m := re.fullmatch(r"\(([^()]+)\)", text)):
        return None
    credit = m[1].strip()
    words = re.split(r"[\s/]+", credit)
    capitalised = sum(1 for w in words if w[:1].isupper() or w[:1].isdigit())
    if credit[-1] in ".!?:;" or len(words) > 15 or capitalised * 2 < len(words):
        return None
    return credit


def _split_names(text: str) -> list[str]:
    return [part for part in NAME_SEPARATOR.split(text.strip()) if part]


def _is_name(text: str) -> bool:
    """One to four capitalised words, as in "DJ Judd" or "Ursula von der Leyen"."""
    words = text.split()
    return (
        1 <= len(words) <= 4
        and all(NAME_WORD.fullmatch(w) for w in words)
        and all(w.split("-")[-1][:1].isupper() or w in PARTICLES for w in words)
        and words[0][0].isupper()
    )


def _time_match(text: str) -> re.Match[str] | None:
    m = TIME_LINE.fullmatch(text)
    # A bare number ("14") is not a time: it needs minutes or a.m./p.m.
    return m if m and (m["minute"] or m["ampm"]) else None


def _read_time(number: int, m: re.Match[str], previous: date | None, blog_zone: str) -> datetime:
    hour, minute = int(m["hour"]), int(m["minute"] or 0)
    twelve_hour = bool(m["ampm"])
    if twelve_hour and 1 <= hour <= 12:
        hour = hour % 12 + (12 if m["ampm"][0].lower() == "p" else 0)
    if hour > 23 or minute > 59 or (twelve_hour and not 1 <= int(m["hour"]) <= 12):
        message = f"the time in '{m[0]}' could not be read"
        raise ParseError(number, f"{message}; expected a time such as '2:20 p.m.' or '14:20'")
    if m["date"]:
        day = _read_date(m["date"])
        if day is None:
            message = f"the date '{m['date']}' could not be read"
            raise ParseError(number, f"{message}; expected a date such as {DATE_EXAMPLE}")
    elif previous:
        # Pages often give the date only when it changes: a bare time is on the same day as
        # the post before it, or as the "Updated" line for the first post.
        day = previous
    else:
        message = "this time has no date and there is no earlier date to take it from"
        raise ParseError(number, f"{message}; expected a post time line such as {TIME_EXAMPLE}")
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=_zone(number, m, blog_zone))


def _zone(number: int, m: re.Match[str], blog_zone: str) -> tzinfo:
    abbreviation = m["zone"]
    if abbreviation is None:
        return ZoneInfo(blog_zone)
    if abbreviation not in ZONES:
        message = f"unknown time-zone abbreviation '{abbreviation}'"
        raise ParseError(number, f"{message}; expected one of {', '.join(ZONES)}")
    name, offset = ZONES[abbreviation]
    if offset is None:
        return ZoneInfo(name)  # zoneinfo decides daylight saving, never this code
    return timezone(timedelta(minutes=offset), abbreviation)


def _read_date(text: str) -> date | None:
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
