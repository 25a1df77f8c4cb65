"""The reader page in a real browser (headless Chromium) following a real server.

An editor publishes, edits, pins and deletes through the JSON API; the test watches the
page a reader has open. The browser is the system's Chromium: this file never downloads one.
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests import browsers
from tests.browsers import Newsroom, keep_screenshot
from tests.test_stream import TIMEOUT, Desk

pytestmark = pytest.mark.browser
# The `browser` and `newsroom` fixtures are tests/browsers.py's; test_export_html.py takes
# the browser from here.
browser = browsers.browser

SOON = 5_000  # ms: how long a live update may take to show
LONG_BODY = "\n\n".join(
    ["Rain bands are moving inland, and officials urge residents to stay off the roads."] * 6
)


def open_live_page(page: Page, desk: Desk, query: str = "") -> Page:
    page.goto(f"{desk.url}/blogs/{desk.slug}{query}")
    expect(page.locator("html")).to_have_attribute("data-live", "on", timeout=SOON)
    return page


def post_ids(page: Page, section: str = "#posts") -> list[int]:
    ids = page.locator(f"{section} > article.post").evaluate_all("els => els.map(e => e.id)")
    return [int(i.removeprefix("post-")) for i in ids]


def reloaded_header(desk: Desk) -> dict[str, str]:
    """What a fresh load of the page says in its header: the live page must say the same."""
    html = httpx.get(f"{desk.url}/blogs/{desk.slug}", timeout=TIMEOUT).text
    updated = re.search(r'<time id="blog-updated" datetime="([^"]+)">([^<]+)</time>', html)
    count = re.search(r'id="blog-count">([^<]+)<', html)
    return {"datetime": updated[1], "updated": updated[2], "count": count[1]}


def test_a_published_post_appears_at_the_top(browser: Browser, newsroom: Newsroom) -> None:
    desk, posts = newsroom.new_blog("Storm makes landfall", "Power out downtown")
    page = open_live_page(browser.new_page(), desk)
    assert post_ids(page) == [posts[1]["id"], posts[0]["id"]]

    post = desk.publish("Evacuation ordered", "Leave **now**.")

    page.wait_for_selector(f"#posts > article#post-{post['id']}", timeout=SOON)
    assert post_ids(page)[0] == post["id"]
    expect(page.locator(f"#post-{post['id']} strong")).to_have_text("now")
    expect(page.locator("#blog-count")).to_have_text("3 Posts")
    expect(page.locator("#new-updates")).to_be_hidden()
    page.close()


def test_a_reader_further_down_gets_a_button_and_keeps_their_place(
    browser: Browser, newsroom: Newsroom
) -> None:
    desk, posts = newsroom.new_blog(*(f"Update {i}" for i in range(15)), body=LONG_BODY)
    page = open_live_page(browser.new_page(viewport={"width": 800, "height": 600}), desk)
    page.mouse.wheel(0, 2500)
    page.wait_for_function("window.scrollY >= 2500")
    reading = page.locator(f"#post-{posts[10]['id']}")
    scroll_before = page.evaluate("window.scrollY")
    place_before = reading.bounding_box()["y"]

    post = desk.publish("Bridge closed", body=LONG_BODY)

    button = page.locator("#new-updates")
    expect(button).to_be_visible(timeout=SOON)
    expect(button).to_have_text("1 new update")
    expect(page).to_have_title("(1) Storm watch | Liveline")
    expect(page.locator("#blog-count")).to_have_text("16 Posts")
    assert page.locator(f"#post-{post['id']}").count() == 0
    assert reading.bounding_box()["y"] == place_before
    assert page.evaluate("window.scrollY") == scroll_before

    button.click()

    expect(page.locator(f"#post-{post['id']}")).to_be_in_viewport()
    assert post_ids(page)[0] == post["id"]
    expect(button).to_be_hidden()
    expect(page).to_have_title("Storm watch | Liveline")
    page.close()


def test_edits_deletes_and_pins_show_in_place(browser: Browser, newsroom: Newsroom) -> None:
    desk, (first, second, third) = newsroom.new_blog(
        "Winds pick up", "Schools close early", "Shelter opens"
    )
    page = open_live_page(browser.new_page(), desk)
    assert post_ids(page) == [third["id"], second["id"], first["id"]]

    desk.edit(second, headline="Schools close at noon")
    expect(page.locator(f"#post-{second['id']} h2")).to_have_text(
        "Schools close at noon", timeout=SOON
    )
    assert post_ids(page) == [third["id"], second["id"], first["id"]]

    desk.delete(first)
    expect(page.locator(f"#post-{first['id']}")).to_have_count(0, timeout=SOON)
    expect(page.locator("#blog-count")).to_have_text("2 Posts")
    header = reloaded_header(desk)
    expect(page.locator("#blog-updated")).to_have_attribute("datetime", header["datetime"])
    expect(page.locator("#blog-updated")).to_have_text(header["updated"])
    assert header["count"] == "2 Posts"

    desk.edit(third, pinned=True)
    pinned = page.locator(f"#pinned > article#post-{third['id']}")
    expect(pinned).to_be_visible(timeout=SOON)
    expect(pinned.locator(".post__flag")).to_have_text("Pinned")
    assert post_ids(page) == [second["id"]]
    expect(page.locator("#blog-updated")).to_have_attribute(
        "datetime", reloaded_header(desk)["datetime"]
    )
    page.close()


def test_a_retitled_then_closed_blog_says_so_without_a_reload(
    browser: Browser, newsroom: Newsroom
) -> None:
    desk, _ = newsroom.new_blog("Polls open")
    page = open_live_page(browser.new_page(), desk)
    blog_url = f"{desk.url}/api/blogs/{desk.slug}"

    renamed = httpx.patch(blog_url, json={"title": "Results night"}, headers=desk.headers)
    assert renamed.status_code == 200, renamed.text
    expect(page.locator("h1")).to_have_text("Results night", timeout=SOON)
    expect(page).to_have_title("Results night | Liveline")

    closed = httpx.patch(blog_url, json={"status": "closed"}, headers=desk.headers)
    assert closed.status_code == 200, closed.text
    expect(page.locator("#blog-live")).to_have_text("Closed", timeout=SOON)
    expect(page.locator("#live-status")).to_have_text("This live coverage has ended.")
    expect(page.locator("#live-notice")).to_have_text("This live coverage has ended.")
    page.close()


def test_oldest_first_appends_at_the_bottom(browser: Browser, newsroom: Newsroom) -> None:
    desk, posts = newsroom.new_blog("Storm makes landfall", "Power out downtown")
    page = open_live_page(browser.new_page(), desk, "?order=oldest")

    post = desk.publish("Evacuation ordered")

    page.wait_for_selector(f"#posts > article#post-{post['id']}", timeout=SOON)
    assert post_ids(page) == [posts[0]["id"], posts[1]["id"], post["id"]]
    assert page.locator("#new-updates").count() == 0
    page.close()


def test_without_javascript_the_page_shows_posts_and_sorts(
    browser: Browser, newsroom: Newsroom
) -> None:
    desk, posts = newsroom.new_blog("Storm makes landfall", "Power out downtown", "Shelter opens")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{desk.url}/blogs/{desk.slug}")
    newest_first = [p["id"] for p in reversed(posts)]
    assert post_ids(page) == newest_first
    expect(page.locator("#blog-count")).to_have_text("3 Posts")

    page.select_option("#sort-order", "oldest")
    page.get_by_role("button", name="Sort").click()

    page.wait_for_url(re.compile(r"[?&]order=oldest"))
    assert post_ids(page) == newest_first[::-1]
    expect(page.locator("#sort-order")).to_have_value("oldest")
    context.close()


def test_phone_screenshot(browser: Browser, newsroom: Newsroom) -> None:
    desk, _ = newsroom.new_blog("Storm makes landfall")
    desk.publish(
        "Governor declares a state of emergency",
        "The order covers **12 counties**.\n\nMore background: the last such order was in 2019.",
        authors=["Ana Ruiz", "Ben Ode"],
        location="Tallahassee",
        contributors=["Cy Park"],
        key_event=True,
    )
    desk.publish("Where to find shelter", "Schools in Zone A are open as shelters.", pinned=True)
    page = open_live_page(browser.new_page(viewport={"width": 390, "height": 844}), desk)

    keep_screenshot(page, "liveline-phone.png")

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
    page.close()
