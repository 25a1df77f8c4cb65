"""`liveline export-html SLUG DIR`: the static snapshot, served by `python -m http.server`,
shows every post in Chromium and asks nothing of Liveline (which is not even running)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from liveline.config import Settings
from liveline.model import Role
from liveline.values import BlogIn, BlogPatch, ImageIn, PostIn, SummaryIn
from tests import test_live_page
from tests.harness import free_port, invoke_cli
from tests.images import photo

browser = test_live_page.browser  # the same Chromium as the live page's tests
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
POSTS = 250  # more than one read of the store (200)


@pytest.mark.browser
def test_the_snapshot_shows_every_post_from_a_plain_file_server(
    client: TestClient, database_url: str, tmp_path: Path, browser: Browser
) -> None:
    service = client.app.state.service  # type: ignore[attr-defined]
    editor = service.accounts.add_user("ed", Role.EDITOR)
    call = client.portal.call  # type: ignore[union-attr]
    blog = call(service.blogs.create, editor, BlogIn(title="Storm watch", slug="storm"))
    for i in range(POSTS):
        post_in = PostIn(
            headline=f"Update {i}",
            body=f"Details of **update {i}**.",
            published_at=START + timedelta(minutes=i),
            key_event=i % 50 == 0,
            pinned=i == 7,
        )
        call(service.posts.create, editor, blog, post_in)
    call(service.blogs.update, editor, blog, BlogPatch.model_validate({"status": "closed"}))
    client.close()

    out = tmp_path / "site"
    result = invoke_cli(
        "export-html", "storm", str(out), env={"LIVELINE_DATABASE_URL": database_url}
    )
    assert f"wrote {POSTS} posts" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "liveline.css"]  # no photos

    with file_server(out) as origin:
        page = browser.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{origin}/")
        expect(page.locator("article.post")).to_have_count(POSTS)
        expect(page.locator("h1")).to_have_text("Storm watch")
        expect(page.locator(".live-notice")).to_have_text("This live coverage has ended.")
        expect(page.locator(".pinned article h2")).to_have_text("Update 7")
        assert page.locator(".posts > article h2").first.inner_text() == f"Update {POSTS - 1}"
        expect(page.locator(".key-events li")).to_have_count(5)
        page.locator(".key-events a").last.click()
        expect(page.locator("#" + page.url.split("#")[1])).to_be_in_viewport()
        assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # styles came
        assert all(url.startswith(origin) for url in requests), requests
        page.close()


@contextmanager
def file_server(directory: Path) -> Iterator[str]:
    """`python -m http.server` on `directory`; its origin."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "-d",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        origin = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(origin, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield origin
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.browser
def test_the_snapshot_carries_its_photos_and_summary_and_asks_liveline_nothing(
    client: TestClient, settings: Settings, tmp_path: Path, browser: Browser
) -> None:
    service = client.app.state.service  # type: ignore[attr-defined]
    editor = service.accounts.add_user("ed", Role.EDITOR)
    call = client.portal.call  # type: ignore[union-attr]
    blog = call(service.blogs.create, editor, BlogIn(title="Storm watch", slug="storm"))
    uploads = [call(partial(service.media.upload, editor, photo(1800 + i, 1200))) for i in range(2)]
    for i, upload in enumerate(uploads):
        image = ImageIn(media=upload["id"], caption=f"Flooded street {i}", alt=f"Street {i}")
        post_in = PostIn(headline=f"Photo {i}", body="Water rising.", images=[image])
        call(service.posts.create, editor, blog, post_in)
    outside = ImageIn(url="https://photos.example.org/x.jpg", alt="Elsewhere")
    call(service.posts.create, editor, blog, PostIn(headline="Wire", body="-", images=[outside]))
    call(service.summaries.save, editor, blog, 0, SummaryIn(summary="- Water **rising**"))
    client.close()

    out = tmp_path / "site"
    env = {"LIVELINE_DATABASE_URL": settings.database_url, "LIVELINE_MEDIA_DIR": settings.media_dir}
    invoke_cli("export-html", "storm", str(out), env=env)
    html = (out / "index.html").read_text()
    assert "/media/" not in html  # every address of ours is relative now
    referenced = {r["url"].rsplit("/", 1)[1] for upload in uploads for r in upload["renditions"]}
    assert {p.name for p in (out / "media").iterdir()} == referenced  # those, and only those
    assert 'src="https://photos.example.org/x.jpg"' in html  # not ours: left where it is

    with file_server(out) as origin:
        page = browser.new_page(viewport={"width": 390, "height": 800})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.route("https://photos.example.org/**", lambda route: route.abort())  # no Internet
        page.goto(f"{origin}/")
        expect(page.locator("#summary-body strong")).to_have_text("rising")
        pictures = page.locator("article.post picture img")
        expect(pictures).to_have_count(2)
        for i in range(2):
            pictures.nth(i).scroll_into_view_if_needed()
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0", arg=pictures.nth(i).element_handle()
            )
            assert pictures.nth(i).evaluate("img => img.currentSrc").startswith(f"{origin}/media/")
        ours = [url for url in requests if not url.startswith("https://photos.example.org/")]
        assert all(url.startswith(origin) for url in ours), ours
        page.close()
