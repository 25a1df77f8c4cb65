"""The reader's page in headless Chromium behind a proxy that holds event streams back (it
passes the headers on at once, then buffers the body): the page notices that no heartbeat
came within a few of the server's intervals, polls instead, and shows every post exactly
once. And the editors' "What we know" reaching open pages as they save it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from tests.harness import LiveServer, auth
from tests.holding_proxy import HoldingProxy
from tests.test_grip import PROXIED, grip_client, grip_settings  # noqa: F401  (fixtures)
from tests.test_live_page import SOON, post_ids
from tests.test_stream import TIMEOUT, Desk

pytestmark = pytest.mark.browser
HEARTBEAT = 0.5  # s: the server's, shortened; the page's bound is three of them and a second
QUICK_POLL = "window.livelineTiming = {poll: 400};"  # the polling pace only; not the bound


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    where = tmp_path_factory.mktemp("held")
    server = LiveServer(
        f"sqlite:///{where / 'live.db'}",
        where / "server.log",
        extra_env={"LIVELINE_STREAM_HEARTBEAT_SECONDS": str(HEARTBEAT)},
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def editor(server: LiveServer) -> dict[str, str]:
    return auth(server.token("editor", "editor"))


def new_blog(server: LiveServer, editor: dict[str, str], slug: str) -> Desk:
    made = httpx.post(
        f"{server.url}/api/blogs", json={"slug": slug, "title": "Storm watch"}, headers=editor,
        timeout=TIMEOUT,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    return Desk(server.url, slug, editor)


def test_a_held_back_stream_leads_the_page_to_poll_and_show_every_post_once(
    browser: Browser, server: LiveServer, editor: dict[str, str]
) -> None:
    desk = new_blog(server, editor, "held")
    before = [desk.publish(f"Before {i}") for i in range(3)]
    with HoldingProxy(server.port) as proxy:
        page = browser.new_page()
        page.add_init_script(QUICK_POLL)
        page.goto(f"{proxy.url}/blogs/{desk.slug}")
        quiet = int(page.locator("#posts").get_attribute("data-quiet-ms") or 0)
        assert quiet == int(HEARTBEAT * 3 * 1000) + 1000  # a small multiple of the interval
        expect(page.locator("html")).to_have_attribute("data-live", "on", timeout=SOON)
        during = desk.publish("While the stream is held")  # the proxy holds it back
        opened = time.monotonic()
        expect(page.locator("html")).to_have_attribute("data-live", "polling", timeout=quiet + SOON)
        assert time.monotonic() - opened >= quiet / 1000 - 1  # not before the bound
        assert proxy.held_streams >= 1 and proxy.held_bytes > 0  # heartbeats were held too
        page.wait_for_selector(f"#posts > #post-{during['id']}", timeout=SOON)
        after = [desk.publish(f"After {i}") for i in range(3)]
        page.wait_for_selector(f"#posts > #post-{after[-1]['id']}", timeout=SOON)
        page.wait_for_timeout(1000)  # more polls: none may bring a post twice
        expected = [p["id"] for p in reversed([*before, during, *after])]
        assert post_ids(page) == expected
        page.close()


def test_a_stream_that_gets_through_keeps_streaming_past_the_bound(
    browser: Browser, server: LiveServer, editor: dict[str, str]
) -> None:
    desk = new_blog(server, editor, "through")
    page = browser.new_page()
    page.goto(f"{server.url}/blogs/{desk.slug}")
    expect(page.locator("html")).to_have_attribute("data-live", "on", timeout=SOON)
    quiet = int(page.locator("#posts").get_attribute("data-quiet-ms") or 0)
    page.wait_for_timeout(quiet * 2)  # idle: only the heartbeats keep it from polling
    expect(page.locator("html")).to_have_attribute("data-live", "on")
    post = desk.publish("Still streaming")
    page.wait_for_selector(f"#posts > #post-{post['id']}", timeout=SOON)
    page.close()


def save_summary(server: LiveServer, editor: dict[str, str], slug: str, text: str, version: int):
    saved = httpx.put(
        f"{server.url}/api/blogs/{slug}/summary",
        json={"summary": text},
        headers={**editor, "If-Match": f'"{version}"'},
        timeout=TIMEOUT,
    )
    assert saved.status_code == 200, saved.text


def open_page(page: Page, url: str) -> Page:
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("data-live", "on", timeout=SOON)
    return page


def test_what_we_know_reaches_open_pages_as_it_is_saved(
    browser: Browser, server: LiveServer, editor: dict[str, str]
) -> None:
    desk = new_blog(server, editor, "summary-live")
    desk.publish("Winds pick up")
    pages = [
        open_page(browser.new_page(), f"{server.url}/blogs/{desk.slug}"),
        open_page(browser.new_page(), f"{server.url}/blogs/{desk.slug}/embed"),
    ]
    for page in pages:
        expect(page.locator("#summary")).to_be_hidden()
    save_summary(server, editor, desk.slug, "- Winds at **120 mph**\n- Schools closed", 0)
    for page in pages:
        expect(page.locator("#summary")).to_be_visible(timeout=SOON)
        expect(page.locator("#summary-body li")).to_have_count(2)
        expect(page.locator("#summary-body strong")).to_have_text("120 mph")
        assert (
            page.locator("#summary").bounding_box()["y"]
            < page.locator("#posts").bounding_box()["y"]
        )  # type: ignore[index]
    save_summary(server, editor, desk.slug, "- Schools reopen Monday", 1)
    for page in pages:
        expect(page.locator("#summary-body li")).to_have_text(
            ["Schools reopen Monday"], timeout=SOON
        )
    save_summary(server, editor, desk.slug, "", 2)  # emptied: the box goes
    for page in pages:
        expect(page.locator("#summary")).to_be_hidden(timeout=SOON)
        page.close()


def first_lines(url: str, seconds: float) -> list[str]:
    """The stream's lines for `seconds`."""
    lines: list[str] = []
    deadline = time.monotonic() + seconds
    with httpx.stream("GET", url, timeout=httpx.Timeout(5, read=seconds + 5)) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            lines.append(line)
            if time.monotonic() > deadline:
                break
    return lines


def test_heartbeats_are_events_only_for_streams_that_ask(
    server: LiveServer, editor: dict[str, str]
) -> None:
    desk = new_blog(server, editor, "beats")
    url = f"{server.url}/blogs/{desk.slug}/events"
    asked = first_lines(url + "?heartbeat=event", 3 * HEARTBEAT)
    assert asked.count("event: heartbeat") >= 2 and "data: {}" in asked
    plain = first_lines(url, 3 * HEARTBEAT)
    assert plain.count(":") >= 2 and "event: heartbeat" not in plain  # comments, as before
    assert not any(line.startswith("data:") for line in plain)


def test_through_a_grip_proxy_the_keep_alive_is_the_heartbeat_the_page_asked_for(
    grip_client: TestClient,  # noqa: F811
) -> None:
    held = grip_client.get("/blogs/storm/events?heartbeat=event", headers=PROXIED)
    assert held.headers["grip-keep-alive"].startswith(":\\nevent: heartbeat\\ndata: {}\\n\\n;")
    # The next link keeps what the page asked for (and a spread timeout: web/grip.py).
    assert re.fullmatch(
        r"</blogs/storm/events\?heartbeat=event>; rel=next; timeout=\d+", held.headers["grip-link"]
    )
    plain = grip_client.get("/blogs/storm/events", headers=PROXIED)
    assert plain.headers["grip-keep-alive"].startswith(":\\n\\n;")
