"""The suite's own Chromium (tests/browsers.py): Playwright's switched-off features stay off
with ours added, and no window builds the omnibox popup that no headless test can use."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browsers import UNUSED_FEATURES, playwrights_disabled_features

pytestmark = pytest.mark.browser


def test_chromium_runs_with_playwrights_features_off_and_no_omnibox_popup(
    browser: Browser,
) -> None:
    page = browser.new_page()
    page.goto("chrome://version")  # the browser's command line, as Chromium took it
    arguments = page.locator("#command_line").inner_text().split()
    [disabled] = [a for a in arguments if a.startswith("--disable-features=")][-1:]
    off = set(disabled.removeprefix("--disable-features=").split(","))
    playwrights = playwrights_disabled_features()
    assert len(playwrights) >= 5 and all(name.isalnum() for name in playwrights), playwrights
    assert off >= {*playwrights, *UNUSED_FEATURES}, off
    targets = browser.new_browser_cdp_session().send("Target.getTargets")["targetInfos"]
    assert not [t["url"] for t in targets if "omnibox-popup" in t["url"]], targets
    assert [t["url"] for t in targets if t["type"] == "page"] == ["chrome://version/"]
    page.context.close()
