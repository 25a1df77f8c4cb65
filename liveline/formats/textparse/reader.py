"""Read a live blog copied from a web page as plain text (the seed's format, and its cousins).

The text is a title, a header (byline, "Updated …" line, post count, page chrome) and then
posts, each starting with a time line such as "2:20 p.m. ET, February 7, 2022" or "36 min
ago". Every non-empty line ends up somewhere in the result or is recognised chrome: nothing
is dropped silently, and text the parser cannot place raises ParseError with its line number.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from liveline.formats.textparse import chrome, times
from liveline.formats.textparse.body import Roles, read_post
from liveline.formats.textparse.names import BLOG_BYLINE, read_blog_byline
from liveline.formats.textparse.parsed import Line, ParsedBlog, ParsedPost, ParseError
from liveline.formats.textparse.times import Clock, Relative, Stamp

NO_POSTS = f"no post found; expected a post time line such as {times.TIME_EXAMPLE}"
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
    f"a post count ('14 Posts') or a post time line such as {times.TIME_EXAMPLE}"
)
POST_COUNT = re.compile(r"(?P<count>\d[\d,]*)\s+(?i:posts?)")
POST_NUMBER = re.compile(r"\d{1,3}\.?")  # the BBC numbers its posts: "1", "2." …
NUMBERED_TIME = re.compile(r"(?P<number>\d{1,3})\.\s+(?P<rest>\S.*)")


@dataclass
class Header:
    title: str = ""
    authors: tuple[str, ...] = ()
    organization: str | None = None
    updated: tuple[int, str] | None = None  # the line and its text after "Updated"
    count: int | None = None
    uk_times: bool = False
    warnings: list[str] = field(default_factory=list)


def parse_bytes(
    data: bytes,
    default_timezone: str = "America/New_York",
    *,
    as_of: datetime | str | None = None,
    now: datetime | None = None,
) -> ParsedBlog:
    """Parse a file's bytes: UTF-8, with or without a byte-order mark."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = len(re.findall(rb"\r\n|\r|\n", data[: exc.start])) + 1
        message = f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded)"
        raise ParseError(line, f"{message}; expected a live blog saved as plain text") from None
    return parse_text(text, default_timezone, as_of=as_of, now=now)


def parse_text(
    text: str,
    default_timezone: str = "America/New_York",
    *,
    as_of: datetime | str | None = None,
    now: datetime | None = None,
) -> ParsedBlog:
    """Parse a live blog copied as text; `default_timezone` is used if no time names a zone.

    `as_of` is when the page was copied (a naive time or text is in the blog's zone): relative
    times ("36 min ago") count back from it, else from the page's own "Updated" time. `now` is
    the import time, given to posts only when the whole page has no times (with a warning).
    """
    return _parse(text, default_timezone, as_of, now, {})


def explain_text(
    text: str,
    default_timezone: str = "America/New_York",
    *,
    as_of: datetime | str | None = None,
    now: datetime | None = None,
) -> list[tuple[int, str, str]]:
    """Every line of the text, numbered, with what it became: (line, role, text)."""
    roles: Roles = {}
    _parse(text, default_timezone, as_of, now, roles)
    raw = _split(text.removeprefix("\ufeff"))
    return [(n, roles.get(n, "blank" if not s.strip() else "?"), s) for n, s in enumerate(raw, 1)]


def _split(text: str) -> list[str]:
    # Split on CRLF, CR and LF only: str.splitlines() also splits on characters such as
    # U+2028 and would number lines differently from the reader's editor.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _parse(
    text: str,
    default_timezone: str,
    as_of: datetime | str | None,
    now: datetime | None,
    roles: Roles,
) -> ParsedBlog:
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = len(re.findall(r"\r\n|\r|\n", text[: text.index("\x00")])) + 1
        message = "the file is not UTF-8 text (it holds NUL bytes, like a binary file)"
        raise ParseError(line, f"{message}; expected a live blog saved as plain text")
    lines = [(n, line.strip()) for n, line in enumerate(_split(text), 1) if line.strip()]
    if not lines:
        raise ParseError(1, "the file is empty; expected a live blog starting with its title")
    lines = [_unglue(n, s, roles) for n, s in lines]

    stamps = {i: m for i, (_, s) in enumerate(lines) if (m := times.stamp_match(s))}
    if 0 in stamps:
        raise ParseError(lines[0][0], "expected the blog's title before the first post time line")
    skipped: dict[int, str] = {}  # lines between posts: relative times, post numbers
    starts = _post_starts(lines, stamps, skipped)
    for i, (_, s) in enumerate(lines):
        if i + 1 in starts and POST_NUMBER.fullmatch(s) and i not in skipped:
            skipped[i] = "post number"
    for i, role in skipped.items():
        roles[lines[i][0]] = role
    timeless = not starts and _timeless_starts(lines)
    first = starts[0] if starts else (timeless[0] if timeless else len(lines))
    kept = [x for i, x in enumerate(lines[:first]) if i not in skipped]
    header = _read_header(kept, roles, found_posts=bool(starts or timeless))
    if not starts and not timeless:
        raise ParseError(lines[-1][0], NO_POSTS)

    updated_stamp = _updated_stamp(header)
    first_clock = next((c for i in starts if isinstance(c := stamps[i], Clock)), None)
    blog_zone = _blog_zone(header, updated_stamp[1], first_clock, default_timezone)
    copied = times.read_as_of(as_of, blog_zone) if isinstance(as_of, str) else as_of
    if copied is not None and copied.tzinfo is None:
        copied = copied.replace(tzinfo=ZoneInfo(blog_zone))

    warnings = header.warnings
    updated, reference = _read_updated(header, updated_stamp, stamps, copied, blog_zone)
    if header.updated and updated is None:
        warnings.append(
            f"line {header.updated[0]}: the 'Updated' time is relative and was not kept; "
            "pass --as-of to keep it"
        )
    posts: list[ParsedPost] = []
    zone = ZoneInfo(blog_zone)
    if timeless:
        # Never an invented time: the import's own, said out loud.
        moment = (now or datetime.now(UTC)).astimezone(zone)
        for k, start in enumerate(timeless):
            end = timeless[k + 1] if k + 1 < len(timeless) else len(lines)
            roles[lines[start][0]] = "post number"
            posts.append(_post(lines, start + 1, end, {}, moment, roles))
        warnings.append(
            f"line {lines[timeless[0]][0]}: the page gives no post times; {len(posts)} posts "
            "are kept in page order with the import time"
        )
    previous = updated or copied
    previous_date = previous.astimezone(zone).date() if previous else None
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        number = lines[start][0]
        stamp = stamps[start]
        if isinstance(stamp, Relative):
            published = times.read_relative(number, stamp, copied or reference).astimezone(zone)
        else:
            published = times.read_clock(number, stamp, previous_date, blog_zone)
        roles[number] = roles.get(number, "") + ("time" if not roles.get(number) else " + time")
        # A clock time keeps the date it was written with, whatever offset it names.
        local = published.astimezone(zone) if isinstance(stamp, Relative) else published
        previous_date = local.date()
        posts.append(_post(lines, start + 1, end, skipped, published, roles))
    return ParsedBlog(
        header.title, header.authors, header.organization, updated, blog_zone, header.count,
        tuple(posts), tuple(warnings),
    )  # fmt: skip


def _blog_zone(
    header: Header, updated: Clock | None, first: Clock | None, default_timezone: str
) -> str:
    """The zone the "Updated" line names, else the first post's, else the page's, else ours."""
    named = [c.zone for c in (updated, first) if c is not None and c.zone]
    if named and named[0] in times.ZONES:
        return times.ZONES[named[0]][0]
    return "Europe/London" if header.uk_times else default_timezone


def _unglue(number: int, text: str, roles: Roles) -> Line:
    """ "62 New Updates6 hr 57 min ago" → the time; "1. 14:32" (a numbered post) → the time."""
    if len(text) > 2 * times.MAX_STAMP:
        return number, text
    for pattern, role in ((chrome.GLUED, "chrome"), (NUMBERED_TIME, "post number")):
        m = pattern.fullmatch(text)
        if m and not times.stamp_match(text) and times.stamp_match(m["rest"].strip()):
            roles[number] = role
            return number, m["rest"].strip()
    # "36 min ago6:17 a.m. ET, September 15, 2018": the relative time glued to its clock time.
    if (m := times.RELATIVE.match(text)) and times.clock_match(rest := text[m.end() :].strip()):
        roles[number] = "relative (clock wins)"
        return number, rest
    return number, text


def _post_starts(lines: list[Line], stamps: dict[int, Stamp], skipped: dict[int, str]) -> list[int]:
    """Where posts start. A relative time right beside a clock time is the same post's."""
    starts = []
    for i in sorted(stamps):
        if i in skipped:  # the relative time above a clock time
            continue
        a, b = stamps[i], stamps.get(i + 1)
        if b is not None and isinstance(a, Relative) != isinstance(b, Relative):
            # The post starts on the lower line; the clock time is its time.
            skipped[i] = "time (relative, beside the clock time)"
            stamps[i + 1] = b if isinstance(a, Relative) else a
            continue
        starts.append(i)
    return starts


def _timeless_starts(lines: list[Line]) -> list[int]:
    """A page with no times at all may still number its posts ("1", "2", …): those start them."""
    marks = [i for i, (_, s) in enumerate(lines) if i > 0 and POST_NUMBER.fullmatch(s)]
    values = [int(lines[i][1].rstrip(".")) for i in marks]
    if not marks or any(b - a not in (1, -1) for a, b in itertools.pairwise(values)):
        return []
    return [i for i in marks if i + 1 < len(lines)]


def _read_header(header: list[Line], roles: Roles, found_posts: bool) -> Header:
    """The lines before the first post: title, byline, "Updated …", count, chrome."""
    result = Header()
    texts: list[Line] = []  # lines that are none of the known kinds: the title, or unexpected
    byline_at = None
    for number, s in header:
        if m := chrome.UPDATED.fullmatch(s):
            result.updated, roles[number] = (number, m["rest"]), "updated"
        elif m := POST_COUNT.fullmatch(s):
            result.count, roles[number] = int(m["count"].replace(",", "")), "post count"
        elif (m := BLOG_BYLINE.fullmatch(s)) and byline_at is None and texts:
            result.authors, result.organization = read_blog_byline(m["names"])
            byline_at, roles[number] = len(texts), "byline"
        elif chrome.says_uk_times(s):
            result.uk_times, roles[number] = True, "time zone (UK)"
        elif kind := chrome.header_chrome(s):
            roles[number] = kind
        else:
            texts.append((number, s))
    if not texts:
        line = header[0][0] if header else 1
        raise ParseError(line, "expected the blog's title before the first post time line")
    # The title is the headline-like line nearest above the byline; a citing site's or a
    # saving tool's lines above it are its header, not the story's; sentences between it and
    # the byline are the page's summary (standfirst). Without a byline it is the first line.
    title_at = 0
    if byline_at:
        above = [k for k in range(byline_at) if _headline_like(texts[k][1])]
        title_at = above[-1] if above else byline_at - 1
    for number, _ in texts[:title_at]:
        roles[number] = "chrome ignored (above the title)"
    (number, result.title), rest = texts[title_at], texts[title_at + 1 :]
    roles[number] = "title"
    for number, _ in rest[: (byline_at or 0) - title_at - 1]:
        roles[number] = "summary (not stored)"
        result.warnings.append(f"line {number}: the page's summary is not stored")
    if rest := rest[max(0, (byline_at or 0) - title_at - 1) :]:
        raise ParseError(rest[0][0], UNEXPECTED_HEADER if found_posts else NO_POSTS)
    return result


def _headline_like(text: str) -> bool:
    """A headline is short, or at least not a long sentence ending in a full stop."""
    return not (text.endswith(".") and len(text.split()) > 12)


def _updated_stamp(header: Header) -> tuple[Relative | None, Clock | None]:
    """ "Updated 11:02 PM ET, …", "Updated 5 min ago", "Updated less than 1 min ago6:53 a.m. …"."""
    if header.updated is None:
        return None, None
    number, rest = header.updated
    if clock := times.clock_match(rest):
        return None, clock
    if relative := times.relative_match(rest):
        return relative, None
    if (m := times.RELATIVE.match(rest)) and (clock := times.clock_match(rest[m.end() :].strip())):
        return times.relative_match(m[0]), clock
    raise ParseError(number, BAD_UPDATED)


def _read_updated(
    header: Header,
    stamp: tuple[Relative | None, Clock | None],
    stamps: dict[int, Stamp],
    copied: datetime | None,
    blog_zone: str,
) -> tuple[datetime | None, datetime | None]:
    """The page's "Updated" time, and the moment relative times count back from."""
    if header.updated is None:
        return None, None
    number = header.updated[0]
    relative, clock = stamp
    if clock is None:
        assert relative is not None
        return (times.read_relative(number, relative, copied), copied) if copied else (None, None)
    day: date | None = copied.astimezone(ZoneInfo(blog_zone)).date() if copied else None
    if day is None:  # "Updated at 14.32 GMT": the day of the first post that names one
        dated = (s for s in stamps.values() if isinstance(s, Clock) and s.date)
        day = next((d for s in dated if (d := times.read_date(s.date or ""))), None)
    updated = times.read_clock(number, clock, day, blog_zone)
    # "Updated 5 min ago" beside the clock time: the page was copied five minutes later.
    return updated, updated + (relative.ago if relative else timedelta(0))


def _post(
    lines: list[Line],
    start: int,
    end: int,
    skipped: dict[int, str],
    published: datetime,
    roles: Roles,
) -> ParsedPost:
    time_line = lines[start - 1][0]
    body: list[Line] = []
    for i in range(start, end):
        n, s = lines[i]
        if i in skipped:
            roles[n] = skipped[i]
        elif chrome.is_chrome(s):
            roles[n] = "chrome ignored"
        elif (m := chrome.UPDATED.fullmatch(s)) and times.stamp_match(m["rest"]):
            roles[n] = "chrome ignored (the post's edit time)"
        else:
            body.append((n, s))
    if not body:
        raise ParseError(time_line, NO_HEADLINE)
    return read_post(time_line, published, body, roles)
