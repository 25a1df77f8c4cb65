"""The embed: framed only by the origins LIVELINE_EMBED_ORIGINS names, links that open in the
page around it, and a snippet that sizes its iframe (in Chromium, on another origin)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect
from pydantic import ValidationError

from liveline.config import Settings
from liveline.model import Role
from liveline.values import BlogIn
from liveline.web.embedcode import embed_snippet
from tests.browsers import Newsroom
from tests.harness import create_app
from tests.test_live_page import SOON


def test_the_embed_may_be_framed_by_the_configured_origins_only(database_url: str) -> None:
    settings = Settings(
        database_url=database_url, embed_origins="https://news.example, http://localhost:8080"
    )
    with TestClient(create_app(settings)) as client:
        service = client.app.state.service  # type: ignore[attr-defined]
        editor = service.accounts.add_user("ed", Role.EDITOR)
        client.portal.call(service.blogs.create, editor, BlogIn(title="Storm", slug="storm"))  # type: ignore[union-attr]
        embed = client.get("/blogs/storm/embed")
        page = client.get("/blogs/storm")
    policy = embed.headers["content-security-policy"]
    assert "frame-ancestors https://news.example http://localhost:8080" in policy
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    assert '<base target="_parent">' in embed.text
    assert "<base target" not in page.text
    assert 'action="/blogs/storm/embed" target="_self"' in embed.text  # sorting stays inside


def test_any_site_may_frame_the_embed_by_default_and_bad_origins_are_refused() -> None:
    assert Settings().embed_origins == "*"
    assert Settings(embed_origins="").embed_origins == "'none'"
    assert (
        Settings(embed_origins="'self' https://a.example").embed_origins
        == "'self' https://a.example"
    )
    for bad in ("news.example", "https://news.example/path", "javascript:alert(1)", "'self'; x"):
        with pytest.raises(ValidationError):
            Settings(embed_origins=bad)


def test_the_snippet_frames_the_embed_and_trusts_only_its_origin() -> None:
    snippet = embed_snippet("https://live.example", "storm", 'Storm "watch"')
    assert '<iframe src="https://live.example/blogs/storm/embed"' in snippet
    assert 'title="Storm &#34;watch&#34; (live)"' in snippet
    assert 'e.origin!=="https://live.example"' in snippet


@pytest.fixture
def parent_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Another origin (another port) serving a newsroom's page from a folder."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    site = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{site.server_address[1]}", tmp_path
    site.shutdown()
    site.server_close()


def test_the_embed_sizes_its_iframe_on_another_origin_and_opens_links_in_the_page(
    browser: Browser, newsroom: Newsroom, parent_site: tuple[str, Path]
) -> None:
    desk, _ = newsroom.new_blog("Storm makes landfall", "Power out downtown")
    site, folder = parent_site
    snippet = embed_snippet(desk.url, desk.slug, "Storm watch")
    (folder / "story.html").write_text(
        f"<!doctype html><title>Our story</title><h1>Our story</h1>{snippet}<p>After</p>"
    )
    page = browser.new_page(viewport={"width": 800, "height": 600})
    page.goto(f"{site}/story.html")
    frame = page.frame_locator("iframe[data-liveline]")
    expect(frame.locator("#posts > article.post")).to_have_count(2, timeout=SOON)
    iframe = page.locator("iframe[data-liveline]")

    def sized() -> bool:
        inner = frame.locator("html").evaluate("e => Math.ceil(e.getBoundingClientRect().height)")
        return abs(iframe.bounding_box()["height"] - inner) <= 1 and inner != 600

    page.wait_for_function("document.querySelector('iframe').style.height !== ''", timeout=SOON)
    assert sized()
    before = iframe.bounding_box()["height"]
    desk.publish("Evacuation ordered", "\n\n".join(["Leave now."] * 8))
    page.wait_for_function(
        f"parseFloat(document.querySelector('iframe').style.height) > {before}", timeout=SOON
    )
    frame.locator("#posts > article.post").first.locator(".post__time a").click()
    page.wait_for_url(f"{desk.url}/blogs/{desk.slug}/posts/*", timeout=SOON)  # the whole tab
    page.close()
