"""Feeds (Atom, RSS, JSON Feed) and the reader page's JSON-LD, through the HTTP interface."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.harness import auth, make_token

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "http://testserver"
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture
def editor(client: TestClient, settings) -> dict[str, str]:
    return auth(make_token(settings, "ed", "editor"))


def publish(client: TestClient, editor: dict[str, str], slug: str, **fields: Any) -> dict:
    response = client.post(f"/api/blogs/{slug}/posts", json=fields, headers=editor)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def storm(client: TestClient, editor: dict[str, str]) -> list[dict]:
    """A blog with three published posts (oldest first), a draft, and a deleted post."""
    created = client.post(
        "/api/blogs",
        json={"title": "Storm watch", "authors": ["Ana Ruiz"], "organization": "Gazette"},
        headers=editor,
    )
    assert created.status_code == 201, created.text
    posts = [
        publish(client, editor, "storm-watch", headline="Winds pick up", body="Gusts rising."),
        publish(
            client,
            editor,
            "storm-watch",
            headline="Sea wall holds",
            body="It is **bold** news. <script>alert(1)</script>",
        ),
        publish(
            client,
            editor,
            "storm-watch",
            headline="Power out downtown",
            body="Crews are out.",
            authors=["Niamh Kennedy", "Mike Hayes"],
        ),
    ]
    publish(client, editor, "storm-watch", headline="Draft only", body="x", status="draft")
    gone = publish(client, editor, "storm-watch", headline="Retracted", body="Wrong.")
    deleted = client.delete(
        f"/api/blogs/storm-watch/posts/{gone['id']}", headers={**editor, "If-Match": '"1"'}
    )
    assert deleted.status_code in (200, 204), deleted.text
    return posts


def test_atom_lists_published_posts_newest_first(client: TestClient, storm: list[dict]) -> None:
    response = client.get("/blogs/storm-watch/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.findtext(f"{ATOM}title") == "Storm watch"
    entries = feed.findall(f"{ATOM}entry")
    newest_first = storm[::-1]
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [
        post["headline"] for post in newest_first
    ]
    for entry, post in zip(entries, newest_first, strict=True):
        url = f"{BASE}/blogs/storm-watch#post-{post['id']}"
        assert entry.findtext(f"{ATOM}id") == url
        assert entry.find(f"{ATOM}link").get("href") == url
        assert entry.findtext(f"{ATOM}published").endswith("+00:00")
    names = [name.text for name in entries[0].iter(f"{ATOM}name")]
    assert names == ["Niamh Kennedy", "Mike Hayes"]
    content = entries[1].findtext(f"{ATOM}content")
    assert "<strong>bold</strong>" in content
    assert "<script" not in content
    assert "Retracted" not in response.text and "Draft only" not in response.text


def test_rss_lists_published_posts(client: TestClient, storm: list[dict]) -> None:
    response = client.get("/blogs/storm-watch/feed.rss")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    assert channel.findtext("link") == f"{BASE}/blogs/storm-watch"
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == [post["headline"] for post in storm[::-1]]
    assert items[1].findtext("guid") == f"{BASE}/blogs/storm-watch#post-{storm[1]['id']}"
    assert "<strong>bold</strong>" in items[1].findtext("description")
    assert "<script" not in items[1].findtext("description")
    assert "Retracted" not in response.text and "Draft only" not in response.text


def test_json_feed_is_version_1_1(client: TestClient, storm: list[dict]) -> None:
    response = client.get("/blogs/storm-watch/feed.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/feed+json")
    feed = response.json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "Storm watch"
    assert [item["title"] for item in feed["items"]] == [post["headline"] for post in storm[::-1]]
    first = feed["items"][0]
    assert first["id"] == first["url"] == f"{BASE}/blogs/storm-watch#post-{storm[2]['id']}"
    assert first["authors"] == [{"name": "Niamh Kennedy"}, {"name": "Mike Hayes"}]
    assert first["date_published"].endswith("+00:00")
    assert "<strong>bold</strong>" in feed["items"][1]["content_html"]
    assert "<script" not in feed["items"][1]["content_html"]
    assert "Retracted" not in response.text and "Draft only" not in response.text


@pytest.mark.parametrize("name", ["feed.atom", "feed.rss", "feed.json"])
def test_feeds_revalidate_with_etag(client: TestClient, storm: list[dict], name: str) -> None:
    first = client.get(f"/blogs/storm-watch/{name}")
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public")
    again = client.get(f"/blogs/storm-watch/{name}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""


def test_a_new_post_changes_the_etag(
    client: TestClient, editor: dict[str, str], storm: list[dict]
) -> None:
    etag = client.get("/blogs/storm-watch/feed.atom").headers["etag"]
    publish(client, editor, "storm-watch", headline="Landfall", body="Now.")
    fresh = client.get("/blogs/storm-watch/feed.atom", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert b"Landfall" in fresh.content


@pytest.mark.parametrize("name", ["feed.atom", "feed.rss", "feed.json"])
def test_unknown_blog_has_no_feed(client: TestClient, name: str) -> None:
    assert client.get(f"/blogs/nope/{name}").status_code == 404


def test_an_empty_blog_has_empty_feeds(client: TestClient, editor: dict[str, str]) -> None:
    client.post("/api/blogs", json={"title": "Quiet day"}, headers=editor)
    atom = ET.fromstring(client.get("/blogs/quiet-day/feed.atom").content)
    assert atom.findall(f"{ATOM}entry") == []
    rss = ET.fromstring(client.get("/blogs/quiet-day/feed.rss").content)
    assert rss.find("channel").findall("item") == []
    assert client.get("/blogs/quiet-day/feed.json").json()["items"] == []


def test_page_links_its_feeds(client: TestClient, storm: list[dict]) -> None:
    page = client.get("/blogs/storm-watch").text
    for kind, name in [("atom+xml", "atom"), ("rss+xml", "rss"), ("feed+json", "json")]:
        assert f'type="application/{kind}"' in page
        assert f'href="/blogs/storm-watch/feed.{name}"' in page


def test_page_carries_live_blog_json_ld(client: TestClient, storm: list[dict]) -> None:
    page = client.get("/blogs/storm-watch").text
    (block,) = JSON_LD.findall(page)
    data = json.loads(block)
    assert data["@type"] == "LiveBlogPosting"
    assert data["headline"] == "Storm watch"
    assert data["url"] == f"{BASE}/blogs/storm-watch"
    assert data["author"] == [{"@type": "Person", "name": "Ana Ruiz"}]
    assert data["publisher"] == {"@type": "Organization", "name": "Gazette"}
    assert data["coverageStartTime"] == data["datePublished"]
    updates = data["liveBlogUpdate"]
    assert [update["headline"] for update in updates] == [p["headline"] for p in storm[::-1]]
    assert all(update["@type"] == "BlogPosting" for update in updates)
    assert updates[1]["articleBody"] == "It is bold news. <script>alert(1)</script>"
    assert updates[1]["url"] == f"{BASE}/blogs/storm-watch#post-{storm[1]['id']}"
    assert [a["name"] for a in updates[0]["author"]] == ["Niamh Kennedy", "Mike Hayes"]


def test_json_ld_cannot_break_out_of_its_script(
    client: TestClient, editor: dict[str, str], storm: list[dict]
) -> None:
    nasty = 'Alert </script><script>alert("x")</script> & <!-- more'
    publish(client, editor, "storm-watch", headline=nasty, body="</script>")
    page = client.get("/blogs/storm-watch").text
    start = page.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    end = page.index("</script>", start)  # where an HTML parser ends the element
    block = page[start:end]
    assert "<" not in block and ">" not in block
    data = json.loads(block)  # the whole object sits before the first </script>
    assert data["liveBlogUpdate"][0]["headline"] == nasty
    assert data["liveBlogUpdate"][0]["articleBody"] == "</script>"


def test_embed_page_has_no_json_ld(client: TestClient, storm: list[dict]) -> None:
    assert "application/ld+json" not in client.get("/blogs/storm-watch/embed").text
