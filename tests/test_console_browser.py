"""The console in a real browser (headless Chromium) on a real server: Ctrl+Enter to
publish while a reader watches, a post published offline going out once, a reload keeping
the text, and the desk at desktop and phone width (screenshots for the README)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.browsers import keep_screenshot, signed_in_context
from tests.harness import LiveServer
from tests.newsroom import cheap_hashing  # noqa: F401  (passwords hashed and checked cheaply)
from tests.test_live_page import SOON, open_live_page
from tests.test_stream import Desk

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    where = tmp_path_factory.mktemp("console-browser")
    live = LiveServer(
        f"sqlite:///{where / 'live.db'}",
        where / "server.log",
        extra_env={"LIVELINE_SECRET_KEY": "browser-test-secret-key-0123456789"},
    )
    live.start()
    token = live.colleague("ana", "editor", PASSWORD, "Ana Ruiz")
    made = httpx.post(
        f"{live.url}/api/blogs",
        json={"slug": "storm", "title": "Hurricane Delphine makes landfall",
              "authors": ["Ana Ruiz", "Tomas Whitfield"], "organization": "Calder Coast News"},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    live.extra_env["TOKEN"] = token
    yield live
    live.stop()


def signed_in(browser: Browser, server: LiveServer, **options: object) -> BrowserContext:
    return signed_in_context(browser, server.url, "ana", PASSWORD, **options)


def headlines(server: LiveServer) -> list[str]:
    posts = httpx.get(f"{server.url}/api/blogs/storm/posts?limit=200").json()["posts"]
    return [post["headline"] for post in posts]


def write(page: Page, headline: str, body: str) -> None:
    page.fill("#compose-headline", headline)
    page.fill("#compose-body", body)


def test_ctrl_enter_publishes_and_a_reader_sees_it_arrive(browser: Browser, server) -> None:
    reader = open_live_page(browser.new_page(), Desk(server.url, "storm", {}))
    context = signed_in(browser, server)
    desk = context.new_page()
    desk.goto(f"{server.url}/edit/storm")
    write(desk, "Storm surge tops the sea wall", "Water is **knee-deep** on Front Street.")
    desk.press("#compose-body", "Control+Enter")

    expect(
        reader.locator("#posts article.post h2", has_text="Storm surge tops the sea wall")
    ).to_be_visible(timeout=SOON)
    expect(reader.locator("#posts article.post strong", has_text="knee-deep")).to_be_visible()
    desk.wait_for_url("**/edit/storm?saved=*")
    expect(desk.locator("#compose-headline")).to_have_value("")
    assert headlines(server).count("Storm surge tops the sea wall") == 1
    context.close()
    reader.close()


def test_a_post_published_offline_goes_out_once_when_the_connection_returns(
    browser: Browser,
    server,
) -> None:
    context = signed_in(browser, server)
    desk = context.new_page()
    desk.goto(f"{server.url}/edit/storm")
    context.set_offline(True)
    write(desk, "Written on the train", "No signal between stations.")
    desk.click("button[value=publish]")
    expect(desk.locator("#compose-status")).to_contain_text("Waiting for connection", timeout=SOON)
    time.sleep(1)
    assert "Written on the train" not in headlines(server)

    context.set_offline(False)
    desk.wait_for_url("**/edit/storm?saved=*", timeout=10_000)
    time.sleep(1)  # a retry racing the first send would show here
    assert headlines(server).count("Written on the train") == 1
    context.close()


def test_a_colleagues_post_appears_on_the_desk_without_a_reload(browser: Browser, server) -> None:
    context = signed_in(browser, server)
    desk = context.new_page()
    desk.goto(f"{server.url}/edit/storm")
    desk.fill("#compose-headline", "My own half-written post")
    token = {"Authorization": f"Bearer {server.extra_env['TOKEN']}"}
    httpx.post(f"{server.url}/api/blogs/storm/posts", headers=token,
               json={"headline": "A colleague's scoop", "body": "Breaking."})  # fmt: skip
    expect(desk.locator("#desk-posts")).to_contain_text("A colleague's scoop", timeout=SOON)
    expect(desk.locator("#compose-headline")).to_have_value("My own half-written post")
    context.close()


def test_at_in_the_byline_suggests_colleagues_by_keyboard(browser: Browser, server) -> None:
    server.cli("user", "add", "tomas", "--role", "reporter", "--display-name", "Tomas Whitfield")
    context = signed_in(browser, server)
    desk = context.new_page()
    desk.goto(f"{server.url}/edit/storm")
    desk.click("#compose-authors")
    desk.keyboard.press("End")
    desk.keyboard.type(", @tom")
    expect(desk.locator("#compose-authors-names [role=option]")).to_have_text(
        ["Tomas Whitfield (@tomas)"], timeout=SOON
    )
    desk.keyboard.press("Enter")
    expect(desk.locator("#compose-authors")).to_have_value("Ana Ruiz, Tomas Whitfield, ")
    expect(desk.locator("#compose-authors-names")).to_be_hidden()
    context.close()


def test_a_slow_answer_never_reopens_the_names_after_a_pick(browser: Browser, server) -> None:
    """On a slow connection the colleagues' names arrive after several keystrokes: the page
    asks once, and nothing that lands after a pick opens the list again."""
    server.cli("user", "add", "tomasz", "--role", "reporter", "--display-name", "Tomasz Nowak")
    context = signed_in(browser, server)
    desk = context.new_page()
    asked: list[str] = []

    def slowly(route: Route) -> None:
        asked.append(route.request.url)
        answer = route.fetch()
        time.sleep(0.3 if len(asked) == 1 else 0.8)  # later asks would come back later still
        route.fulfill(response=answer)

    desk.route("**/edit/_names", slowly)
    desk.goto(f"{server.url}/edit/storm")
    desk.click("#compose-authors")
    desk.keyboard.press("End")
    desk.keyboard.type(", @tomasz")  # every key before the first answer lands
    expect(desk.locator("#compose-authors-names [role=option]")).to_have_text(
        ["Tomasz Nowak (@tomasz)"], timeout=SOON
    )
    desk.keyboard.press("Enter")
    expect(desk.locator("#compose-authors")).to_have_value("Ana Ruiz, Tomasz Nowak, ")
    desk.wait_for_timeout(1_200)  # past when a second ask would have been answered
    expect(desk.locator("#compose-authors-names")).to_be_hidden(timeout=1)
    assert len(asked) == 1, asked
    context.close()


def test_a_failed_ask_for_the_names_is_asked_again(browser: Browser, server) -> None:
    server.cli("user", "add", "tomek", "--role", "reporter", "--display-name", "Tomek Lis")
    context = signed_in(browser, server)
    desk = context.new_page()
    answers: list[int] = []

    def first_fails(route: Route) -> None:
        if not answers:
            answers.append(503)
            route.fulfill(status=503, body="busy")
        else:
            answers.append(200)
            route.continue_()

    desk.route("**/edit/_names", first_fails)
    desk.goto(f"{server.url}/edit/storm")
    desk.click("#compose-authors")
    desk.keyboard.press("End")
    with desk.expect_response("**/edit/_names"):
        desk.keyboard.type(", @")
    expect(desk.locator("#compose-authors-names")).to_be_hidden()  # nothing to show
    desk.keyboard.type("tomek")
    expect(desk.locator("#compose-authors-names [role=option]")).to_have_text(
        ["Tomek Lis (@tomek)"], timeout=SOON
    )
    assert answers[0] == 503 and 200 in answers
    context.close()


def test_a_reload_mid_sentence_keeps_the_text(browser: Browser, server) -> None:
    context = signed_in(browser, server)
    desk = context.new_page()
    desk.goto(f"{server.url}/edit/storm")
    desk.fill("#compose-headline", "Shelters fill up")
    desk.type("#compose-body", "The high school gym has room for")
    desk.reload()
    expect(desk.locator("#compose-headline")).to_have_value("Shelters fill up")
    expect(desk.locator("#compose-body")).to_have_value("The high school gym has room for")
    context.close()


def test_two_editors_edit_one_post_and_the_second_merges_from_both_versions(
    browser: Browser,
    server,
) -> None:
    token = {"Authorization": f"Bearer {server.extra_env['TOKEN']}"}
    post = httpx.post(f"{server.url}/api/blogs/storm/posts",
                      json={"headline": "Bridge closed", "body": "Police say."},
                      headers=token).json()  # fmt: skip
    first, second = signed_in(browser, server), signed_in(browser, server)
    pages = [context.new_page() for context in (first, second)]
    for page in pages:
        page.goto(f"{server.url}/edit/storm/posts/{post['id']}")
    pages[0].fill("#edit-body", "Police say the bridge is closed until noon.")
    pages[0].press("#edit-body", "Control+Enter")
    pages[0].wait_for_url("**/edit/storm?saved=*")

    pages[1].fill("#edit-headline", "Bridge closed in both directions")
    pages[1].press("#edit-headline", "Control+Enter")
    expect(pages[1].locator("#edit-error")).to_be_visible(timeout=SOON)
    expect(pages[1].locator("#saved-version")).to_contain_text("closed until noon")
    expect(pages[1].locator("#edit-headline")).to_have_value("Bridge closed in both directions")
    pages[1].fill("#edit-body", "Police say the bridge is closed until noon, both ways.")
    pages[1].press("#edit-body", "Control+Enter")
    pages[1].wait_for_url("**/edit/storm?saved=*")

    merged = httpx.get(f"{server.url}/api/blogs/storm/posts/{post['id']}").json()
    assert merged["headline"] == "Bridge closed in both directions"
    assert merged["body"] == "Police say the bridge is closed until noon, both ways."
    assert merged["version"] == 3
    first.close()
    second.close()


@pytest.mark.parametrize(
    ("name", "viewport"),
    [
        ("console-desk", {"width": 1280, "height": 800}),
        ("console-phone", {"width": 390, "height": 844}),
    ],
)
def test_the_desk_at_desktop_and_phone_width(
    browser: Browser,
    server: LiveServer,
    name: str,
    viewport: dict[str, int],
) -> None:
    context = signed_in(browser, server, viewport=viewport, device_scale_factor=1)
    desk = context.new_page()
    desk.goto(f"{server.url}/edit/storm")
    # By keyboard: the first Tab offers to skip to the desk itself.
    desk.keyboard.press("Tab")
    assert desk.evaluate("document.activeElement.textContent") == "Skip to content"
    # Nothing wider than the screen: the phone must never scroll sideways.
    width = desk.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the desk is {width}px wide at {viewport['width']}px"
    desk.fill("#compose-headline", "Power returns to the east side")
    desk.fill(
        "#compose-body", "Calder Electric says crews restored **12,000** customers overnight."
    )
    # The live preview is the reader page's rendering, fetched as the writer types.
    expect(desk.locator(".console-preview strong")).to_have_text("12,000", timeout=SOON)
    keep_screenshot(desk, f"{name}.png", full_page=True)  # the README's, when asked for

    context.close()


def test_a_colleagues_draft_and_a_contribution_appear_on_the_editors_desk_live(
    browser: Browser,
    server: LiveServer,
) -> None:
    """The desk follows the console's own stream: a reporter's draft reaches the editor's
    Drafts tab, and a contribution the Waiting count, in seconds (the fallback is 20 s)."""
    server.cli("user", "add", "ben", "--role", "reporter", "--display-name", "Ben Ong")
    server.cli("user", "add", "cy", "--role", "contributor")
    ben = server.cli("token", "create", "ben").stdout.strip().splitlines()[-1]
    cy = server.cli("token", "create", "cy").stdout.strip().splitlines()[-1]
    context = signed_in(browser, server)
    page = context.new_page()
    with page.expect_response(lambda response: "/edit/storm/events" in response.url):
        page.goto(f"{server.url}/edit/storm?tab=drafts")
    for token, status, headline in ((ben, "draft", "Ben's draft on the levee"),
                                    (cy, "submitted", "From a reader at the pier")):  # fmt: skip
        made = httpx.post(
            f"{server.url}/api/blogs/storm/posts",
            json={"headline": headline, "body": "Words.", "status": status},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert made.status_code == 201, made.text
    expect(page.locator("#desk-posts")).to_contain_text("Ben's draft on the levee", timeout=6000)
    expect(page.locator(".desk-tabs")).to_contain_text("Waiting (1)", timeout=6000)
    context.close()


def test_axe_finds_nothing_on_the_token_page_with_a_new_token(
    browser: Browser,
    server: LiveServer,
) -> None:
    from tests.test_accessibility import AXE

    if not AXE.exists():
        pytest.skip(f"no axe-core at {AXE}; run 'make axe' (needs npm)")
    context = signed_in(browser, server, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server.url}/edit/_tokens")
    page.fill("#label", "the results script")
    page.click("text=Create a token")
    expect(page.locator("#new-token")).to_have_value(re.compile(r"^ll_"))
    page.add_script_tag(path=str(AXE))
    found, passed = page.evaluate("axe.run(document).then(r => [r.violations, r.passes.length])")
    context.close()
    assert passed > 10
    assert [f"{v['id']}: {v['help']}" for v in found] == []
