"""Reading live blogs copied from a web page as text: `liveline parse` and `liveline import`."""

from __future__ import annotations

import json
import re
from textwrap import dedent

import pytest

from liveline.formats.textparse import ParsedBlog, ParseError, parse_bytes, parse_text
from tests.harness import SEED, SHARED, needs_seed
from tests.harness import SEED_FIXTURE as SEED_EXPECTED


def blog(text: str, **options: str) -> ParsedBlog:
    return parse_text(dedent(text).lstrip("\n"), **options)


def one_post(body: str) -> dict:
    """Parse a blog holding one post whose lines after the time line are `body`."""
    text = "Storm live\n\n2:20 p.m. ET, February 7, 2022\n\n" + dedent(body).lstrip("\n")
    [post] = parse_text(text).to_json()["posts"]
    return post


# Two blogs of the seed's family written for these tests: one American, one British.
HEAT_WAVE = dedent("""
    Live updates: Heat wave grips the Northeast

    By Jordan Ellis, Priya Raman and Tomás Ortega, CNN

    Updated 9:45 p.m. ET, Saturday, July 1, 2023
    4 Posts
    Sort by
    Newest first

    9:30 p.m. ET, July 1, 2023

    Grid operator asks residents to conserve electricity

    From CNN\u2019s Lena Marsh in Philadelphia

    Residents were asked not to run dishwashers until late evening.

    Jordan Ellis and CNN's Sam Whitfield contributed reporting to this post.

    8:05 p.m. ET

    Cooling centers stay open overnight

    City officials said 40 centers would stay open until Sunday morning.
    About cooling centers: They are public buildings with air conditioning.

    8:40 p.m. ET, July 1, 2023

    Hospitals report rise in heat-related visits

    Dana Cole, Victor Hugo Lima and Mei Chen

    (Mark Alvarez/Getty Images)
    (Mark Alvarez/Getty Images)

    Emergency rooms saw twice the usual number of patients.

    7:15 p.m. ET, July 1, 2023

    Firefighters battle brush fire near highway

    From CNN's From Ruth Adeyemi and Carl Jensen

    A firefighter sprays water on a brush fire on Saturday.
    A firefighter sprays water on a brush fire on Saturday. (Nina Park/AP)

    No injuries were reported.

    More background: Dry weather has raised the fire risk across the state.
""").lstrip("\n")

BUDGET_DAY = dedent("""
    Budget day: live reaction

    By Harriet Cole and Omar Siddiqui

    Updated 18:02 GMT, 7 November 2023
    3 Posts

    17:45 GMT, Tue 7 Nov 2023

    Chancellor finishes statement

    By Harriet Cole

    The statement lasted just over an hour.
    Markets were calm through the afternoon.

    16:30 GMT

    Opposition responds

    A crowd gathers outside Parliament on Tuesday.
    (Lucy North/PA)

    The opposition leader called the plan "too little, too late".

    Omar Siddiqui contributed to this report.

    12:05 GMT

    What to expect today

    The statement starts at 12:30.
""").lstrip("\n")


# The seed


@needs_seed
def test_seed_parses_to_the_hand_checked_fixture() -> None:
    expected = json.loads(SEED_EXPECTED.read_text(encoding="utf-8"))
    assert parse_bytes(SEED.read_bytes()).to_json() == expected


# The header


def test_header_gives_title_authors_outlet_updated_time_and_post_count() -> None:
    parsed = parse_text(HEAT_WAVE)
    assert parsed.title == "Live updates: Heat wave grips the Northeast"
    assert parsed.authors == ("Jordan Ellis", "Priya Raman", "Tomás Ortega")
    assert parsed.organization == "CNN"
    assert parsed.updated.isoformat() == "2023-07-01T21:45:00-04:00"
    assert parsed.timezone == "America/New_York"
    assert parsed.stated_post_count == 4


def test_header_byline_without_an_outlet() -> None:
    parsed = parse_text(BUDGET_DAY)
    assert parsed.authors == ("Harriet Cole", "Omar Siddiqui")
    assert parsed.organization is None
    assert parsed.timezone == "Europe/London"


def test_single_post_count_and_page_chrome() -> None:
    parsed = blog("""
        Quiet day
        By Ana Ruiz, Reuters
        1 Post
        Sort byDropdown arrow
        Oldest first
        10:00 a.m. ET, March 3, 2024
        Nothing happened
    """)
    assert (parsed.authors, parsed.organization) == (("Ana Ruiz",), "Reuters")
    assert parsed.stated_post_count == 1
    assert parsed.updated is None


# Post times


@pytest.mark.parametrize(
    ("time_line", "published"),
    [
        ("2:20 p.m. ET, February 7, 2022", "2022-02-07T14:20:00-05:00"),
        ("2:20 PM ET, Monday, February 7, 2022", "2022-02-07T14:20:00-05:00"),
        ("2:20 pm ET, Mon February 7, 2022", "2022-02-07T14:20:00-05:00"),
        ("2:20 p.m. ET, Feb. 7, 2022", "2022-02-07T14:20:00-05:00"),
        ("2:20 p.m. ET, July 1, 2023", "2023-07-01T14:20:00-04:00"),  # daylight saving
        ("2:20 pm EST, July 1, 2023", "2023-07-01T14:20:00-05:00"),  # stated offset wins
        ("2:20 pm EDT, July 1, 2023", "2023-07-01T14:20:00-04:00"),
        ("12:15 a.m. ET, February 7, 2022", "2022-02-07T00:15:00-05:00"),
        ("12:15 p.m. ET, February 7, 2022", "2022-02-07T12:15:00-05:00"),
        ("14:20 GMT, 7 February 2022", "2022-02-07T14:20:00+00:00"),
        ("14:20 BST, July 1, 2023", "2023-07-01T14:20:00+01:00"),
        ("14.20 BST, 7 February 2022", "2022-02-07T14:20:00+01:00"),  # BST in winter, as stated
        ("14:20 CET, 7 Feb 2022", "2022-02-07T14:20:00+01:00"),
        ("14:20 CEST, 1 July 2023", "2023-07-01T14:20:00+02:00"),
        ("14:20 UTC, 1 July 2023", "2023-07-01T14:20:00+00:00"),
        ("11:05 a.m. PT, July 1, 2023", "2023-07-01T11:05:00-07:00"),
        ("11:05 a.m. PST, February 7, 2022", "2022-02-07T11:05:00-08:00"),
        ("9 a.m. CT, Tuesday, February 8th, 2022", "2022-02-08T09:00:00-06:00"),
        ("9:30 a.m. MT, February 7, 2022", "2022-02-07T09:30:00-07:00"),
    ],
)
def test_post_time_lines_become_times_with_the_right_offset(time_line: str, published: str) -> None:
    parsed = parse_text(f"A blog\n\n{time_line}\n\nA headline\n")
    assert parsed.posts[0].published.isoformat() == published


@pytest.mark.parametrize(
    ("time_line", "zone"),
    [
        ("2:20 p.m. ET, February 7, 2022", "America/New_York"),
        ("2:20 p.m. PT, February 7, 2022", "America/Los_Angeles"),
        ("14:20 GMT, 7 February 2022", "Europe/London"),
        ("14:20 BST, 1 July 2023", "Europe/London"),
        ("14:20 CET, 7 February 2022", "Europe/Paris"),
        ("14:20 UTC, 7 February 2022", "UTC"),
    ],
)
def test_blog_time_zone_comes_from_the_first_abbreviation(time_line: str, zone: str) -> None:
    assert parse_text(f"A blog\n{time_line}\nA headline").timezone == zone


def test_time_without_a_zone_uses_the_default_time_zone() -> None:
    parsed = parse_text("A blog\n2:20 p.m., July 1, 2023\nA headline", "Europe/Paris")
    assert parsed.timezone == "Europe/Paris"
    assert parsed.posts[0].published.isoformat() == "2023-07-01T14:20:00+02:00"


def test_time_without_a_date_takes_the_date_of_the_post_above() -> None:
    posts = parse_text(BUDGET_DAY).posts
    assert [p.published.isoformat() for p in posts] == [
        "2023-11-07T17:45:00+00:00",
        "2023-11-07T16:30:00+00:00",
        "2023-11-07T12:05:00+00:00",
    ]


def test_first_time_without_a_date_takes_the_date_of_the_updated_line() -> None:
    parsed = blog("""
        Election night
        Updated 11:58 PM ET, Tue November 5, 2024
        11:40 PM ET
        Polls close in Alaska
    """)
    assert parsed.posts[0].published.isoformat() == "2024-11-05T23:40:00-05:00"


def test_posts_keep_the_order_of_the_text_even_out_of_time_order() -> None:
    posts = parse_text(HEAT_WAVE).posts
    assert [p.published.strftime("%H:%M") for p in posts] == ["21:30", "20:05", "20:40", "19:15"]
    assert [p.line for p in posts] == [10, 20, 27, 38]


# Bylines


@pytest.mark.parametrize(
    ("byline", "authors", "location"),
    [
        ("From CNN's DJ Judd", ["DJ Judd"], None),
        ("From CNN\u2019s Ana Ruiz and Li Wei", ["Ana Ruiz", "Li Wei"], None),
        ("From CNN's From Ana Ruiz and Li Wei", ["Ana Ruiz", "Li Wei"], None),
        ("From Ana Ruiz and Li Wei", ["Ana Ruiz", "Li Wei"], None),
        ("By Ana Ruiz and Li Wei", ["Ana Ruiz", "Li Wei"], None),
        ("Ana Ruiz, Li Wei and Tom O'Neill", ["Ana Ruiz", "Li Wei", "Tom O'Neill"], None),
        ("From CNN's Niamh Byrne in London", ["Niamh Byrne"], "London"),
        ("From CNN's Ana Ruiz in Washington, DC", ["Ana Ruiz"], "Washington, DC"),
        ("From CNN's Ursula von Berg and Sami al-Amin", ["Ursula von Berg", "Sami al-Amin"], None),
    ],
)
def test_byline_under_the_headline(byline: str, authors: list[str], location: str | None) -> None:
    post = one_post(f"Headline\n\n{byline}\n\nFirst paragraph.")
    assert (post["authors"], post["location"]) == (authors, location)
    assert post["paragraphs"] == ["First paragraph."]


@pytest.mark.parametrize(
    "line",
    [
        "Rescue crews reached the village at dawn.",
        "Protests in London",  # one name-like phrase is not a byline without "From"/"By"
        "By Monday, the water had receded.",
        "From Kyiv to Lviv: the train keeps running",
    ],
)
def test_line_under_the_headline_that_is_not_a_byline_is_a_paragraph(line: str) -> None:
    post = one_post(f"Headline\n\n{line}")
    assert (post["authors"], post["paragraphs"]) == ([], [line])


def test_post_without_a_byline() -> None:
    cooling = parse_text(HEAT_WAVE).to_json()["posts"][1]
    assert cooling["authors"] == []
    assert cooling["location"] is None
    assert cooling["paragraphs"][0].startswith("City officials said")


# Images, contributors, context notes


def test_credit_shown_twice_is_one_image_without_caption() -> None:
    post = one_post("Headline\n\n(Ann Lee/AFP/Getty Images)\n(Ann Lee/AFP/Getty Images)\n\nText.")
    assert post["images"] == [{"caption": None, "credit": "Ann Lee/AFP/Getty Images"}]
    assert post["paragraphs"] == ["Text."]


def test_caption_then_caption_with_credit_is_one_image() -> None:
    post = parse_text(HEAT_WAVE).to_json()["posts"][3]
    caption = "A firefighter sprays water on a brush fire on Saturday."
    assert post["images"] == [{"caption": caption, "credit": "Nina Park/AP"}]
    assert caption not in post["paragraphs"]


def test_caption_line_directly_above_a_credit_line_is_one_image() -> None:
    post = parse_text(BUDGET_DAY).to_json()["posts"][1]
    caption = "A crowd gathers outside Parliament on Tuesday."
    assert post["images"] == [{"caption": caption, "credit": "Lucy North/PA"}]
    assert post["paragraphs"] == ['The opposition leader called the plan "too little, too late".']


def test_bracketed_sentence_is_a_paragraph_not_a_credit() -> None:
    post = one_post("Headline\n\n(This post has been updated with new figures.)")
    assert post["images"] == []
    assert post["paragraphs"] == ["(This post has been updated with new figures.)"]


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("CNN's Ivo Novák and Bo Li contributed reporting to this post.", ["Ivo Novák", "Bo Li"]),
        ("Omar Siddiqui contributed to this report.", ["Omar Siddiqui"]),
        (
            "Al Ray, Li Wei and CNN's Sam Cho contributed reporting.",
            ["Al Ray", "Li Wei", "Sam Cho"],
        ),
        ("Reuters contributed to this story", ["Reuters"]),
    ],
)
def test_contributor_line(line: str, names: list[str]) -> None:
    post = one_post(f"Headline\n\nBody text.\n\n{line}")
    assert (post["contributors"], post["paragraphs"]) == (names, ["Body text."])


def test_sentence_about_contributing_is_a_paragraph() -> None:
    line = "The donors who contributed to this fund were thanked."
    assert one_post(f"Headline\n\n{line}")["paragraphs"] == [line]


def test_context_notes_stay_paragraphs_as_written() -> None:
    posts = parse_text(HEAT_WAVE).to_json()["posts"]
    assert posts[1]["paragraphs"][1] == (
        "About cooling centers: They are public buildings with air conditioning."
    )
    assert posts[3]["paragraphs"][-1] == (
        "More background: Dry weather has raised the fire risk across the state."
    )


# Line endings and encodings


def test_crlf_lone_cr_trailing_spaces_and_blank_lines() -> None:
    lines = ["Storm live  ", "", "", "2:20 p.m. ET, February 7, 2022\t", "Headline\u00a0\u00a0"]
    text = "\r\n".join(lines) + "\rFirst.   \r\n\r\n\r\nSecond.\n"
    parsed = parse_text(text)
    assert parsed.title == "Storm live"
    assert parsed.posts[0].headline == "Headline"
    assert parsed.posts[0].paragraphs == ("First.", "Second.")


def test_bytes_with_a_byte_order_mark() -> None:
    data = "\ufeffStorm live\n2:20 p.m. ET, February 7, 2022\nHeadline".encode()
    assert parse_bytes(data).title == "Storm live"


def test_json_has_the_documented_shape() -> None:
    data = parse_text(HEAT_WAVE).to_json()
    assert list(data) == [
        "title", "authors", "organization", "updated", "timezone", "stated_post_count", "posts",
    ]  # fmt: skip
    assert list(data["posts"][0]) == [
        "published", "headline", "authors", "location", "images", "paragraphs", "contributors",
    ]  # fmt: skip
    assert json.loads(json.dumps(data)) == data  # plain lists and strings, nothing else


# Bad input: the line, and what was expected


@pytest.mark.parametrize(
    ("text", "line", "phrase"),
    [
        ("", 1, "the file is empty; expected a live blog"),
        ("  \n\n\t\n", 1, "the file is empty"),
        ("Storm live\n\nBy Ana Ruiz\n\nRain fell all day.", 5, "expected a post time line such as"),
        ("Storm live\n\n2:20 p.m. ET, Februry 40, 2022\nHeadline", 3, "date 'Februry 40, 2022'"),
        ("Storm live\n2:20 p.m. ET, February 30, 2022\nHeadline", 2, "could not be read"),
        ("Storm live\n2:20 p.m. ET, February 7, 2022\n\n", 2, "not followed by a headline"),
        ("Storm live\n2:20 p.m. ET, Feb 7, 2022\n2:35 p.m. ET\nHeadline", 2, "headline"),
        ("Storm live\n2:20 p.m. XT, February 7, 2022\nHeadline", 2, "unknown time-zone abbr"),
        ("Storm live\n\n2:20 p.m. ET\nHeadline", 3, "no date and there is no earlier date"),
        ("Storm live\n13:20 p.m. ET, February 7, 2022\nHeadline", 2, "time in '13:20 p.m."),
        ("Storm live\nA stray summary\n2:20 p.m. ET, Feb 7, 2022\nHead", 2, "before the first"),
        ("Storm live\nUpdated yesterday\n2:20 p.m. ET, Feb 7, 2022\nHead", 2, "'Updated' time"),
        ("Storm live\r\n\r\nline\x00three", 3, "is not UTF-8 text"),
    ],
)
def test_bad_text_names_the_line_and_what_was_expected(text: str, line: int, phrase: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_text(text)
    assert caught.value.line == line
    assert phrase in caught.value.message
    assert str(caught.value) == f"line {line}: {caught.value.message}"


def test_binary_bytes_are_not_text() -> None:
    with pytest.raises(ParseError, match=r"^line 2: the file is not UTF-8 text") as caught:
        parse_bytes(b"Storm live\n\x89PNG\r\n\x1a\n")
    assert caught.value.line == 2


def test_parse_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="line 1"):
        parse_text("")


# Nothing is dropped

GLUE = {"from", "by", "in", "and", "s", "contributed", "reporting", "to", "this", "post", "report"}
STRUCTURE = re.compile(
    r"(?i)updated .{5,60}|\d+ posts?|sort by.*|newest first|oldest first"
    r"|\d{1,2}(?:[:.]\d\d)?\s*(?:[ap]\.?m\.?)?(?: [A-Z]{2,4})?(?:,? .{6,30}\d{4})?"
)


@pytest.mark.parametrize("name", ["seed", "heat wave", "budget day"])
def test_every_line_of_the_text_is_in_the_output_or_recognised_chrome(name: str) -> None:
    if name == "seed":
        if not SEED.exists():
            pytest.skip(f"the shared seed is not at {SHARED} (set LIVELINE_SHARED_DIR)")
        text = SEED.read_text(encoding="utf-8")
    else:
        text = {"heat wave": HEAT_WAVE, "budget day": BUDGET_DAY}[name]
    data = parse_text(text).to_json()
    whole = {data["title"], *(p["headline"] for p in data["posts"])}
    whole |= {s for p in data["posts"] for s in p["paragraphs"]}
    # Bylines, credit and contributor lines carry names and credits with a few glue words.
    parts = {*data["authors"], data["organization"]}
    for post in data["posts"]:
        parts |= {*post["authors"], *post["contributors"], post["location"]}
        parts |= {s for image in post["images"] for s in image.values()}
    parts = sorted((s for s in parts if s), key=len, reverse=True)
    for line in (line.strip() for line in text.splitlines()):
        if not line or line in whole or STRUCTURE.fullmatch(line):
            continue
        leftover = line
        for part in parts:
            leftover = leftover.replace(part, " ")
        words = {w.strip("'\u2019").lower() for w in re.findall(r"[\w'\u2019]+", leftover)}
        assert words <= GLUE, f"{line!r} is missing from the output"
