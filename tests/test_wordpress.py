"""WordPress Liveblog archives: the JSON its REST API returns, imported as a Liveline blog.

The fixture is built from the shape `WPCOM_Liveblog_Entry::for_json()` and
`WPCOM_Liveblog::get_entries_paged()` document (github.com/Automattic/liveblog): entries with
`id`, `type`, `render`, `content`, `timestamp`, `entry_time`, `authors`, `share_link` and
`key_event`, in a page with `page`, `pages` and `total`. All its people and text are fictional.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from liveline.config import Settings
from liveline.formats.htmltext import html_to_markdown
from liveline.formats.textparse import ParsedBlog, ParseError
from liveline.formats.wordpress import parse_wordpress
from tests.harness import invoke_cli

FIXTURE = Path(__file__).parent / "fixtures" / "wordpress_liveblog_entries.json"
HEADLINES = [
    "Gates open at the riverside park; the first boats are…",
    "Dragon boat heats begin",
    "Organisers say the map is updated. Click here",
    "It is the best turnout we have had. Said the…",
]


def parsed_fixture() -> ParsedBlog:
    return parse_wordpress(FIXTURE.read_bytes(), timezone="Europe/London")


def test_entries_become_posts_with_their_times_authors_and_key_events() -> None:
    parsed = parsed_fixture()
    assert parsed.title == "River festival live"  # from the entries' share_link
    assert parsed.timezone == "Europe/London"
    assert parsed.stated_post_count == 5
    assert parsed.authors == ("Mara Voss", "Jun Okafor")
    assert [p.headline for p in parsed.posts] == HEADLINES
    assert [p.published.isoformat() for p in parsed.posts] == [
        "2024-06-15T10:00:00+01:00",
        "2024-06-15T11:00:00+01:00",  # the update keeps the original entry_time
        "2024-06-15T12:00:00+01:00",
        "2024-06-15T14:00:00+01:00",
    ]
    assert [p.authors for p in parsed.posts] == [
        ("Mara Voss",), ("Mara Voss", "Jun Okafor"), ("Jun Okafor",), (),
    ]  # fmt: skip
    assert [p.key_event for p in parsed.posts] == [False, True, False, False]


def test_an_update_replaces_its_entry_and_a_delete_removes_it() -> None:
    parsed = parsed_fixture()
    heats = parsed.posts[1]
    assert heats.body == (
        "Twelve crews race in the **first round**; the final is at 4 p.m.\n\n"
        "- Heat 1: Harbour Hawks\n- Heat 2: Mill Street Rowers"
    )
    assert all("withdrawn" not in (p.body or "") for p in parsed.posts)


def test_html_is_sanitised_before_it_becomes_markdown() -> None:
    organisers = parsed_fixture().posts[2]
    body = organisers.body or ""
    assert body == "Organisers say [the map](https://news.example/map) is updated.\n\nClick here"
    for bad in ("script", "alert", "javascript:", "onclick", "onerror", "steal"):
        assert bad not in body
    [image] = organisers.images
    assert (image.url, image.caption, image.credit) == (
        "https://news.example/photos/boats.jpg", "Boats line up for the start.", None,
    )  # fmt: skip
    assert parsed_fixture().posts[3].body == (
        "> It is the best turnout we have had.\n\nSaid the festival director."
    )


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("<p>A <em>b</em> <b>c</b></p>", "A *b* **c**"),
        ("<p>1. Not a list * really</p>", "1\\. Not a list \\* really"),
        ('<p><a href="data:text/html,x">x</a> <img src="javascript:y"></p>', "x"),
        ("<ol><li>One</li><li>Two</li></ol>", "1. One\n2. Two"),
        ("<div>Line<br>break</div><style>p{}</style>", "Line\\\nbreak"),
    ],
)
def test_html_to_markdown(html: str, markdown: str) -> None:
    converted = html_to_markdown(html)
    assert converted.markdown == markdown
    assert converted.images == []


def test_a_bare_list_of_entries_and_a_list_of_pages_are_read_too() -> None:
    page = json.loads(FIXTURE.read_text(encoding="utf-8"))
    as_list = parse_wordpress(json.dumps(page["entries"]).encode(), timezone="Europe/London")
    as_pages = parse_wordpress(json.dumps([page]).encode(), timezone="Europe/London")
    expected = parsed_fixture().to_json()
    assert as_pages.to_json() == expected
    assert as_list.to_json() == {**expected, "stated_post_count": None}  # no "total" to read


@pytest.mark.parametrize(
    ("data", "line", "phrase"),
    [
        (b'{"entries": [\n  {"id": 1,\n', 3, "not JSON"),
        (b'{"posts": []}', 1, "expected the JSON of WordPress Liveblog"),
        (b'{"entries": []}', 1, "no entries"),
        (b'{"entries": [\n {"id": 4, "render": "<p>x</p>",\n  "timestamp": "soon"}]}', 2, "Unix"),
        (b'{"entries": [\n\n {"id": 5, "timestamp": 1718442000}]}', 3, "no 'render'"),
    ],
)
def test_bad_archives_name_the_line(data: bytes, line: int, phrase: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_wordpress(data)
    assert (caught.value.line, phrase in caught.value.message) == (line, True)


def test_import_wordpress_round_trip_shows_every_entry_on_the_reader_page(
    settings: Settings, client: TestClient
) -> None:
    env = {
        "LIVELINE_DATABASE_URL": settings.database_url,
        "LIVELINE_DEFAULT_TIMEZONE": "Europe/London",
    }
    result = invoke_cli("import-wordpress", str(FIXTURE), "--slug", "river", env=env)
    assert "imported 4 posts into /blogs/river" in result.stdout

    page = client.get("/blogs/river")
    assert page.status_code == 200
    html = page.text
    for headline in HEADLINES:
        assert headline in html
    assert "Heat 2: Mill Street Rowers" in html
    assert "https://news.example/photos/boats.jpg" in html
    assert "<script>alert" not in html and "javascript:alert" not in html
    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as db:
        rows = db.execute("SELECT headline, key_event FROM posts ORDER BY id").fetchall()
    assert [(h, bool(k)) for h, k in rows] == list(
        zip(HEADLINES, [False, True, False, False], strict=True)
    )

    again = invoke_cli("import-wordpress", str(FIXTURE), "--slug", "river", env=env, check=False)
    assert again.returncode != 0 and "--replace" in again.stderr
    invoke_cli("import-wordpress", str(FIXTURE), "--slug", "river", "--replace", env=env)


def test_import_wordpress_refuses_bad_json_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"entries": [\n  {"id": 1,\n')
    env = {"LIVELINE_DATABASE_URL": f"sqlite:///{tmp_path / 'wp.db'}"}
    result = invoke_cli("import-wordpress", str(bad), env=env, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {bad}:3: ")
    assert "Traceback" not in result.stderr


def test_an_entry_without_text_gets_a_named_headline_and_a_warning() -> None:
    data = b'{"entries": [\n {"id": 8, "render": "<iframe src=\\"https://v.example\\"></iframe>",'
    data += b' "timestamp": 1718442000, "authors": []}]}'
    parsed = parse_wordpress(data)
    [post] = parsed.posts
    assert (post.headline, post.body, post.published.isoformat()) == (
        "Entry 8", "", "2024-06-15T09:00:00+00:00",
    )  # fmt: skip
    assert parsed.warnings == ("line 2: entry 8 has no text; its headline is 'Entry 8'",)
