"""The reader's page in headless Chromium, for what issue 11 added: links that land on their
post, the key-events box kept live, "Load more" that stays on the live page, and a page that
tells its state (a dropped connection, an ended blog, a reopened one)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browsers import Newsroom, keep_screenshot
from tests.harness import LiveServer, auth
from tests.test_live_page import LONG_BODY, SOON, open_live_page, post_ids
from tests.test_stream import TIMEOUT, Desk

pytestmark = pytest.mark.browser
QUICK = "window.livelineTiming = {watch: 300, backoff: 300};"  # the page's timers, shortened
# Counts the streams a page opens and how many are still open.
STREAMS = """
  window.streams = [];
  const Real = window.EventSource;
  window.EventSource = function (url) {
    const s = new Real(url); window.streams.push(s); return s;
  };
  window.EventSource.CLOSED = Real.CLOSED;
"""


def open_streams(page: Page) -> int:
    return int(page.evaluate("window.streams.filter(s => s.readyState !== 2).length"))


def test_a_permalink_to_the_45th_of_60_posts_opens_with_it_on_screen(
    browser: Browser, newsroom: Newsroom
) -> None:
    desk, posts = newsroom.new_blog(*(f"Update {i + 1}" for i in range(60)), body=LONG_BODY)
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    for target in (posts[44], posts[4]):  # on the first page; on the second (of three)
        page.goto(f"{desk.url}/blogs/{desk.slug}?post={target['id']}")
        expect(page.locator(f"#post-{target['id']}")).to_be_in_viewport(timeout=SOON)
    expect(page.locator(".newer-posts")).to_be_visible()  # newer posts are a link above
    expect(page.locator("html")).to_have_attribute("data-live", "on", timeout=SOON)
    latest = desk.publish("Bridge closed")
    expect(page.locator("#new-updates")).to_have_text("1 new update", timeout=SOON)
    page.locator("#new-updates").click()  # this page is not where the newest posts are
    page.wait_for_selector(f"#posts > #post-{latest['id']}", timeout=SOON)
    assert post_ids(page)[0] == latest["id"]
    page.goto(f"{desk.url}/blogs/{desk.slug}/posts/{posts[44]['id']}")  # its own page
    expect(page.locator("h1")).to_have_text("Update 45")
    page.get_by_role("link", name="See this post in the live blog").click()
    expect(page.locator(f"#posts > #post-{posts[44]['id']}")).to_be_in_viewport(timeout=SOON)
    page.close()


def test_share_copies_the_posts_own_link_where_there_is_no_share_sheet(
    browser: Browser, newsroom: Newsroom
) -> None:
    desk, (post,) = newsroom.new_blog("Bridge closed")
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.add_init_script("delete Navigator.prototype.share;")
    open_live_page(page, desk)
    share = page.locator(f"#post-{post['id']} .post__share")
    share.click()
    expect(share).to_have_text("Link copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{desk.url}/blogs/{desk.slug}/posts/{post['id']}"
    context.close()


def test_a_new_key_post_appears_in_the_key_events_box(browser: Browser, newsroom: Newsroom) -> None:
    desk, (plain,) = newsroom.new_blog("Winds pick up")
    page = open_live_page(browser.new_page(), desk)
    expect(page.locator("#key-events")).to_be_hidden()

    key = desk.publish("Evacuation ordered", key_event=True)

    item = page.locator(f"#key-events-list > li[data-post-id='{key['id']}']")
    expect(item).to_be_visible(timeout=SOON)
    expect(item.locator(".key-events__headline")).to_have_text("Evacuation ordered")
    expect(item.locator("time")).to_have_text(
        page.locator(f"#post-{key['id']} .post__time time").inner_text().split(",")[0]
    )
    desk.edit(plain, key_event=True)
    expect(page.locator("#key-events-list > li")).to_have_count(2, timeout=SOON)
    assert page.locator("#key-events-list > li").first.get_attribute("data-post-id") == str(
        key["id"]
    )  # newest first
    page.close()


def test_key_events_only_keeps_out_other_posts_live(browser: Browser, newsroom: Newsroom) -> None:
    desk, _ = newsroom.new_blog("Winds pick up")
    key = desk.publish("Evacuation ordered", key_event=True)
    page = open_live_page(browser.new_page(), desk, "?filter=key")
    assert post_ids(page) == [key["id"]]
    plain = desk.publish("Traffic slow")
    later = desk.publish("Curfew from 8 p.m.", key_event=True)
    page.wait_for_selector(f"#posts > #post-{later['id']}", timeout=SOON)
    assert post_ids(page) == [later["id"], key["id"]]
    assert page.locator(f"#post-{plain['id']}").count() == 0
    page.close()


def test_load_more_stays_on_the_live_page_and_it_keeps_following(
    browser: Browser, newsroom: Newsroom
) -> None:
    desk, posts = newsroom.new_blog(*(f"Update {i}" for i in range(25)))
    page = open_live_page(browser.new_page(), desk)
    url = page.url
    assert len(post_ids(page)) == 20

    page.get_by_role("link", name="Load more").click()

    expect(page.locator("#posts > article.post")).to_have_count(25, timeout=SOON)
    assert page.url == url
    assert post_ids(page) == [p["id"] for p in reversed(posts)]
    expect(page.locator("#load-more")).to_have_count(0)  # nothing more to load
    page.evaluate("window.scrollTo(0, 0)")
    post = desk.publish("Bridge closed")
    page.wait_for_selector(f"#posts > #post-{post['id']}", timeout=SOON)
    assert post_ids(page)[0] == post["id"]
    page.close()


def test_new_posts_are_announced_in_a_polite_live_region(
    browser: Browser, newsroom: Newsroom
) -> None:
    desk, _ = newsroom.new_blog(*(f"Update {i}" for i in range(4)), body=LONG_BODY)
    page = open_live_page(browser.new_page(viewport={"width": 800, "height": 500}), desk)
    region = page.locator("#live-status")
    assert region.get_attribute("aria-live") == "polite"
    desk.publish("Evacuation ordered")
    expect(region).to_have_text("New post: Evacuation ordered", timeout=SOON)
    page.mouse.wheel(0, 1500)
    page.wait_for_function("window.scrollY >= 1000")
    desk.publish("Bridge closed")
    expect(region).to_have_text("1 new update above", timeout=SOON)  # and not moved focus
    page.close()


def test_times_say_how_long_ago(browser: Browser, newsroom: Newsroom) -> None:
    desk, (post,) = newsroom.new_blog("Winds pick up")
    page = open_live_page(browser.new_page(), desk)
    expect(page.locator(f"#post-{post['id']} .post__ago")).to_have_text("Just now")
    page.close()


def test_a_corrected_time_moves_the_post_live(browser: Browser, newsroom: Newsroom) -> None:
    desk, (first, second, third) = newsroom.new_blog("One", "Two", "Three")
    page = open_live_page(browser.new_page(), desk)
    assert post_ids(page) == [third["id"], second["id"], first["id"]]
    desk.edit(third, published_at="2020-01-01T00:00:00+00:00")
    expect(page.locator("#posts > article.post").last).to_have_id(
        f"post-{third['id']}", timeout=SOON
    )
    assert post_ids(page) == [second["id"], first["id"], third["id"]]
    page.close()


def test_a_closed_blog_says_it_ended_holds_no_stream_and_resumes_when_reopened(
    browser: Browser, newsroom: Newsroom
) -> None:
    desk, _ = newsroom.new_blog("Polls open")
    page = browser.new_page()
    page.add_init_script(QUICK + STREAMS)
    open_live_page(page, desk)
    blog_url = f"{desk.url}/api/blogs/{desk.slug}"

    closed = httpx.patch(blog_url, json={"status": "closed"}, headers=desk.headers)
    assert closed.status_code == 200, closed.text

    expect(page.locator("#live-notice")).to_have_text("This live coverage has ended.", timeout=SOON)
    expect(page.locator("html")).to_have_attribute("data-live", "ended")
    assert open_streams(page) == 0
    page.wait_for_timeout(1000)  # a few of the (shortened) looks for a reopening
    assert open_streams(page) == 0

    reopened = httpx.patch(blog_url, json={"status": "open"}, headers=desk.headers)
    assert reopened.status_code == 200, reopened.text
    expect(page.locator("html")).to_have_attribute("data-live", "on", timeout=SOON)
    expect(page.locator("#blog-live")).to_have_text("Live")
    post = desk.publish("Counting begins")
    page.wait_for_selector(f"#posts > #post-{post['id']}", timeout=SOON)
    page.close()


def test_a_page_opened_on_an_ended_blog_says_so_without_javascript(
    browser: Browser, newsroom: Newsroom
) -> None:
    desk, _ = newsroom.new_blog("Polls open")
    closed = httpx.patch(
        f"{desk.url}/api/blogs/{desk.slug}", json={"status": "closed"}, headers=desk.headers
    )
    assert closed.status_code == 200
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{desk.url}/blogs/{desk.slug}")
    expect(page.locator("#live-notice")).to_have_text("This live coverage has ended.")
    context.close()


def test_a_dropped_connection_is_shown_and_the_page_resumes_with_nothing_missed(
    browser: Browser, live_server: LiveServer
) -> None:
    headers = auth(live_server.token("editor", "editor"))
    created = httpx.post(
        f"{live_server.url}/api/blogs",
        json={"slug": "storm", "title": "Storm watch"},
        headers=headers,
        timeout=TIMEOUT,
    )
    assert created.status_code == 201
    desk = Desk(live_server.url, "storm", headers)
    first = desk.publish("Winds pick up")
    page = browser.new_page()
    page.add_init_script(QUICK)
    open_live_page(page, desk)

    live_server.stop()
    notice = page.locator("#live-notice")
    expect(notice).to_have_text("Connection lost. Trying to reconnect…", timeout=SOON)

    live_server.start()
    missed = desk.publish("Published while the page was away")
    expect(notice).to_have_text("Back online. You are up to date.", timeout=3 * SOON)
    page.wait_for_selector(f"#posts > #post-{missed['id']}", timeout=SOON)
    after = desk.publish("Bridge closed")
    page.wait_for_selector(f"#posts > #post-{after['id']}", timeout=SOON)
    assert post_ids(page) == [after["id"], missed["id"], first["id"]]
    page.close()


def test_screenshots_of_the_reader_page(browser: Browser, newsroom: Newsroom) -> None:
    """The README's pictures, light and dark, desktop and phone (taken when asked for:
    LIVELINE_UPDATE_SCREENSHOTS=1 writes them into docs/); in each the page is no wider than
    the screen, and no request leaves for another origin."""
    desk, _ = newsroom.new_blog()
    desk.publish("Storm makes landfall near Cedar Key", "Winds of **110 mph** were measured.")
    desk.publish(
        "Governor declares a state of emergency",
        "The order covers **12 counties**.\n\nMore background: the last such order was in 2019.",
        authors=["Ana Ruiz", "Ben Ode"],
        location="Tallahassee",
        contributors=["Cy Park"],
        key_event=True,
    )
    desk.publish("Power out for 200,000 homes", "Crews expect to restore most by Sunday.")
    edited = desk.publish("Bridge closed", "The causeway is shut in both directions.")
    desk.edit(edited, key_event=True)
    desk.publish("Where to find shelter", "Schools in Zone A are open as shelters.", pinned=True)
    desktop = {"light": "reader-desktop.png", "dark": "reader-dark.png"}
    phone = {"light": "reader-phone.png", "dark": "reader-phone-dark.png"}
    # Each width loaded once, then shown light and dark.
    shots = [({"width": 1280, "height": 1000}, desktop), ({"width": 390, "height": 844}, phone)]
    for viewport, names in shots:
        context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request, seen=requests: seen.append(request.url))
        open_live_page(page, desk)
        for scheme, name in names.items():
            page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
            keep_screenshot(page, name, full_page=False)
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert [url for url in requests if not url.startswith(desk.url)] == []
        context.close()


class HoldingProxy(ThreadingHTTPServer):
    """A proxy that holds every event stream without a byte of answer (as some buffering
    proxies do) and passes everything else on to the server."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.held = threading.Event()
        super().__init__(("127.0.0.1", 0), _Holding)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Holding(BaseHTTPRequestHandler):
    server: HoldingProxy

    def do_GET(self) -> None:
        if self.path.split("?")[0].endswith("/events") and "/api/" not in self.path:
            self.server.held.set()
            time.sleep(30)  # the browser waits in vain; the page must not
            return
        answer = httpx.get(self.server.upstream + self.path, timeout=TIMEOUT)
        self.send_response(answer.status_code)
        for name in ("content-type", "content-security-policy", "etag"):
            if name in answer.headers:
                self.send_header(name, answer.headers[name])
        self.send_header("content-length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_proxy_that_holds_event_streams_leads_the_page_to_poll(
    browser: Browser, newsroom: Newsroom
) -> None:
    desk, (first,) = newsroom.new_blog("Winds pick up")
    proxy = HoldingProxy(desk.url)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        page = browser.new_page()
        page.add_init_script("window.livelineTiming = {openWithin: 1000, poll: 500};")
        page.goto(f"{proxy.url}/blogs/{desk.slug}")
        expect(page.locator("html")).to_have_attribute("data-live", "polling", timeout=SOON)
        assert proxy.held.is_set()
        made = [desk.publish(f"Update {i}") for i in range(3)]
        for post in made:
            page.wait_for_selector(f"#posts > #post-{post['id']}", timeout=SOON)
        assert post_ids(page) == [p["id"] for p in reversed(made)] + [first["id"]]
        page.close()
    finally:
        proxy.shutdown()
        proxy.server_close()
