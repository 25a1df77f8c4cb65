"""axe-core (the npm package, installed by `make axe`) finds no violation on the console's
pages: sign-in, the blogs list, a blog's desk, a post's edit page and its history, the people
page, the account page and a blog's settings (with its summary, versions and embed snippet),
light and dark."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.conftest import IN_CI, LiveServer, auth
from tests.test_accessibility import AXE

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    where = tmp_path_factory.mktemp("console-axe")
    live = LiveServer(
        f"sqlite:///{where / 'live.db'}",
        where / "server.log",
        extra_env={"LIVELINE_SECRET_KEY": "axe-test-secret-key-0123456789abcdef"},
    )
    live.start()
    headers = auth(live.colleague("ana", "admin", PASSWORD, "Ana Ruiz"))
    live.cli("user", "add", "rita", "--role", "reporter")
    made = httpx.post(
        f"{live.url}/api/blogs", json={"slug": "storm", "title": "Storm watch"}, headers=headers
    )
    assert made.status_code == 201, made.text
    post = httpx.post(
        f"{live.url}/api/blogs/storm/posts",
        json={"headline": "Winds pick up", "body": "Gusts of **80 mph**.", "key_event": True},
        headers=headers,
    ).json()
    httpx.patch(
        f"{live.url}/api/blogs/storm/posts/{post['id']}",
        json={"body": "Gusts of **90 mph**."},
        headers={**headers, "If-Match": f'"{post["version"]}"'},
    )
    for version, text in enumerate(("- Winds pick up", "- Winds at 90 mph\n- Schools shut")):
        saved = httpx.put(
            f"{live.url}/api/blogs/storm/summary",
            json={"summary": text},
            headers={**headers, "If-Match": f'"{version}"'},
        )
        assert saved.status_code == 200, saved.text
    live.extra_env["POST"] = str(post["id"])
    yield live
    live.stop()


def signed_in(browser: Browser, server: LiveServer, scheme: str) -> BrowserContext:
    # Our CSP runs our own scripts only: axe is let in by the test's browser, not the page.
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#name", "ana")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{server.url}/edit")
    page.close()
    return context


def violations(context: BrowserContext, url: str) -> list[str]:
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    found, passed = page.evaluate("axe.run(document).then(r => [r.violations, r.passes.length])")
    page.close()
    assert passed > 10, f"axe did not look at {url}"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {json.dumps([n['target'] for n in v['nodes']])}"
        for v in found
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_console_pages(
    browser: Browser, server: LiveServer, scheme: str
) -> None:
    if not AXE.exists():
        reason = f"no axe-core at {AXE}; run 'make axe' (needs npm)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    signed_out = browser.new_context(bypass_csp=True, color_scheme=scheme)  # type: ignore[arg-type]
    problems = {"sign-in": violations(signed_out, f"{server.url}/login")}
    signed_out.close()
    context = signed_in(browser, server, scheme)
    post = server.extra_env["POST"]
    pages = {
        "blogs list": "/edit",
        "desk": "/edit/storm",
        "post edit": f"/edit/storm/posts/{post}",
        "history": f"/edit/storm/posts/{post}/history",
        "people": "/edit/_people",
        "account": "/edit/_account",
        "settings": "/edit/storm/settings",
    }
    for name, path in pages.items():
        problems[name] = violations(context, server.url + path)
    context.close()
    assert problems == {name: [] for name in ("sign-in", *pages)}
