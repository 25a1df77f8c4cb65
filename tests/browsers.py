"""Headless Chromium for the browser tests (a pytest plugin, loaded by tests/harness.py).

- `browser`: the system's Chromium (this suite never downloads one), launched once per test
  process and shared by every test that asks for it. Each test makes its own contexts (or
  `browser.new_page()`, a context of its own): nothing a test leaves open outlives it.
- `newsroom`: the session's `shared_server` and an editor who opens a fresh live blog for
  each test, for the reader-page tests that need a server but not a fresh one.

Launching Playwright's driver and Chromium costs about a second of CPU; once per process,
not once per file.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.harness import IN_CI, LiveServer, auth, unique
from tests.test_stream import TIMEOUT, Desk

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Headless Chromium still builds each window's omnibox popup as a WebUI page in a renderer of
# its own (chrome://omnibox-popup.top-chrome), which no test can see or use: measured with
# twelve contexts each loading a live blog, it was 4.1 of the 7.3 renderer CPU-seconds and
# a fifth of the browser process's; without it the whole browser took 9 CPU-s instead of 15.
UNUSED_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup", "WebUIOmniboxFullPopup")
_PLAYWRIGHT_FEATURES = re.compile(r"\bdisabledFeatures\s*=\s*(?:\([^)]*\)\s*=>\s*)?\[(.*?)\]", re.S)


def playwrights_disabled_features() -> list[str]:
    """The features Playwright's driver turns off in Chromium (network calls to Google's
    services among them). Chromium keeps only the last --disable-features it is given, so
    ours must repeat Playwright's; they are read from the installed driver, which no copy
    here could follow from release to release."""
    import playwright

    driver = Path(playwright.__file__).parent / "driver" / "package" / "lib"
    for bundle in sorted(driver.rglob("*.js")):
        text = bundle.read_text(encoding="utf-8", errors="replace")
        if "disabledFeatures" not in text:
            continue
        found = _PLAYWRIGHT_FEATURES.search(text)
        if found:
            return re.findall(r'"([A-Za-z0-9]+)"', found[1])
    raise RuntimeError(f"no list of disabled Chromium features found in Playwright's {driver}")


def chromium_args() -> list[str]:
    features = [*playwrights_disabled_features(), *UNUSED_FEATURES]
    return [*CHROMIUM_ARGS, "--disable-features=" + ",".join(features)]


@dataclass(frozen=True)
class _Chromium:
    browser: Browser
    loop: asyncio.AbstractEventLoop  # Playwright's own


@pytest.fixture(scope="session")
def _chromium() -> Iterator[_Chromium]:
    if not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM}; install Debian's chromium package"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    playwright = sync_playwright().start()
    # Between its calls, Playwright's sync API leaves its event loop marked as this
    # thread's running loop, and asyncio.run() (the CLI commands tests run in-process)
    # refuses to start while one is: the mark is there only while a test has `browser`.
    loop = asyncio.get_running_loop()
    try:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=chromium_args())
        asyncio._set_running_loop(None)
        try:
            yield _Chromium(launched, loop)
        finally:
            asyncio._set_running_loop(loop)
            launched.close()
    finally:
        asyncio._set_running_loop(loop)
        playwright.stop()
        asyncio._set_running_loop(None)


@pytest.fixture
def browser(_chromium: _Chromium) -> Iterator[Browser]:
    asyncio._set_running_loop(_chromium.loop)
    try:
        yield _chromium.browser
        # A page left open (a failed test's) would go on following its server.
        for context in _chromium.browser.contexts:
            context.close()
    finally:
        asyncio._set_running_loop(None)


DOCS_SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def keep_screenshot(page: Page, name: str, **options: Any) -> None:
    """A picture of the page as it is, taken only when pictures are asked for:
    LIVELINE_UPDATE_SCREENSHOTS=1 writes it into docs/screenshots (the README's), and
    LIVELINE_SCREENSHOTS=DIR into DIR. A run asked for none takes none: a picture asserts
    nothing, and each cost Chromium 0.18 CPU-s (0.69 for the whole of the demo blog's page),
    measured in this suite's browser."""
    if os.environ.get("LIVELINE_UPDATE_SCREENSHOTS") == "1":
        where = DOCS_SCREENSHOTS
    elif os.environ.get("LIVELINE_SCREENSHOTS"):
        where = Path(os.environ["LIVELINE_SCREENSHOTS"])
    else:
        return
    where.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(where / name), **options)


CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def signed_in_context(
    browser: Browser, base_url: str, name: str, password: str, **options: object
) -> BrowserContext:
    """A fresh context (with these options) already signed in as `name`.

    The sign-in is made over HTTP as the form makes it (its CSRF token, then the POST), and
    the session cookie it sets is given to the context. A sign-in through the page costs
    Chromium a page and two loads, about a CPU-second on a 2-core machine; the form itself is
    signed in through in the browser by test_console_accessibility and test_translations.
    """
    with httpx.Client(base_url=base_url, timeout=TIMEOUT) as http:
        form = http.get("/login")
        csrf = CSRF.search(form.text)
        assert form.status_code == 200 and csrf, form.text
        signed = http.post(
            "/login", data={"csrf": csrf[1], "name": name, "password": password, "next": "/edit"}
        )
        assert signed.status_code == 303 and signed.headers["location"] == "/edit", signed.text
        session = [cookie for cookie in http.cookies.jar if cookie.path == "/"]
    assert session, "the sign-in set no session cookie"
    context = browser.new_context(**options)  # type: ignore[arg-type]
    context.add_cookies(
        [
            {"name": cookie.name, "value": cookie.value or "", "url": base_url,
             "httpOnly": True, "sameSite": "Lax"}
            for cookie in session
        ]
    )  # fmt: skip
    return context


@dataclass
class Newsroom:
    """A running server and an editor who opens a fresh live blog for each test."""

    server: LiveServer
    headers: dict[str, str]

    def new_blog(self, *headlines: str, body: str = "Details to follow.") -> tuple[Desk, list]:
        """A live blog with these posts, published in this order."""
        slug = unique("storm")
        created = httpx.post(
            f"{self.server.url}/api/blogs",
            json={"slug": slug, "title": "Storm watch", "authors": ["Ana Ruiz"]},
            headers=self.headers,
            timeout=TIMEOUT,
        )
        assert created.status_code == 201, created.text
        desk = Desk(self.server.url, slug, self.headers)
        return desk, [desk.publish(headline, body) for headline in headlines]


@pytest.fixture(scope="session")
def newsroom(shared_server: LiveServer) -> Newsroom:
    return Newsroom(shared_server, auth(shared_server.token(unique("editor"), "editor")))
