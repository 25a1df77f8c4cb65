"""axe-core (the npm package, installed by `make axe`) finds no violation on the reader page
(with its summary and key events), a post's page, the embed and a closed blog's page, light
and dark. The console's pages: tests/test_console_accessibility.py."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from tests.browsers import Newsroom
from tests.conftest import IN_CI

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[1] / ".axe" / "node_modules" / "axe-core" / "axe.min.js"


def violations(browser: Browser, url: str, scheme: str, live: bool) -> list[str]:
    if not AXE.exists():
        reason = f"no axe-core at {AXE}; run 'make axe' (needs npm)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    # Our CSP runs our own scripts only: axe is let in by the test's browser, not the page.
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(url)
    if live:
        page.wait_for_selector("html[data-live]")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document).then(r => [r.violations, r.passes.length])")
    context.close()
    found, passed = result
    assert passed > 10, "axe did not look at the page"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {json.dumps([n['target'] for n in v['nodes']])}"
        for v in found
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_reader_pages(
    browser: Browser, newsroom: Newsroom, scheme: str
) -> None:
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
    problems = {name: violations(browser, url, scheme, live) for name, (url, live) in pages.items()}
    assert problems == {name: [] for name in pages}
