"""Defect 1 of issue 8: a post could freeze the server. Markdown now has limits on what it may
expand to, each post is rendered once per version, off the event loop, and a 304 renders
nothing."""

from __future__ import annotations

import asyncio
import gc
import re
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from fastapi.testclient import TestClient

from liveline.app import create_app
from liveline.config import Settings
from liveline.formats import richtext
from liveline.formats.richtext import render_markdown
from liveline.web.render import RenderCache
from tests.harness import auth, make_token
from tests.record import record

SIZE = 200_000
# Generous for a shared, busy test machine: each of these took 3 s to 25 s before the limits.
BUDGET_SECONDS = 1.0


def repeated(unit: str, size: int = SIZE) -> str:
    return (unit * (size // len(unit) + 1))[:size]


FAMILIES = {
    "images": "![",
    "links": "[a](",
    "list items": "- a\n",
    "ordered items": "1. a\n",
    "nested items": "  - a\n",
    "lines": "a\n",
    "paragraphs": "a\n\n",
    "headings": "# a\n",
    "blockquotes": "> ",
    "emphasis": "**a",
    "underscores": "_a",
    "closed brackets": "[a]",
    "complete links": "[a](b) ",
    "autolinks": "<a",
    "code spans": "`a",
    "entities": "&amp;",
    "escapes": "\\*",
    "carriage returns": "a\r",
    "unmatched nested labels": "[[]" + "_a" * 10,
    "unmatched nested images": "![[]" + "*a" * 15,
}


def under_label_work(brackets_unit: str, after: str) -> str:
    """As many of `brackets_unit` before `after` as the label limit allows."""
    per_bracket = len(richtext.LABEL_COSTLY.findall(after)) + 2 * len(brackets_unit)
    return brackets_unit * (richtext.MAX_LABEL_WORK // per_bracket - 1) + after


JUST_UNDER_THE_LIMITS = {
    "brackets": "[a]" * (richtext.MAX_BRACKETS - 1) + repeated("x ", SIZE - 3_000),
    "lines": "- a\n" * (richtext.MAX_LINES - 1) + repeated("x", SIZE - 12_000),
    "markup": "_a" * (richtext.MAX_MARKUP_CHARS - 1) + repeated(" w", SIZE - 16_000),
    "links": "[a](b) " * richtext.MAX_LINKS + repeated("x", SIZE - 4_000),
    "brackets before markup": under_label_work("![", "_a" * (richtext.MAX_MARKUP_CHARS - 10)),
    "brackets before lines": under_label_work("![", "a\n" * (richtext.MAX_LINES - 1)),
    "brackets before code": under_label_work("[", "`a" * (richtext.MAX_MARKUP_CHARS - 10)),
    "everything at once": under_label_work(
        "![", "- a\n" * (richtext.MAX_LINES - 1) + "*a" * (richtext.MAX_MARKUP_CHARS - 1)
    ),
}


def cpu_timed(function: Callable[[], Any]) -> tuple[Any, float]:
    """This thread's CPU seconds, not wall time: other work on a shared machine must not fail
    the test, nor the threads of this process (a server starting in the background, the
    browser's driver) whose CPU the process's own clock would count. The objects the test
    process already holds are frozen out of the garbage collector meanwhile: in the full suite
    a collection that scans them tripled a 0.46 s render, a cost of the suite's heap, not of
    the markdown. What the render itself allocates is still collected and counted."""
    gc.freeze()
    try:
        started = time.thread_time()
        result = function()
        return result, time.thread_time() - started
    finally:
        gc.unfreeze()


def words(html: str) -> list[str]:
    return re.sub(r"<[^>]*>", " ", html).split()


@pytest.mark.parametrize("unit", FAMILIES.values(), ids=FAMILIES.keys())
def test_hostile_bodies_render_fast_and_bounded(unit: str) -> None:
    body = repeated(unit)
    html, seconds = cpu_timed(lambda: render_markdown(body))
    assert seconds < BUDGET_SECONDS, f"{seconds:.2f} s"
    assert len(html) <= 6 * len(body) + 1_024
    assert "<script" not in html


@pytest.mark.parametrize("body", JUST_UNDER_THE_LIMITS.values(), ids=JUST_UNDER_THE_LIMITS.keys())
def test_bodies_at_the_limits_render_fast(body: str) -> None:
    html, seconds = cpu_timed(lambda: render_markdown(body))
    assert seconds < BUDGET_SECONDS, f"{seconds:.2f} s"
    assert len(html) <= 6 * len(body) + 1_024


def test_a_body_beyond_the_limits_is_shown_as_escaped_text() -> None:
    body = "Intro <b>bold?</b>\n\n" + "![" * (richtext.MAX_BRACKETS + 1) + "\n\nThe end & more"
    html = render_markdown(body)
    assert html.startswith("<p>Intro &lt;b&gt;bold?&lt;/b&gt;</p>\n")
    assert html.endswith("<p>The end &amp; more</p>\n")
    assert "<b>" not in html


def test_too_deep_nesting_keeps_every_word() -> None:
    # markdown-it alone stops at its maxNesting and drops the rest; we show all of it as text.
    body = "> " * 60 + "deep words\n\nand after"
    html = render_markdown(body)
    assert "<blockquote>" not in html
    assert "deep words" in html and "and after" in html


def test_too_many_links_or_items_fall_back_to_text() -> None:
    links = render_markdown("[a](https://x.org) " * (richtext.MAX_LINKS + 1))
    assert "<a " not in links and "[a](https://x.org)" in links
    items = render_markdown("- a\n" * (richtext.MAX_LIST_ITEMS + 1))
    assert "<li>" not in items


def test_ordinary_markdown_is_unchanged() -> None:
    body = (
        "Some **bold** and *em* with [a link](https://example.org).\n\n"
        "- one\n- two\n  - nested\n\n> quoted\n\n**More background:** the rest."
    )
    html = render_markdown(body)
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert '<a href="https://example.org" rel="noopener nofollow">a link</a>' in html
    assert html.count("<li>") == 3 and "<blockquote>" in html
    assert '<p class="post__context"><strong>More background:</strong>' in html


def test_the_render_cache_is_bounded_in_bytes() -> None:
    cache = RenderCache(max_bytes=10_000)
    for post_id in range(100):
        cache.get(post_id, 1, f"post {post_id} " + "x" * 500)
    assert cache.size <= 10_000
    assert 0 < len(cache) < 100
    assert cache.renders == 100
    cache.get(99, 1, "post 99 " + "x" * 500)  # the newest is kept
    assert cache.renders == 100
    huge = cache.get(1_000, 1, "y" * 20_000)  # larger than the whole cache: served, not kept
    assert "yyy" in huge.html and cache.size <= 10_000


def test_the_render_cache_keys_on_version_and_checks_the_body() -> None:
    cache = RenderCache()
    assert cache.get(1, 1, "*one*").html == "<p><em>one</em></p>\n"
    assert cache.get(1, 1, "*one*").html == "<p><em>one</em></p>\n"
    assert cache.renders == 1
    assert cache.get(1, 2, "*two*").html == "<p><em>two</em></p>\n"
    assert cache.get(1, 2, "*changed*").html == "<p><em>changed</em></p>\n"  # never stale
    assert cache.renders == 3


# Through the app: a big hostile post, page views, feeds, 304s.


@pytest.fixture
def big_settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, max_body_bytes=1_000_000)


@pytest.fixture
def app_client(big_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(big_settings)) as test_client:
        yield test_client


@pytest.fixture
def editor(app_client: TestClient, big_settings: Settings) -> dict[str, str]:
    headers = auth(make_token(big_settings, "ed", "editor"))
    created = app_client.post("/api/blogs", json={"title": "Hostile"}, headers=headers)
    assert created.status_code == 201, created.text
    return headers


def publish(client: TestClient, editor: dict[str, str], body: str) -> dict[str, Any]:
    response = client.post(
        "/api/blogs/hostile/posts", json={"headline": "H", "body": body}, headers=editor
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def renders(client: TestClient) -> int:
    cache: RenderCache = client.app.state.render_post.cache  # type: ignore[attr-defined]
    return cache.renders


@pytest.mark.parametrize("unit", ["![", "[a](", "- a\n"])
def test_a_hostile_post_does_not_freeze_publish_or_page_views(
    app_client: TestClient, editor: dict[str, str], unit: str
) -> None:
    # CPU seconds of this process (the app runs in its threads): other load cannot fail it.
    _, publish_seconds = cpu_timed(lambda: publish(app_client, editor, repeated(unit)))
    assert publish_seconds < 3 * BUDGET_SECONDS
    for path in ("/blogs/hostile", "/blogs/hostile/embed", "/blogs/hostile/feed.atom"):
        response, seconds = cpu_timed(partial(app_client.get, path))
        assert response.status_code == 200
        assert seconds < 3 * BUDGET_SECONDS, f"{path}: {seconds:.2f} s"
    assert renders(app_client) == 1  # once, for all of them
    record(
        "A 200 KB body of hostile Markdown (`![`, `[a](`, `- a` lines…)",
        tried="publish and page views",
        lost="nothing: publish and pages answer in well under a second; the body shows as text",
        test="tests/test_hostile_markdown.py -k does_not_freeze",
    )


def test_each_post_is_rendered_once_per_version(
    app_client: TestClient, editor: dict[str, str]
) -> None:
    post = publish(app_client, editor, "First *version*")
    publish(app_client, editor, "Another post")
    for path in ("", "/embed", "/feed.atom", "/feed.rss", "/feed.json", "?order=oldest"):
        assert app_client.get(f"/blogs/hostile{path}").status_code == 200
    with app_client.stream("GET", "/blogs/hostile/events?since=0") as stream:
        assert stream.status_code == 200
        seen = b""
        for chunk in stream.iter_bytes():
            seen += chunk
            if seen.count(b"\nid:") + seen.startswith(b"id:") >= 2 or b"Another post" in seen:
                break
    assert renders(app_client) == 2
    edited = app_client.patch(
        f"/api/blogs/hostile/posts/{post['id']}",
        json={"body": "Second *version*"},
        headers={**editor, "If-Match": f'"{post["version"]}"'},
    )
    assert edited.status_code == 200, edited.text
    page = app_client.get("/blogs/hostile").text
    assert "<em>version</em>" in page and "Second" in page and "First" not in page
    app_client.get("/blogs/hostile/feed.json")
    assert renders(app_client) == 3


def test_a_304_loads_and_renders_no_posts(
    app_client: TestClient, editor: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(app_client, editor, repeated("![", 50_000))
    first = app_client.get("/blogs/hostile")
    assert first.status_code == 200
    posts = app_client.app.state.service.posts  # type: ignore[attr-defined]
    pages: list[object] = []
    real_page = posts.page

    def counted_page(*args: Any, **kwargs: Any) -> Any:
        pages.append(args)
        return real_page(*args, **kwargs)

    monkeypatch.setattr(posts, "page", counted_page)
    before = renders(app_client)
    for path in ("/blogs/hostile", "/blogs/hostile/embed"):
        etag = app_client.get(path).headers["etag"]
        pages.clear()
        again = app_client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert pages == []  # no post was even loaded
    assert renders(app_client) == before


def test_rendering_runs_off_the_event_loop(
    app_client: TestClient, editor: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(app_client, editor, "Hello *there*")
    on_loop: list[bool] = []
    real = render_markdown

    def spy(body: str) -> str:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return real(body)

    monkeypatch.setattr("liveline.web.render.render_markdown", spy)
    app_client.app.state.render_post.cache = RenderCache()  # type: ignore[attr-defined]
    for path in ("/blogs/hostile", "/blogs/hostile/feed.rss"):
        app_client.app.state.render_post.cache = RenderCache()  # type: ignore[attr-defined]
        assert app_client.get(path).status_code == 200
    assert on_loop == [False, False]
