"""`liveline export-html SLUG DIR`: the static snapshot, served by `python -m http.server`,
shows every post in Chromium and asks nothing of Liveline (which is not even running)."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from liveline.model import Role
from liveline.values import BlogIn, BlogPatch, PostIn
from tests import test_live_page
from tests.conftest import free_port, invoke_cli

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
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "liveline.css"]

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(out)],
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
    finally:
        server.terminate()
        server.wait(timeout=10)
