"""Links that land: `?post=` opens the page that holds the post, each post has its own page,
and the key-events box and filter list the key posts. Posts are made in-process through
the service, so a 100-post blog costs a moment, not 100 HTTP round trips."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from liveline.config import Settings
from liveline.model import Role
from liveline.values import BlogIn, PostIn, PostPatch
from tests.harness import create_app

POSTS = 100
PAGE_SIZE = 20
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ARTICLE = re.compile(r'<article class="([^"]*)" id="post-(\d+)"')


def app_on(database_url: str) -> TestClient:
    return TestClient(create_app(Settings(database_url=database_url, page_size=PAGE_SIZE)))


@pytest.fixture(scope="module")
def told(migrated_database: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A blog of 100 posts a minute apart; every 7th a key event, the 50th pinned: made
    once for the module, in a database of its own (`database_url` copies it for each test).
    Its editor, blog and posts, as they were made."""
    where = tmp_path_factory.mktemp("big") / "liveline.db"
    shutil.copy(migrated_database, where)
    with app_on(f"sqlite:///{where}") as client:
        service = client.app.state.service  # type: ignore[attr-defined]
        editor = service.accounts.add_user("ed", Role.EDITOR)
        call = client.portal.call  # type: ignore[union-attr]
        blog = call(service.blogs.create, editor, BlogIn(title="Storm watch", slug="big"))
        made = []
        for i in range(POSTS):
            post_in = PostIn(
                headline=f"Update {i}",
                body=f"Details of update {i}.",
                published_at=START + timedelta(minutes=i),
                key_event=i % 7 == 0,
                pinned=i == 49,
            )
            post, _ = call(service.posts.create, editor, blog, post_in)
            made.append(post)
    return {"path": where, "editor": editor, "blog": blog, "posts": made}


@pytest.fixture
def database_url(told: dict[str, Any], tmp_path: Path) -> str:
    """This test's own copy of the 100-post blog's database."""
    for file in told["path"].parent.glob("liveline.db*"):  # and a WAL, were one left
        shutil.copy(file, tmp_path / file.name)
    return f"sqlite:///{tmp_path / 'liveline.db'}"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with app_on(database_url) as c:
        yield c


@pytest.fixture
def big(client: TestClient, told: dict[str, Any]) -> dict[str, Any]:
    """The 100-post blog in this test's database, and this test's service to change it."""
    service = client.app.state.service  # type: ignore[attr-defined]
    call = client.portal.call  # type: ignore[union-attr]
    return {**told, "service": service, "call": call}


def shown(html: str) -> list[int]:
    """The ids of the posts the page lists below the pinned ones, in order."""
    listed = html.split('id="posts"', 1)[1]
    return [int(post_id) for _, post_id in ARTICLE.findall(listed)]


def pinned_ids(html: str) -> list[int]:
    section = html.split('id="pinned"', 1)[1].split('id="posts"', 1)[0]
    return [int(post_id) for _, post_id in ARTICLE.findall(section)]


def next_link(html: str) -> str | None:
    found = re.search(r'id="load-more" rel="next" href="([^"]+)"', html)
    return found[1].replace("&amp;", "&") if found else None


def walk(client: TestClient, query: str) -> list[list[int]]:
    """Every page of the blog, as "Load more" links lead from the first."""
    pages, url = [], f"/blogs/big{query}"
    while url:
        html = client.get(url).text
        pages.append(shown(html))
        link = next_link(html)
        url = f"/blogs/big{link}" if link else ""
    return pages


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_a_link_to_any_post_opens_the_page_that_holds_it(
    client: TestClient, big: dict[str, Any], order: str
) -> None:
    pages = walk(client, f"?order={order}")
    assert sorted(i for page in pages for i in page) == sorted(
        p.id for p in big["posts"] if not p.pinned
    )
    for post in big["posts"]:
        answer = client.get("/blogs/big", params={"post": post.id, "order": order})
        assert answer.status_code == 200
        html = answer.text
        if post.pinned:
            assert pinned_ids(html) == [post.id]
            continue
        holding = next(page for page in pages if post.id in page)
        assert shown(html) == holding, f"post {post.id}"
        first = holding == pages[0]
        assert ("See the latest posts" in html) is not first  # newer posts are a link above
        assert f'data-focus="{post.id}"' in html


def test_a_link_to_a_post_since_taken_down_opens_the_first_page(
    client: TestClient, big: dict[str, Any]
) -> None:
    post = big["posts"][3]
    big["call"](big["service"].posts.delete, big["editor"], big["blog"], post.id, post.version)
    answer = client.get("/blogs/big", params={"post": post.id})
    assert answer.status_code == 200
    assert shown(answer.text) == [p.id for p in reversed(big["posts"]) if not p.pinned][:20]
    assert client.get("/blogs/big", params={"post": "x"}).status_code == 422


def test_a_post_has_its_own_page_with_title_canonical_url_and_previews(
    client: TestClient, big: dict[str, Any]
) -> None:
    post = big["posts"][7]
    answer = client.get(f"/blogs/big/posts/{post.id}")
    assert answer.status_code == 200
    html = answer.text
    assert "<title>Update 7 | Storm watch</title>" in html
    canonical = f"http://testserver/blogs/big/posts/{post.id}"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert '<meta property="og:title" content="Update 7">' in html
    assert '<meta property="og:description" content="Details of update 7.">' in html
    assert html.count("<h1") == 1
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html)[1])
    assert data["@type"] == "BlogPosting"
    assert data["url"] == canonical
    assert data["headline"] == "Update 7"
    assert data["isPartOf"]["@id"] == "http://testserver/blogs/big"
    assert f'href="/blogs/big?post={post.id}#post-{post.id}"' in html  # into the live blog
    assert "frame-ancestors 'self'" in answer.headers["content-security-policy"]
    again = client.get(
        f"/blogs/big/posts/{post.id}", headers={"If-None-Match": answer.headers["etag"]}
    )
    assert again.status_code == 304


def test_no_page_for_a_post_that_is_not_published(client: TestClient, big: dict[str, Any]) -> None:
    draft, _ = big["call"](
        big["service"].posts.create,
        big["editor"],
        big["blog"],
        PostIn(headline="Embargoed", body="Not yet.", status="draft"),
    )
    assert client.get(f"/blogs/big/posts/{draft.id}").status_code == 404
    assert client.get("/blogs/big/posts/999999").status_code == 404
    assert client.get("/blogs/nope/posts/1").status_code == 404


def test_each_post_has_a_share_button_for_its_own_page(
    client: TestClient, big: dict[str, Any]
) -> None:
    html = client.get("/blogs/big").text
    post = big["posts"][-1]
    assert f'data-share="/blogs/big/posts/{post.id}"' in html
    assert f'<a href="/blogs/big/posts/{post.id}"><time' in html


def test_the_key_events_box_lists_every_key_post_newest_first(
    client: TestClient, big: dict[str, Any]
) -> None:
    html = client.get("/blogs/big").text
    box = html.split('id="key-events-list"', 1)[1].split("</ol>", 1)[0]
    keys = [p for p in reversed(big["posts"]) if p.key_event]
    listed = [int(i) for i in re.findall(r'<li data-post-id="(\d+)"', box)]
    assert listed == [p.id for p in keys]
    first = keys[0]
    assert f'href="/blogs/big?post={first.id}#post-{first.id}"' in box
    assert "Update 98</span>" in box and "5:38 a.m. ET</time>" in box


def test_key_events_only_lists_key_posts_and_pages_through_them(
    client: TestClient, big: dict[str, Any]
) -> None:
    pages = walk(client, "?filter=key")
    keys = [p.id for p in reversed(big["posts"]) if p.key_event and not p.pinned]
    assert [i for page in pages for i in page] == keys
    html = client.get("/blogs/big?filter=key").text
    assert '<a href="?order=newest&amp;filter=key" aria-current="page">Key events only</a>' in html
    assert 'data-filter="key"' in html
    assert pinned_ids(html) == [big["posts"][49].id]  # pinned, and a key event (49 = 7 × 7)
    # A key post deep in the blog: the filter's own page that holds it.
    deep = next(p for p in big["posts"] if p.key_event and p.id != keys[0])
    assert deep.id in shown(client.get(f"/blogs/big?filter=key&post={deep.id}").text)


def test_a_post_edited_later_says_when(client: TestClient, big: dict[str, Any]) -> None:
    post = big["posts"][0]  # published long before now: any edit is a later one
    assert "post__updated" not in client.get(f"/blogs/big/posts/{post.id}").text
    big["call"](
        big["service"].posts.update,
        big["editor"],
        big["blog"],
        post.id,
        post.version,
        PostPatch.model_validate({"body": "Corrected details."}),
    )
    html = client.get(f"/blogs/big/posts/{post.id}").text
    assert re.search(r'<span class="post__updated">Updated <time datetime="[^"]+">', html)


def test_the_pages_own_script_and_styles_stay_under_25_kb_compressed(client: TestClient) -> None:
    total = sum(
        len(gzip.compress(client.get(f"/static/{name}").content, 9))
        for name in ("live.js", "liveline.css")
    )
    assert total < 25 * 1024, f"{total} bytes compressed"
