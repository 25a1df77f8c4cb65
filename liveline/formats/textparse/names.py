"""Bylines and contributor lines: who wrote a blog or a post, for which outlet, and where."""

from __future__ import annotations

import re

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
# The blog's byline: "By A, B and C, CNN"; the BBC's "Edited by A".
BLOG_BYLINE = re.compile(r"(?:By|(?i:edited\s+by)|(?i:written\s+by))\s+(?P<names>\w.*)")

Byline = tuple[tuple[str, ...], str | None]
MAX_BYLINE = 300  # a longer line is a paragraph, and is never tried (keeps matching fast)


def read_blog_byline(text: str) -> Byline:
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
        return tuple(split_names(", ".join(parts[:-1]))), last
    return tuple(split_names(text)), None


def read_byline(text: str) -> Byline | None:
    """The line under a headline, if it is a byline: the authors and where they are."""
    if len(text) > MAX_BYLINE:
        return None
    marked = re.match(r"(?:From|By)\s+(?P<rest>.+)", text)
    if marked:
        # "From CNN's From A and B": the seed repeats "From" after the outlet.
        text = re.sub(r"^From\s+", "", OUTLET.sub("", marked["rest"]))
    last_place = []
    if m := TRAILING_PLACE.fullmatch(text):  # "… in Washington, DC" may hold a comma
        text, last_place = m["names"], [m["place"]]
    authors: list[str] = []
    places: list[str] = []
    for part in split_names(text):
        name, _, place = part.partition(" in ")  # "A in London and B in Moscow"
        name = OUTLET.sub("", name)
        if not is_name(name) or (place and not place[0].isupper()):
            return None
        authors.append(name)
        places += [place] if place else []
    # Without "From"/"By", only a list of two or more names is clearly a byline.
    if not authors or (not marked and len(authors) < 2):
        return None
    return tuple(authors), " and ".join(dict.fromkeys(places + last_place)) or None


def read_contributors(text: str) -> list[str] | None:
    """Read "CNN's A and B contributed reporting to this post." as [A, B]."""
    if len(text) > MAX_BYLINE or not (m := CONTRIBUTORS.fullmatch(text)):
        return None
    names = [OUTLET.sub("", part) for part in split_names(m["names"])]
    return names if names and all(is_name(name) for name in names) else None


def split_names(text: str) -> list[str]:
    return [part for part in NAME_SEPARATOR.split(text.strip()) if part]


def is_name(text: str) -> bool:
    """One to four capitalised words, as in "DJ Judd" or "Ursula von der Leyen"."""
    words = text.split()
    return (
        1 <= len(words) <= 4
        and all(NAME_WORD.fullmatch(w) for w in words)
        and all(w.split("-")[-1][:1].isupper() or w in PARTICLES for w in words)
        and words[0][0].isupper()
    )
