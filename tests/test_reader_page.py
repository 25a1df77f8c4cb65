"""The reader's page: the imported seed shows everything the original page showed, in order.

The seed is imported once with `liveline import`; each test reads its own copy of that database.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.harness import (
    HAVE_SEED,
    SEED,
    SEED_FIXTURE,
    add_user_with_token,
    auth,
    invoke_cli,
    needs_seed,
)

EXPECTED = json.loads(SEED_FIXTURE.read_text(encoding="utf-8")) if HAVE_SEED else {"posts": []}
# The seed's posts newest first, as its own time lines read (and so as the page must print them).
NEWEST_FIRST_TIMES = [
    f"{clock} ET, February 7, 2022"
    for clock in ("2:39 p.m.", "2:35 p.m.", "2:20 p.m.", "2:09 p.m.", "1:02 p.m.",
                  "12:59 p.m.", "11:53 a.m.", "11:47 a.m.", "11:29 a.m.")
]  # fmt: skip
pytestmark = needs_seed
NEWEST_FIRST = sorted(EXPECTED["posts"], key=lambda post: post["published"], reverse=True)


def squash(text: str) -> str:
    return " ".join(text.split())


class Page(HTMLParser):
    """What a browser makes of the page: its text, its articles and a few landmarks."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.articles: list[dict] = []
        self.links: list[dict[str, str | None]] = []
        self._text: list[str] = []
        self._section: str | None = None
        self._article: dict | None = None
        self._in: set[str] = set()
        self.feed(html)
        self.close()
        self.text = squash("".join(self._text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags[tag] += 1
        self._in.add(tag)
        if tag == "section":
            self._section = attributes.get("id")
        elif tag == "a":
            self.links.append(attributes)
        elif tag == "article":
            self._article = {"id": attributes["id"], "section": self._section}
            self._article.update(text=[], headline=[], times=[])
            self.articles.append(self._article)
        elif tag == "time" and self._article is not None:
            self._article["times"].append([attributes["datetime"], ""])

    def handle_endtag(self, tag: str) -> None:
        self._in.discard(tag)
        if tag == "article":
            article = self._article
            article["text"] = squash("".join(article["text"]))
            article["headline"] = squash("".join(article["headline"]))
            self._article = None

    def handle_data(self, data: str) -> None:
        self._text.append(data)
        if self._article is not None:
            self._article["text"].append(data)
            if "h2" in self._in:
                self._article["headline"].append(data)
            if "time" in self._in:
                self._article["times"][-1][1] += data

    def headlines(self) -> list[str]:
        return [article["headline"] for article in self.articles]

    def load_more(self) -> str | None:
        hrefs = [link["href"] for link in self.links if link.get("class") == "load-more"]
        assert len(hrefs) <= 1
        return hrefs[0] if hrefs else None


@pytest.fixture(scope="module")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The seed imported with `liveline import`, plus an editor's token."""
    path = tmp_path_factory.mktemp("seeded") / "liveline.db"
    env = {"LIVELINE_DATABASE_URL": f"sqlite:///{path}"}
    invoke_cli("import", str(SEED), "--slug", "seed", env=env)
    token = add_user_with_token(env, "desk", "editor")
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all of it in the main file, to copy
    db.close()
    return path, token


@pytest.fixture
def database_url(seeded_database: tuple[Path, str], tmp_path: Path) -> str:
    shutil.copy(seeded_database[0], tmp_path / "liveline.db")
    return f"sqlite:///{tmp_path / 'liveline.db'}"


@pytest.fixture
def editor(seeded_database: tuple[Path, str]) -> dict[str, str]:
    return auth(seeded_database[1])


def page(client: TestClient, url: str) -> Page:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


# The seed, as a reader sees it


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_the_seed_page_shows_everything_the_original_showed(client: TestClient, order: str):
    seen = page(client, f"/blogs/seed?order={order}")

    assert seen.tags["h1"] == 1
    assert seen.tags["main"] == 1
    assert len(seen.articles) == len(EXPECTED["posts"]) == 9
    assert "The latest on Ukraine and Russia tensions" in seen.text
    assert "By Aditi Sangal, Melissa Macaya and Mike Hayes, CNN" in seen.text
    assert "Updated 11:02 PM ET, Mon February 7, 2022" in seen.text
    assert "9 Posts" in seen.text  # the seed says 14; nine of them are in the text
    for post in EXPECTED["posts"]:
        assert squash(post["headline"]) in seen.headlines()
        for image in post["images"]:
            assert f"({image['credit']})" in seen.text
    assert "(Andrew Harnik/Pool/AFP/Getty Images)" in seen.text
    assert (
        "British Defence Secretary Ben Wallace speaks during a joint press conference with "
        "Poland's Minister of National Defence Mariusz Blaszczak at the Ministry of Defence "
        "Main Building on February 7, 2022 in London, England. "
        "(Tolga Akmen/WPA Pool/Getty Images)"
    ) in seen.text
    assert "From CNN's Niamh Kennedy in London" in seen.text
    assert "From CNN's Michael Conte and Jennifer Hansler" in seen.text
    assert "From CNN's Jennifer Hansler, Casey Riddle and Kylie Atwood" in seen.text
    assert "CNN's Ivana Kottasová and Bryony Jones contributed reporting to this post." in seen.text


def test_posts_run_newest_first_with_their_times_in_ap_style(client: TestClient) -> None:
    seen = page(client, "/blogs/seed")

    assert seen.headlines() == [squash(post["headline"]) for post in NEWEST_FIRST]
    for article, post, time_text in zip(
        seen.articles, NEWEST_FIRST, NEWEST_FIRST_TIMES, strict=True
    ):
        [(machine, human)] = article["times"]
        assert human == time_text
        assert datetime.fromisoformat(machine) == datetime.fromisoformat(post["published"])


def test_oldest_first_is_the_reverse(client: TestClient) -> None:
    seen = page(client, "/blogs/seed?order=oldest")

    assert seen.headlines() == [squash(post["headline"]) for post in reversed(NEWEST_FIRST)]
    assert [article["times"][0][1] for article in seen.articles] == NEWEST_FIRST_TIMES[::-1]


def test_context_notes_are_set_apart_with_a_label(client: TestClient) -> None:
    html = client.get("/blogs/seed").text

    assert "<strong>More background:</strong> As tensions rise" in html
    assert "<strong>About the Minsk agreements:</strong> The agreements" in html


def test_the_index_lists_the_blog(client: TestClient) -> None:
    index = page(client, "/")

    assert "/blogs/seed" in [link.get("href") for link in index.links]
    assert "The latest on Ukraine and Russia tensions" in index.text
    assert "9 Posts" in index.text
    assert index.tags["h1"] == 1


def test_the_embed_page_renders_without_the_site_chrome(client: TestClient) -> None:
    response = client.get("/blogs/seed/embed")

    assert response.status_code == 200
    assert "frame-ancestors" in response.headers["content-security-policy"]
    embedded = Page(response.text)
    assert len(embedded.articles) == 9
    assert "By Aditi Sangal, Melissa Macaya and Mike Hayes, CNN" in embedded.text
    assert "site-header" not in response.text
    assert embedded.tags["h1"] == 1


# Changes a reader sees


def test_a_deleted_post_leaves_the_page_and_the_count(client: TestClient, editor) -> None:
    posts = client.get("/api/blogs/seed/posts").json()["posts"]
    doomed = next(post for post in posts if post["headline"].startswith("UK says"))

    gone = client.delete(
        f"/api/blogs/seed/posts/{doomed['id']}", headers={**editor, "If-Match": '"1"'}
    )

    assert gone.status_code == 200, gone.text
    assert gone.json()["status"] == "deleted"
    seen = page(client, "/blogs/seed")
    assert len(seen.articles) == 8
    assert doomed["headline"] not in seen.headlines()
    assert "8 Posts" in seen.text
    assert client.get(f"/api/blogs/seed/posts/{doomed['id']}").status_code == 404


def test_a_pinned_post_comes_first(client: TestClient, editor) -> None:
    oldest = client.get("/api/blogs/seed/posts?order=oldest&limit=1").json()["posts"][0]
    pinned = client.patch(
        f"/api/blogs/seed/posts/{oldest['id']}",
        json={"pinned": True},
        headers={**editor, "If-Match": f'"{oldest["version"]}"'},
    )
    assert pinned.status_code == 200, pinned.text

    for order in ("newest", "oldest"):
        seen = page(client, f"/blogs/seed?order={order}")
        assert seen.articles[0]["id"] == f"post-{oldest['id']}"
        assert seen.articles[0]["section"] == "pinned"
        assert seen.articles[0]["text"].startswith("Pinned")
        assert [a["section"] for a in seen.articles[1:]] == ["posts"] * 8
        assert len(seen.articles) == 9  # shown once, not again in its place in time


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_load_more_pages_through_every_post_once(client: TestClient, editor, order: str):
    assert client.post("/api/blogs", json={"title": "Busy day"}, headers=editor).status_code == 201
    for n in range(45):
        made = client.post(
            "/api/blogs/busy-day/posts",
            json={"headline": f"Update {n}", "body": "."},
            headers=editor,
        )
        assert made.status_code == 201, made.text

    url, pages = f"/blogs/busy-day?order={order}", []
    while url:
        seen = page(client, url)
        assert "45 Posts" in seen.text
        pages.append(seen.headlines())
        href = seen.load_more()
        url = f"/blogs/busy-day{href}" if href else None

    assert [len(headlines) for headlines in pages] == [20, 20, 5]
    every = [headline for headlines in pages for headline in headlines]
    numbers = [f"Update {n}" for n in range(45)]
    assert every == (numbers[::-1] if order == "newest" else numbers)


# Caching and errors


def test_a_repeat_visit_is_answered_304_until_something_changes(client: TestClient, editor):
    first = client.get("/blogs/seed")
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public")

    again = client.get("/blogs/seed", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert (
        client.get("/blogs/seed?order=oldest", headers={"If-None-Match": etag}).status_code == 200
    )

    posted = client.post(
        "/api/blogs/seed/posts", json={"headline": "Breaking", "body": "."}, headers=editor
    )
    assert posted.status_code == 201
    changed = client.get("/blogs/seed", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert "Breaking" in changed.text


def test_an_unknown_blog_is_a_404_page(client: TestClient) -> None:
    response = client.get("/blogs/no-such-story")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    seen = Page(response.text)
    assert seen.tags["h1"] == 1
    assert "Not found" in seen.text
    assert "no-such-story" in seen.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "%%%",
        "WzFd",  # [1]
        "WyIyMDIyLTAyLTA3VDE0OjIwOjAwIiwgMV0",  # a time without a zone
        "WyI5OTk5LTEyLTMxVDIzOjU5OjU5LTA1OjAwIiwgMV0",  # past the end of time, in UTC
        "WyIyMDIyLTAyLTA3VDE0OjIwOjAwKzAwOjAwIiwgMTAwMDAwMDAwMDAwMDAwMDAwMDAwMF0",  # id 10**21
    ],
)
def test_a_bad_cursor_is_refused_not_a_crash(client: TestClient, cursor: str) -> None:
    on_page = client.get("/blogs/seed", params={"cursor": cursor})
    assert on_page.status_code == 422
    assert "Traceback" not in on_page.text
    assert "cursor" in Page(on_page.text).text

    in_api = client.get("/api/blogs/seed/posts", params={"cursor": cursor})
    assert in_api.status_code == 422
    assert in_api.json()["error"]["field"] == "cursor"
