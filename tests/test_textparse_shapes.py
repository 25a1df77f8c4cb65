"""The shapes of page newsrooms copy (issue 13), each in two small texts written for these tests.

Every text here is fictional. Each test checks the fields one by one, so a change that reads
one shape better and another worse shows up as the field it got wrong.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from textwrap import dedent
from zoneinfo import ZoneInfo

import pytest

from liveline.formats.textparse import ParsedBlog, ParseError, explain_text, parse_text

NEW_YORK = ZoneInfo("America/New_York")


def blog(text: str, **options: object) -> ParsedBlog:
    return parse_text(dedent(text).lstrip("\n"), **options)  # type: ignore[arg-type]


def iso(parsed: ParsedBlog) -> list[str]:
    return [post.published.isoformat() for post in parsed.posts]


# 1. Relative times

HARBOUR = """
    Harbour storm: live updates
    By Nell Ortiz, Coast Desk
    Updated 11:02 p.m. ET, Mon March 4, 2024
    6 hr 57 min ago
    Ferries stop running
    The last ferry left at 4 p.m.
    36 min ago
    Winds ease
    Gusts fell below 40 mph.
    less than 1 min ago
    Power back on
    Crews restored power to most homes.
"""


def test_relative_times_count_back_from_the_updated_time() -> None:
    parsed = blog(HARBOUR)
    assert parsed.updated is not None
    assert parsed.updated.isoformat() == "2024-03-04T23:02:00-05:00"
    assert iso(parsed) == [
        "2024-03-04T16:05:00-05:00",
        "2024-03-04T22:26:00-05:00",
        "2024-03-04T23:02:00-05:00",
    ]
    assert [p.headline for p in parsed.posts] == [
        "Ferries stop running",
        "Winds ease",
        "Power back on",
    ]
    assert parsed.posts[0].paragraphs == ("The last ferry left at 4 p.m.",)
    assert parsed.warnings == ()


def test_relative_times_count_back_from_as_of_in_the_blogs_zone() -> None:
    parsed = blog(
        """
        Mountain pass closed
        By Ivo Sand
        1 hr ago
        Snowplough stuck
        The road is blocked.
        2 hours 5 minutes ago
        First snow falls
        Flakes began at noon.
        """,
        as_of="2024-01-10T15:30",
    )
    assert parsed.updated is None
    assert parsed.timezone == "America/New_York"
    assert iso(parsed) == ["2024-01-10T14:30:00-05:00", "2024-01-10T13:25:00-05:00"]
    assert [p.authors for p in parsed.posts] == [(), ()]


def test_as_of_may_be_a_time_line_or_a_datetime_and_wins_over_the_updated_line() -> None:
    as_of = datetime(2024, 3, 5, 1, 0, tzinfo=NEW_YORK)
    assert iso(blog(HARBOUR, as_of=as_of))[1] == "2024-03-05T00:24:00-05:00"
    text_as_of = blog(HARBOUR, as_of="1:00 a.m. ET, March 5, 2024")
    assert iso(text_as_of) == iso(blog(HARBOUR, as_of=as_of))


def test_a_page_may_mix_relative_and_clock_times() -> None:
    parsed = blog("""
        Count night
        Updated 9:15 p.m. ET, November 5, 2024
        10 min ago
        First results in
        Turnout is high.
        8:30 p.m. ET
        Polls close
        Voting ended on time.
        1h ago
        8:15 p.m. ET
        Queues at schools
        Lines stretched around the block.
    """)
    assert iso(parsed) == [
        "2024-11-05T21:05:00-05:00",
        "2024-11-05T20:30:00-05:00",
        "2024-11-05T20:15:00-05:00",  # the clock time beside "1h ago" is the post's time
    ]
    assert parsed.posts[2].headline == "Queues at schools"


@pytest.mark.parametrize(
    "text",
    [
        "River watch\n\n36 min ago\n\nLevee holds\n",
        "River watch\nBy Ana Ruiz\n2:20 p.m. ET, May 1, 2024\nDawn patrol\n5 hr ago\nLevee holds",
    ],
    ids=["only relative", "mixed"],
)
def test_relative_times_without_updated_or_as_of_are_refused_with_the_line(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_text(text)
    assert (
        caught.value.line
        == text.splitlines().index(next(s for s in text.splitlines() if s.endswith("ago"))) + 1
    )
    assert "--as-of" in caught.value.message


def test_a_relative_updated_line_needs_as_of_to_be_kept() -> None:
    text = "Quiet harbour\nUpdated 5 min ago\n2:20 p.m. ET, May 1, 2024\nBoats return\n"
    parsed = parse_text(text)
    assert parsed.updated is None
    assert parsed.warnings and "--as-of" in parsed.warnings[0]
    kept = parse_text(text, as_of="2024-05-01T15:00")
    assert kept.updated is not None and kept.updated.isoformat() == "2024-05-01T14:55:00-04:00"


# 2. Page chrome anywhere in the header; the title is the line above the byline


def test_navigation_glued_counters_and_a_glued_updated_line_are_chrome() -> None:
    parsed = blog("""
        Live TV
        U.S.
        World
        Live Updates
        Flood watch: Rivers rise across the valley
        By Nora Quill and Idris Bell, Valley Post
        Updated less than 1 min ago6:53 a.m. ET, September 15, 2018
        SORT BYLatestOldest
        62 New Updates6 hr 57 min ago
        Levee holds overnight
        Crews worked through the night.
        36 min ago6:17 a.m. ET, September 15, 2018
        Schools stay shut
        Classes resume Monday.
    """)
    assert parsed.title == "Flood watch: Rivers rise across the valley"
    assert parsed.authors == ("Nora Quill", "Idris Bell")
    assert parsed.organization == "Valley Post"
    assert parsed.updated is not None
    assert parsed.updated.isoformat() == "2018-09-15T06:53:00-04:00"
    assert iso(parsed) == ["2018-09-14T23:56:00-04:00", "2018-09-15T06:17:00-04:00"]
    assert [p.headline for p in parsed.posts] == ["Levee holds overnight", "Schools stay shut"]
    assert parsed.posts[0].paragraphs == ("Crews worked through the night.",)


def test_metadata_and_a_citing_sites_header_come_before_the_title() -> None:
    parsed = blog("""
         date 2020-08-26 US
        The Reading Room
        Archive of notable coverage
        Space station crew returns
        By Lena Park, Orbit News
        3 POSTS
        sort by: newest
        2:20 p.m. ET, August 26, 2020
        Capsule splashes down
        The crew landed off Florida.
    """)
    assert parsed.title == "Space station crew returns"
    assert (parsed.authors, parsed.organization) == (("Lena Park",), "Orbit News")
    assert parsed.stated_post_count == 3
    assert [p.headline for p in parsed.posts] == ["Capsule splashes down"]
    assert parsed.posts[0].paragraphs == ("The crew landed off Florida.",)


# 3. Photos


def test_caption_then_caption_with_an_unbracketed_credit() -> None:
    caption = "The station passes over the coast on Wednesday, August 26."
    parsed = blog(f"""
        Orbit live
        2:20 p.m. ET, August 26, 2020
        A view from above
        {caption}
        {caption} Chris Calder/Orbit Agency
        The photo was taken at dawn.
    """)
    [post] = parsed.posts
    assert [(i.caption, i.credit) for i in post.images] == [(caption, "Chris Calder/Orbit Agency")]
    assert post.paragraphs == ("The photo was taken at dawn.",)


@pytest.mark.parametrize(
    ("lines", "images"),
    [
        (["(Ann Lee/Wire Photos)"], [(None, "Ann Lee/Wire Photos")]),
        (["(Ann Lee/Wire Photos)", "(Ann Lee/Wire Photos)"], [(None, "Ann Lee/Wire Photos")]),
        (
            ["Crowds at the gate.", "(Ann Lee/AP)", "(Ann Lee/AP)"],
            [("Crowds at the gate.", "Ann Lee/AP")],
        ),
        (["Bo Chen/Harbour Images"], [(None, "Bo Chen/Harbour Images")]),
        (
            ["Crowds at the gate.", "Bo Chen/Harbour Images"],
            [("Crowds at the gate.", "Bo Chen/Harbour Images")],
        ),
        (["Photograph: Bo Chen"], [(None, "Bo Chen")]),
        (
            ["Crowds at the gate. Photograph: Bo Chen/Reuters"],
            [("Crowds at the gate.", "Bo Chen/Reuters")],
        ),
    ],
    ids=["once", "twice", "caption and twice", "alone", "under a caption", "labelled", "one line"],
)
def test_credits_in_every_form(lines: list[str], images: list[tuple[str | None, str]]) -> None:
    text = "Gate live\n2:20 p.m. ET, May 1, 2024\nGates open\n" + "\n".join(lines) + "\n\nText."
    [post] = parse_text(text).posts
    assert [(i.caption, i.credit) for i in post.images] == images
    assert post.paragraphs == ("Text.",)


# 4. Lists and quotes


def test_bullet_lines_become_a_markdown_list() -> None:
    [post] = blog("""
        Storm live
        2:20 p.m. ET, May 1, 2024
        What we know
        Here is the latest:
        • Schools are closed
        • Two bridges are shut
        Stay indoors.
    """).posts
    assert post.paragraphs == (
        "Here is the latest:", "• Schools are closed", "• Two bridges are shut", "Stay indoors.",
    )  # fmt: skip
    assert post.body == (
        "Here is the latest:\n\n- Schools are closed\n- Two bridges are shut\n\nStay indoors."
    )


@pytest.mark.parametrize(
    ("items", "markdown"),
    [
        (["- Water", "- Torch"], "- Water\n- Torch"),
        (["• Water • Torch • Radio"], "- Water\n- Torch\n- Radio"),
        (["* Water", "* Torch"], "- Water\n- Torch"),
        (["1. Leave early", "2. Take water"], "1. Leave early\n2. Take water"),
        (["1) Leave early", "2) Take water"], "1. Leave early\n2. Take water"),
    ],
)
def test_every_kind_of_bullet(items: list[str], markdown: str) -> None:
    text = "Storm live\n2:20 p.m. ET, May 1, 2024\nPack a bag\n" + "\n".join(items)
    [post] = parse_text(text).posts
    assert post.body == markdown
    assert post.paragraphs == tuple(items)


def test_a_post_that_begins_with_a_quote_keeps_it() -> None:
    [first, second] = blog("""
        Trial live
        2:20 p.m. ET, May 1, 2024
        “I did not see the car,” the witness said
        The witness spoke for an hour.
        2:40 p.m. ET, May 1, 2024
        Judge adjourns
        > The court will sit again on Monday.
        Lawyers left quickly.
    """).posts
    assert first.headline == "“I did not see the car,” the witness said"
    assert first.paragraphs == ("The witness spoke for an hour.",)
    assert first.body is None  # plain paragraphs: stored as they always were
    assert second.body == "> The court will sit again on Monday.\n\nLawyers left quickly."


# 5. Other outlets' layouts

BBC = """
    Home
    News
    Ferry strike: Ports fall quiet
    Live Reporting
    Edited by Rhiannon Pryce
    All times stated are UK
    1. 14:32
        BreakingUnion calls off talks
        The union said talks had broken down.
    2
    13:05
        Queues at the port
        Lorries were backed up for six miles.
"""


def test_bbc_live_reporting_layout() -> None:
    parsed = blog(BBC, as_of="2023-11-07T15:00")
    assert parsed.title == "Ferry strike: Ports fall quiet"
    assert parsed.authors == ("Rhiannon Pryce",)
    assert parsed.timezone == "Europe/London"
    assert iso(parsed) == ["2023-11-07T14:32:00+00:00", "2023-11-07T13:05:00+00:00"]
    first, second = parsed.posts
    assert (first.label, first.headline) == ("Breaking", "Union calls off talks")
    assert first.paragraphs == ("The union said talks had broken down.",)
    assert (second.label, second.headline) == (None, "Queues at the port")
    assert second.paragraphs == ("Lorries were backed up for six miles.",)


def test_bbc_times_without_a_date_need_as_of() -> None:
    with pytest.raises(ParseError) as caught:
        blog(BBC)
    assert caught.value.line == 7
    assert "--as-of" in caught.value.message


def test_bbc_label_on_its_own_line_and_numbered_posts() -> None:
    parsed = blog(
        """
        Council vote
        Edited by Sam Orr
        All times stated are UK
        1
        09:10
        Analysis
        Why the vote matters
        The budget is the largest in years.
        2
        08:45
        Councillors arrive
        The session starts at nine.
        """,
        as_of="2024-07-01T12:00",
    )
    assert parsed.timezone == "Europe/London"
    assert iso(parsed) == ["2024-07-01T09:10:00+01:00", "2024-07-01T08:45:00+01:00"]
    assert [(p.label, p.headline) for p in parsed.posts] == [
        ("Analysis", "Why the vote matters"), (None, "Councillors arrive"),
    ]  # fmt: skip
    assert parsed.posts[0].paragraphs == ("The budget is the largest in years.",)


def test_guardian_layout() -> None:
    parsed = blog("""
        Skip to main content
        Harbour fire live: crews battle blaze at docks
        Updated at 14.32 GMT
        Key events
        Show key events only
        1h ago
        14.32 GMT
        Key event
        Fire under control
        Firefighters at the docks. Photograph: Ivo Lind/Harbour Images
        The fire service said the blaze was contained.
        Tue 7 Nov 2023 13.10 GMT
        First crews arrive
        Smoke could be seen across the city.
    """)
    assert parsed.title == "Harbour fire live: crews battle blaze at docks"
    assert parsed.timezone == "Europe/London"
    assert parsed.updated is not None
    assert parsed.updated.isoformat() == "2023-11-07T14:32:00+00:00"
    assert iso(parsed) == ["2023-11-07T14:32:00+00:00", "2023-11-07T13:10:00+00:00"]
    first, second = parsed.posts
    assert (first.key_event, first.headline) == (True, "Fire under control")
    assert [(i.caption, i.credit) for i in first.images] == [
        ("Firefighters at the docks.", "Ivo Lind/Harbour Images")
    ]
    assert first.paragraphs == ("The fire service said the blaze was contained.",)
    assert (second.key_event, second.headline) == (False, "First crews arrive")


def test_guardian_key_events_with_dated_times() -> None:
    parsed = blog("""
        Budget live: chancellor speaks
        First published on Wed 4 Oct 2023 09.00 BST
        Last modified on Wed 4 Oct 2023 13.05 BST
        Wed 4 Oct 2023 12.40 BST
        Statement begins
        The chancellor rose at 12.30.
        Wed 4 Oct 2023 11.15 BST
        Key event
        Markets open flat
        Updated at 11.20 BST
        The pound held steady.
    """)
    assert parsed.updated is not None
    assert parsed.updated.isoformat() == "2023-10-04T13:05:00+01:00"
    assert iso(parsed) == ["2023-10-04T12:40:00+01:00", "2023-10-04T11:15:00+01:00"]
    assert [p.key_event for p in parsed.posts] == [False, True]
    assert parsed.posts[1].paragraphs == ("The pound held steady.",)
    assert parsed.to_json()["posts"][1]["key_event"] is True
    assert "key_event" not in parsed.to_json()["posts"][0]


def test_a_page_with_no_times_keeps_page_order_with_the_import_time_and_a_warning() -> None:
    now = datetime(2024, 2, 2, 12, 0, tzinfo=ZoneInfo("UTC"))
    parsed = blog(
        """
        Village fair
        Edited by Tom Rye
        1
        Prize marrow weighs in
        It was the heaviest in years.
        2
        Gates open
        Crowds queued from dawn.
        """,
        now=now,
    )
    assert [p.headline for p in parsed.posts] == ["Prize marrow weighs in", "Gates open"]
    assert {p.published for p in parsed.posts} == {now}
    assert len(parsed.warnings) == 1
    assert "no post times" in parsed.warnings[0] and "import time" in parsed.warnings[0]


def test_a_page_with_no_times_and_no_numbered_posts_is_still_refused() -> None:
    with pytest.raises(ParseError, match="no post found"):
        parse_text("Village fair\nBy Tom Rye\n\nThe fair opened.\n")


# 6. --explain


@pytest.mark.parametrize("text", [HARBOUR, BBC], ids=["harbour", "bbc"])
def test_explain_accounts_for_every_line(text: str) -> None:
    text = dedent(text).lstrip("\n")
    explained = explain_text(text, as_of="2023-11-07T15:00")
    assert [n for n, _, _ in explained] == list(range(1, len(text.split("\n")) + 1))
    assert all(role != "?" for _, role, _ in explained), explained
    roles = {line.strip(): role for _, role, line in explained}
    if text.startswith("Harbour"):
        assert roles["Harbour storm: live updates"] == "title"
        assert roles["By Nell Ortiz, Coast Desk"] == "byline"
        assert roles["36 min ago"] == "time"
        assert roles["Winds ease"] == "headline"
        assert roles["Gusts fell below 40 mph."] == "paragraph"
    else:
        assert roles["Home"] == "navigation ignored"
        assert roles["Live Reporting"] == "chrome ignored"
        assert roles["1. 14:32"] == "post number + time"
        assert roles["BreakingUnion calls off talks"] == "label + headline"
        assert roles["2"] == "post number"


def test_a_summary_between_title_and_byline_is_named_not_taken_for_the_title() -> None:
    parsed = blog("""
        World
        Harbour fire live: crews battle blaze at docks
        Crews spent the night fighting a fire at the old docks, where two sheds fell down.
        By Jo Reed and Sam Orr
        2:20 p.m. ET, May 1, 2024
        Fire under control
        The blaze was contained.
    """)
    assert parsed.title == "Harbour fire live: crews battle blaze at docks"
    assert parsed.authors == ("Jo Reed", "Sam Orr")
    assert parsed.warnings == ("line 3: the page's summary is not stored",)
    assert [p.headline for p in parsed.posts] == ["Fire under control"]


@pytest.mark.parametrize(
    ("lines", "label", "headline"),
    [
        (["BREAKING", "Ferry docks safely"], "Breaking", "Ferry docks safely"),
        (["Watch: Ferry docks safely"], "Watch", "Ferry docks safely"),
        (["AnalysisWhy the ferry matters"], "Analysis", "Why the ferry matters"),
        (["Live music returns to the pier"], None, "Live music returns to the pier"),
        (["Breaking ground on the new pier"], None, "Breaking ground on the new pier"),
    ],
)
def test_labels_are_kept_apart_from_the_headline(
    lines: list[str], label: str | None, headline: str
) -> None:
    text = "Pier live\n2:20 p.m. ET, May 1, 2024\n" + "\n".join(lines) + "\nText."
    [post] = parse_text(text).posts
    assert (post.label, post.headline, post.paragraphs) == (label, headline, ("Text.",))
    assert post.to_json().get("label") == label


def test_quotes_open_a_post_and_quoted_lines_become_a_blockquote() -> None:
    [post] = blog("""
        Court live
        10:05 a.m. ET, June 3, 2024
        "Justice delayed"
        > Justice delayed is justice denied.
        > We will appeal.
        "This is not over," the lawyer told reporters.
    """).posts
    assert post.headline == '"Justice delayed"'
    assert post.paragraphs == (
        "> Justice delayed is justice denied.",
        "> We will appeal.",
        '"This is not over," the lawyer told reporters.',
    )
    assert post.body == (
        "> Justice delayed is justice denied.\n> We will appeal.\n\n"
        '"This is not over," the lawyer told reporters.'
    )


def test_a_timeless_page_numbered_newest_first() -> None:
    now = datetime(2024, 5, 1, 9, 30, tzinfo=ZoneInfo("UTC"))
    parsed = blog(
        """
        School sports day
        By Pat Lowe
        3.
        Relay won by Year 6
        The final leg was close.
        2.
        Egg-and-spoon race
        Nobody dropped an egg.
        1.
        Opening parade
        """,
        now=now,
        default_timezone="Europe/London",
    )
    assert parsed.timezone == "Europe/London"
    assert [p.headline for p in parsed.posts] == [
        "Relay won by Year 6", "Egg-and-spoon race", "Opening parade",
    ]  # fmt: skip
    assert [p.published.isoformat() for p in parsed.posts] == ["2024-05-01T10:30:00+01:00"] * 3
    assert [p.paragraphs for p in parsed.posts] == [
        ("The final leg was close.",), ("Nobody dropped an egg.",), (),
    ]  # fmt: skip
    assert parsed.warnings == (
        "line 3: the page gives no post times; 3 posts are kept in page order with the import time",
    )


def test_a_bbc_label_is_stored_and_shown_apart_from_the_headline(tmp_path: Path) -> None:
    """From the text to the reader page: the label is kept, in its own place."""
    import asyncio

    from fastapi.testclient import TestClient

    from liveline.app import create_app
    from liveline.config import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'bbc.db'}")
    with TestClient(create_app(settings)) as client:
        service = client.app.state.service  # type: ignore[attr-defined]
        parsed = blog(BBC, as_of="2023-11-07T15:00")
        asyncio.run(service.importing.import_blog(parsed, "ferry"))
        page = client.get("/blogs/ferry").text
        posts = client.get("/api/blogs/ferry/posts").json()["posts"]
    assert [post["label"] for post in posts] == ["Breaking", None]
    assert [post["headline"] for post in posts] == ["Union calls off talks", "Queues at the port"]
    assert '<p class="post__flag post__flag--label">Breaking</p>' in page
    assert "BreakingUnion" not in page
