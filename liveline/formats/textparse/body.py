"""A post's lines after its time: label, headline, byline, then photos, lists and paragraphs."""

from __future__ import annotations

import re
from datetime import datetime

from liveline.formats.richtext import escape_markdown, paragraphs_to_markdown
from liveline.formats.textparse.names import read_byline, read_contributors
from liveline.formats.textparse.parsed import Line, ParsedImage, ParsedPost
from liveline.formats.textparse.photos import (
    appended_credit,
    bare_credit,
    bracketed_credit,
    captioned_credit,
)

Roles = dict[int, str]

# Labels a page puts on a post, alone on a line above the headline or glued to it
# ("BreakingPrime minister resigns").
LABELS = (
    "Breaking news", "Breaking", "Just in", "Analysis", "Explainer", "Fact check", "Watch live",
    "Watch", "Video", "Listen", "Update", "Correction", "Live", "Exclusive", "Opinion",
)  # fmt: skip
LABEL_NAMES = {label.lower(): label for label in LABELS}
GLUED_LABEL = re.compile(
    rf"(?P<label>{'|'.join(LABELS)})(?::\s*|\s*[-–|]\s+|(?=[A-Z0-9\"“‘']))(?P<rest>\S.*)"
)
KEY_EVENT = re.compile(r"(?i)key\s+event|key\s+update")
# "• Item", "- Item", "* Item", "1. Item", "2) Item": a list, not paragraphs glued together.
BULLET = re.compile(r"(?:(?P<mark>[•·▪◦‣*-])|(?P<number>\d{1,3})[.)])\s+(?P<text>\S.*)")
QUOTE = re.compile(r">\s*(?P<text>.*)")


def read_post(number: int, published: datetime, body: list[Line], roles: Roles) -> ParsedPost:
    label = None
    key_event = False
    # "Key event", "Breaking": markers above the headline, when a headline follows them.
    while len(body) > 1:
        n, s = body[0]
        if KEY_EVENT.fullmatch(s):
            key_event, roles[n] = True, "key event"
        elif s.lower() in LABEL_NAMES and label is None:
            label, roles[n] = LABEL_NAMES[s.lower()], "label"
        else:
            break
        body = body[1:]
    (n, headline), rest = body[0], body[1:]
    roles[n] = "headline"
    if (glued := GLUED_LABEL.fullmatch(headline)) and label is None:
        label, headline = glued["label"], glued["rest"]
        roles[n] = "label + headline"
    authors: tuple[str, ...] = ()
    location = None
    if rest and (byline := read_byline(rest[0][1])):
        (authors, location), roles[rest[0][0]] = byline, "byline"
        rest = rest[1:]
    images: list[ParsedImage] = []
    paragraphs: list[str] = []
    blocks: list[tuple[str, str]] = []  # (kind, text) for the Markdown body
    contributors: list[str] = []
    i = 0
    while i < len(rest):
        n, s = rest[i]
        following = rest[i + 1][1] if i + 1 < len(rest) else ""
        adjacent = i + 1 < len(rest) and rest[i + 1][0] == n + 1
        if credit := bracketed_credit(s):
            # The page shows a photo's credit twice when it has no caption.
            images.append(ParsedImage(None, credit))
            roles[n] = "credit"
            if adjacent and following == s:
                roles[n + 1] = "credit (repeated)"
                i += 1
            i += 1
        elif names := read_contributors(s):
            contributors.extend(names)
            roles[n] = "contributors"
            i += 1
        elif credit := appended_credit(s, following):
            images.append(ParsedImage(s, credit))  # "Caption" then "Caption (Credit)"
            roles[n], roles[rest[i + 1][0]] = "caption", "caption + credit"
            i += 2
        elif (
            adjacent
            and not BULLET.fullmatch(s)
            and (credit := bracketed_credit(following) or bare_credit(following))
        ):
            # A caption right above its credit line; with a blank line between them the line
            # is kept as a paragraph, since any paragraph may precede a photo.
            images.append(ParsedImage(s, credit))
            roles[n], roles[n + 1] = "caption", "credit"
            repeated = i + 2 < len(rest) and rest[i + 2] == (n + 2, following)
            if repeated:
                roles[n + 2] = "credit (repeated)"
            i += 3 if repeated else 2
        elif credit := bare_credit(s):
            images.append(ParsedImage(None, credit))
            roles[n] = "credit"
            i += 1
        elif pair := captioned_credit(s):
            images.append(ParsedImage(*pair))
            roles[n] = "caption + credit"
            i += 1
        else:
            paragraphs.append(s)
            if s.startswith("•") and s.count("•") > 1:  # "• One • Two": a list copied as a line
                blocks += [("bullet", f"• {item.strip()}") for item in s.split("•") if item.strip()]
                roles[n] = "list items"
            elif m := BULLET.fullmatch(s):
                kind = "ordered" if m["number"] else "bullet"
                blocks.append((kind, s))
                roles[n] = "list item"
            elif QUOTE.fullmatch(s):
                blocks.append(("quote", s))
                roles[n] = "quote"
            else:
                blocks.append(("paragraph", s))
                roles[n] = "paragraph"
            i += 1
    markdown = None
    if any(kind != "paragraph" for kind, _ in blocks):
        markdown = blocks_to_markdown(blocks)
    return ParsedPost(
        published, headline, authors, location, tuple(images), tuple(paragraphs),
        tuple(contributors), number, key_event=key_event, label=label, body=markdown,
    )  # fmt: skip


def blocks_to_markdown(blocks: list[tuple[str, str]]) -> str:
    """Paragraphs, lists and quotes as Markdown: a run of list items is one list."""
    out: list[str] = []
    previous = None
    for kind, text in blocks:
        if kind == "bullet":
            m = BULLET.fullmatch(text)
            line = f"- {escape_markdown(m['text'] if m else text)}"
        elif kind == "ordered":
            m = BULLET.fullmatch(text)
            line = f"{m['number']}. {escape_markdown(m['text'])}" if m else escape_markdown(text)
        elif kind == "quote":
            m = QUOTE.fullmatch(text)
            line = f"> {escape_markdown(m['text'] if m else text)}"
        else:
            line = paragraphs_to_markdown([text])
        # Items of one list, or lines of one quote, sit together; anything else is a new block.
        joined = kind == previous and kind in ("bullet", "ordered", "quote")
        out.append(("\n" if joined else "\n\n") + line if out else line)
        previous = kind
    return "".join(out)
