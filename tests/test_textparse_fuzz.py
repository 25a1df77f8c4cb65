"""Mutation fuzz of the importers, bounded in time: bad input raises ParseError, nothing else."""

from __future__ import annotations

import json
import time
from pathlib import Path
from textwrap import dedent

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveline.formats.textparse import ParseError, explain_text, parse_text
from liveline.formats.wordpress import parse_wordpress
from tests.test_textparse import BUDGET_DAY, HEAT_WAVE
from tests.test_textparse_shapes import BBC, HARBOUR

TEXTS = [HEAT_WAVE, BUDGET_DAY, dedent(HARBOUR).lstrip("\n"), dedent(BBC).lstrip("\n")]
# Pieces real pages are made of, so mutations reach deep into the parser, not just its door.
PIECES = [
    "", "By Ana Ruiz, CNN", "Updated 5 min ago", "Updated at 14.32 GMT", "36 min ago",
    "less than 1 min ago6:53 a.m. ET, September 15, 2018", "62 New Updates2:20 p.m. ET",
    "2:20 p.m. ET, February 7, 2022", "14.32 GMT", "Tue 7 Nov 2023 13.10 GMT", "Key event",
    "BreakingHeadline", "Breaking", "1.", "2", "• item", "- item", "1) item", "> quote",
    "(Ann Lee/AP)", "Bo Chen/Reuters", "Photograph: Bo Chen", "Caption. Photograph: X/Y",
    "Edited by Sam Orr", "All times stated are UK", "Live TV", "SORT BYLatestOldest",
    " date 2020-08-26 US", "14 Posts", "A and B contributed reporting to this post.",
    "99:99 p.m. XT, Februry 40, 2022", "\u2028", "\ufeff", "\r", "29 hr 99 min ago",
    "999999999 days ago",
]  # fmt: skip
FUZZ = settings(
    max_examples=150, deadline=1000, suppress_health_check=[HealthCheck.too_slow], database=None
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(TEXTS)).split("\n")
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(lines)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "swap", "chars"]))
        piece = draw(st.sampled_from(PIECES) | st.text(max_size=30))
        if action == "insert" or not lines:
            lines.insert(at, piece)
        elif action == "delete":
            del lines[min(at, len(lines) - 1)]
        elif action == "replace":
            lines[min(at, len(lines) - 1)] = piece
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            i = min(at, len(lines) - 1)
            lines[i], lines[other] = lines[other], lines[i]
        else:
            i = min(at, len(lines) - 1)
            cut = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:cut] + piece + lines[i][cut:]
    return "\n".join(lines)


@FUZZ
@given(text=mutated(), as_of=st.none() | st.sampled_from(["2024-03-05T01:00", "2023-11-07"]))
def test_mutated_pages_parse_or_raise_parse_error(text: str, as_of: str | None) -> None:
    try:
        parsed = parse_text(text, as_of=as_of)
    except ParseError as exc:
        assert exc.line >= 1 and exc.message
        return
    json.dumps(parsed.to_json())
    explained = explain_text(text, as_of=as_of)
    assert all(role != "?" for _, role, _ in explained), explained


WORDPRESS = (Path(__file__).parent / "fixtures" / "wordpress_liveblog_entries.json").read_text()


@FUZZ
@given(
    cut=st.integers(0, len(WORDPRESS)),
    piece=st.sampled_from(['"', "{", "]", "null", '"id": 1', '"timestamp": "x"', "0", ""])
    | st.text(max_size=10),
)
def test_mutated_wordpress_archives_parse_or_raise_parse_error(cut: int, piece: str) -> None:
    data = (WORDPRESS[:cut] + piece + WORDPRESS[cut:]).encode()
    try:
        parse_wordpress(data)
    except ParseError as exc:
        assert exc.line >= 1 and exc.message


def test_pathological_lines_are_read_quickly() -> None:
    """Lines built to make a backtracking pattern explode, all in one page: well under a second."""
    lines = [
        "1h " * 33 + "x", "1 hr, " * 16 + "x", "2:20" + " " * 90 + "x", "From " + "Ab and " * 2000,
        "Ab " * 3000 + "contributed", "(" + "A/" * 3000 + ")", "Photo: " + "B " * 3000,
        "a. " * 3000 + "Photograph: X", "Breaking" + " " * 5000 + "x", "62 New Updates" * 500,
    ]  # fmt: skip
    text = "Title\nBy Ana Ruiz\n2:20 p.m. ET, May 1, 2024\nHeadline\n" + "\n".join(lines)
    started = time.perf_counter()
    parsed = parse_text(text)
    assert time.perf_counter() - started < 1.0
    assert len(parsed.posts) == 1
