"""axe-core (the npm package, installed by `make axe`) finds no violation on the console's
pages: sign-in, the blogs list, a blog's desk, a post's edit page and its history, the people
page, the account page and a blog's settings (with its summary, versions and embed snippet),
light and dark."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.harness import LiveServer, auth
from tests.newsroom import cheap_hashing  # noqa: F401  (passwords hashed and checked cheaply)
from tests.test_accessibility import SCHEMES, needs_axe, per_scheme, violations_in_each_scheme

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


def sign_in(page: Page, server: LiveServer) -> None:
    """Through the sign-in form, as a person would."""
    page.goto(f"{server.url}/login")
    page.fill("#name", "ana")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{server.url}/edit")


def violations(page: Page, url: str) -> dict[str, list[str]]:
    """axe on the page once it is done loading, in each scheme (tests/test_accessibility.py)."""
    return violations_in_each_scheme(page, url, live=False, idle=True)


@pytest.fixture(scope="module")
def console_pages_found() -> dict[str, dict[str, list[str]]]:
    """What axe found on each page, by scheme: filled by the first test here to run, which
    looks at each page in both schemes on one load."""
    return {}


PAGES = ("sign-in", "blogs list", "desk", "post edit", "history", "people", "account", "settings")


def look_at_the_console_pages(
    browser: Browser, server: LiveServer
) -> dict[str, dict[str, list[str]]]:
    # Our CSP runs our own scripts only: axe is let in by the test's browser, not the page.
    # One tab loads each page in turn: the sign-in page, signed out, then the rest.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    found = {"sign-in": violations(page, f"{server.url}/login")}
    sign_in(page, server)
    post = server.extra_env["POST"]
    paths = {
        "blogs list": "/edit",
        "desk": "/edit/storm",
        "post edit": f"/edit/storm/posts/{post}",
        "history": f"/edit/storm/posts/{post}/history",
        "people": "/edit/_people",
        "account": "/edit/_account",
        "settings": "/edit/storm/settings",
    }
    for name, path in paths.items():
        found[name] = violations(page, server.url + path)
    context.close()
    return per_scheme(found)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_finds_nothing_on_the_console_pages(
    browser: Browser,
    server: LiveServer,
    scheme: str,
    console_pages_found: dict[str, dict[str, list[str]]],
) -> None:
    needs_axe()
    if not console_pages_found:
        console_pages_found.update(look_at_the_console_pages(browser, server))
    assert console_pages_found[scheme] == {name: [] for name in PAGES}
