"""Page chrome: the navigation, controls and counters a copied page brings along with the story."""

from __future__ import annotations

import re

# Controls that may appear anywhere, header or posts: never text of the story.
CHROME = re.compile(
    r"(?i:sort\s*by.*|newest\s+first|oldest\s+first|dropdown\s+arrow|link\s+copied!?"
    r"|copy\s+link|live\s+updates|show\s+key\s+events\s+only|key\s+events|share(?:\s+this\s+post)?"
    r"|\d[\d,]*\s+new\s+(?:updates?|posts?)|(?:see|show|load)\s+(?:more|latest)(?:\s+posts|"
    r"\s+updates)?|please\s+turn\s+on\s+javascript.*|skip\s+to\s+(?:main\s+)?content"
    r"|advertisement|live\s+reporting|all\s+times\s+(?:stated\s+are|are|in)\s+\w+)"
)
# Site navigation: short lines a page header repeats on every page. Only in the header.
NAVIGATION = {
    "live tv", "live", "watch", "listen", "menu", "search", "sign in", "log in", "subscribe",
    "edition", "home", "news", "sport", "sports", "u.s.", "us", "uk", "world", "politics",
    "business", "opinion", "opinions", "health", "entertainment", "tech", "technology",
    "style", "travel", "video", "videos", "audio", "podcasts", "weather", "science", "climate",
    "markets", "more", "features", "culture", "lifestyle", "coronavirus", "elections",
    "local", "national", "international", "europe", "americas", "asia", "africa",
    "middle east", "australia", "india", "china", "live news", "latest", "newest", "oldest",
    "close", "share", "facebook", "twitter", "email", "whatsapp", "print", "comments",
}  # fmt: skip
# " date 2020-08-26 US", "https://example.com/live/…": what saved the page, not the page.
METADATA = re.compile(r"(?i).*(?:\b\d{4}-\d{2}-\d{2}\b|https?://|www\.)\S*.*")
UK_TIMES = re.compile(r"(?i)all\s+times\s+(?:stated\s+are|are|in)\s+(?:uk|gmt|bst|british)\b.*")
# What a page glues in front of a post's time line: "62 New Updates6 hr 57 min ago".
GLUED = re.compile(r"(?i)(?P<chrome>\d[\d,]*\s+new\s+(?:updates?|posts?)|sort\s*by\s*)(?P<rest>.+)")
# "Updated less than 1 min ago6:53 a.m. ET, September 15, 2018": a relative "Updated" with the
# clock time after it.
UPDATED = re.compile(
    r"(?i:(?:last\s+)?updated|last\s+modified(?:\s+on)?):?\s+(?i:at\s+)?(?P<rest>.+)"
)
# The Guardian's "First published on Tue 7 Nov 2023 09.00 GMT": the blog's start, not kept.
FIRST_PUBLISHED = re.compile(r"(?i:first\s+published|published)(?:\s+on)?:?\s+(?P<rest>.+)")


def is_chrome(text: str) -> bool:
    return bool(CHROME.fullmatch(text))


def header_chrome(text: str) -> str | None:
    """What kind of chrome a header line is, if it is: only ever in a page's header."""
    if is_chrome(text):
        return "chrome ignored"
    if text.lower().rstrip(" >›|") in NAVIGATION:
        return "navigation ignored"
    if is_metadata(text):
        return "metadata ignored"
    if is_first_published(text):
        return "first published (not stored)"
    return None


def is_first_published(text: str) -> bool:
    m = FIRST_PUBLISHED.fullmatch(text)
    return bool(m and re.search(r"\d", m["rest"]))


def is_metadata(text: str) -> bool:
    return bool(METADATA.fullmatch(text)) and len(text.split()) <= 8


def says_uk_times(text: str) -> bool:
    return bool(UK_TIMES.fullmatch(text))
