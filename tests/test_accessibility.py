"""axe-core (the npm package, installed by `make axe`) finds no violation on the reader page
(with its summary and key events), a post's page, the embed and a closed blog's page, light
and dark. The console's pages: tests/test_console_accessibility.py."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.browsers import Newsroom
from tests.harness import IN_CI

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[1] / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
SCHEMES = ("light", "dark")


def needs_axe() -> None:
    if not AXE.exists():
        reason = f"no axe-core at {AXE}; run 'make axe' (needs npm)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)


def axe_on(page: Page) -> list[str]:
    """axe's violations on the page as it shows now (axe already added to it)."""
    found, passed = page.evaluate("axe.run(document).then(r => [r.violations, r.passes.length])")
    assert passed > 10, f"axe did not look at {page.url}"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {json.dumps([n['target'] for n in v['nodes']])}"
        for v in found
    ]


def opened_for_axe(page: Page, url: str, live: bool, idle: bool = False) -> Page:
    """`url` loaded in `page`, axe in it: once its stream is up (`live`), or once the network
    has been idle for half a second (`idle`: the console's pages fill in after they load).
    A page that loaded others before holds nothing of theirs (a new document each time), and
    costs Chromium a third of what a new page does."""
    page.goto(url)
    if live:
        page.wait_for_selector("html[data-live]")
    if idle:
        page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    return page


def per_scheme(found: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
    """{page: {scheme: violations}} turned into {scheme: {page: violations}}."""
    return {scheme: {page: seen[scheme] for page, seen in found.items()} for scheme in SCHEMES}


def violations_in_each_scheme(
    page: Page, url: str, live: bool, idle: bool = False
) -> dict[str, list[str]]:
    """axe on one load of the page, light and then dark. Dark is the browser's preference
    emulated on the loaded page: our styles follow prefers-color-scheme and no script asks,
    so axe finds there exactly what it finds in a browser that was dark from the start."""
    opened_for_axe(page, url, live, idle)
    found = {}
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        found[scheme] = axe_on(page)
    return found


def violations(browser: Browser, url: str, scheme: str, live: bool) -> list[str]:
    needs_axe()
    # Our CSP runs our own scripts only: axe is let in by the test's browser, not the page.
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)  # type: ignore[arg-type]
    found = axe_on(opened_for_axe(context.new_page(), url, live))
    context.close()
    return found


@pytest.fixture(scope="module")
def reader_pages_found() -> dict[str, dict[str, list[str]]]:
    """What axe found on each page, by scheme: filled by the first test here to run, which
    looks at each page in both schemes on one load."""
    return {}


def look_at_the_reader_pages(
    browser: Browser, newsroom: Newsroom
) -> dict[str, dict[str, list[str]]]:
    desk, posts = newsroom.new_blog("Storm makes landfall", "Power out downtown")
    desk.publish("Governor declares an emergency", "It covers **12 counties**.", key_event=True)
    desk.publish("Where to find shelter", "Schools in Zone A are open.", pinned=True)
    summary = httpx.put(  # "What we know", above the posts
        f"{desk.url}/api/blogs/{desk.slug}/summary",
        json={"summary": "- Landfall at 2 p.m.\n- Winds of **90 mph**"},
        headers={**desk.headers, "If-Match": '"0"'},
    )
    assert summary.status_code == 200, summary.text
    base = f"{desk.url}/blogs/{desk.slug}"
    pages = {
        "reader page": (base, True),
        "post page": (f"{base}/posts/{posts[0]['id']}", False),
        "embed": (f"{base}/embed", True),
        "key events only": (f"{base}?filter=key", True),
    }
    # Our CSP runs our own scripts only: axe is let in by the test's browser, not the page.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()  # each page loaded in turn in the one tab
    found = {
        name: violations_in_each_scheme(page, url, live) for name, (url, live) in pages.items()
    }
    context.close()
    return per_scheme(found)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_finds_nothing_on_the_reader_pages(
    browser: Browser,
    newsroom: Newsroom,
    scheme: str,
    reader_pages_found: dict[str, dict[str, list[str]]],
) -> None:
    needs_axe()
    if not reader_pages_found:
        reader_pages_found.update(look_at_the_reader_pages(browser, newsroom))
    problems = reader_pages_found[scheme]
    assert problems == {
        name: [] for name in ("reader page", "post page", "embed", "key events only")
    }
