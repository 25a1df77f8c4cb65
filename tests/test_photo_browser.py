"""Photos in a real browser: a 390 px phone fetches the small rendition, and nothing shifts.

Set LIVELINE_SCREENSHOTS=DIR to keep the desktop and phone screenshots there, or
LIVELINE_UPDATE_SCREENSHOTS=1 to write docs/screenshots/photo-desktop.png and photo-phone.png
(tests/browsers.py, keep_screenshot).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browsers import keep_screenshot
from tests.harness import LiveServer, auth
from tests.images import scene
from tests.test_embeds import Answer, Provider, providers_file

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    """A real oEmbed provider on loopback, for the embed card."""
    provider = Provider(("127.0.0.1", 0), Answer)
    provider.asked = []
    threading.Thread(target=provider.serve_forever, daemon=True).start()
    yield provider
    provider.shutdown()
    provider.server_close()


@pytest.fixture(scope="module")
def photo_blog(
    tmp_path_factory: pytest.TempPathFactory, provider: Provider
) -> Iterator[LiveServer]:
    where = tmp_path_factory.mktemp("photo-server")
    server = LiveServer(
        f"sqlite:///{where / 'live.db'}",
        where / "server.log",
        # A loaded machine (three test workers on two cores) can keep the loopback provider
        # past the default 3 s; the test is about the card, not the timeout.
        extra_env={
            "LIVELINE_EMBED_PROVIDERS": str(providers_file(where, provider.server_address[1])),
            "LIVELINE_EMBED_TIMEOUT_SECONDS": "20",
        },
    )
    server.start()
    try:
        headers = auth(server.token("ana", "editor"))
        blog = {"slug": "storm", "title": "Storm watch", "authors": ["Ana Ruiz"],
                "organization": "Gazette"}  # fmt: skip
        assert httpx.post(f"{server.url}/api/blogs", json=blog, headers=headers).status_code == 201
        ids = []
        for seed in range(3):
            # Wider than the largest rendition (1600 px): every rendition is made, as from a
            # camera's 3000 px, for a third of the work.
            answer = httpx.post(
                f"{server.url}/api/media",
                files={"file": (f"scene{seed}.jpg", scene(1800, 1200, seed), "image/jpeg")},
                data={"credit": "Ana Ruiz/Gazette"},
                headers=headers,
                timeout=60,
            )
            assert answer.status_code == 201, answer.text
            ids.append(answer.json()["id"])
        post = {
            "headline": "Flood waters reach the old town",
            "body": "Residents of the lower streets were told to leave before noon.\n\n"
            "Emergency crews are pumping water from the square.",
            "authors": ["Ana Ruiz"],
            "location": "Riverton",
            "images": [
                {"media": ids[0], "caption": "The river from the bridge at 11 a.m.",
                 "alt": "A river in flood under a clear sky"},
                {"media": ids[1], "caption": "Hills above the town."},
                {"media": ids[2], "caption": "Evening over the valley."},
            ],
        }  # fmt: skip
        created = httpx.post(f"{server.url}/api/blogs/storm/posts", json=post, headers=headers)
        assert created.status_code == 201, created.text
        yield server
    finally:
        server.stop()


def _open(chromium: Browser, url: str, width: int, height: int) -> tuple[list[str], object]:
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return [url for url in fetched if "/media/" in url], page


def test_a_phone_fetches_the_small_webp_and_the_page_keeps_its_layout(
    browser: Browser,
    photo_blog: LiveServer,
) -> None:
    fetched, page = _open(browser, f"{photo_blog.url}/blogs/storm", 390, 844)
    assert fetched, "no picture was fetched"
    images = page.evaluate(  # type: ignore[attr-defined]
        "[...document.querySelectorAll('.post__image img')].map(i => i.currentSrc)"
    )
    first = images[0]
    assert first.endswith(".webp"), first
    sizes = httpx.get(f"{photo_blog.url}/api/blogs/storm/posts").json()["posts"][0]["images"]
    small = {item["url"] for image in sizes for item in image["renditions"] if item["width"] == 480}
    assert first.removeprefix(photo_blog.url) in small
    big = {item["url"] for image in sizes for item in image["renditions"] if item["width"] > 480}
    assert not {url.removeprefix(photo_blog.url) for url in fetched} & big, fetched
    # Width and height are in the markup: the box is the picture's shape before it loads.
    box = page.evaluate(  # type: ignore[attr-defined]
        "(() => { const r = document.querySelector('.post__image img').getBoundingClientRect();"
        " return [r.width, r.height]; })()"
    )
    assert abs(box[0] / box[1] - 1.5) < 0.02, box
    keep_screenshot(page, "photo-phone.png", full_page=False)
    page.context.close()  # type: ignore[attr-defined]


def test_a_desktop_fetches_a_larger_rendition(
    browser: Browser,
    photo_blog: LiveServer,
) -> None:
    _, page = _open(browser, f"{photo_blog.url}/blogs/storm", 1280, 900)
    first = page.evaluate("document.querySelector('.post__image img').currentSrc")  # type: ignore[attr-defined]
    sizes = httpx.get(f"{photo_blog.url}/api/blogs/storm/posts").json()["posts"][0]["images"]
    widths = {item["url"]: item["width"] for item in sizes[0]["renditions"]}
    assert widths[first.removeprefix(photo_blog.url)] >= 960
    keep_screenshot(page, "photo-desktop.png", full_page=False)
    page.context.close()  # type: ignore[attr-defined]


def test_an_embed_card_loads_its_player_only_when_clicked(
    browser: Browser,
    photo_blog: LiveServer,
    provider: Provider,
) -> None:
    server = photo_blog
    headers = auth(server.token("ben", "editor"))
    blog = {"slug": "floods", "title": "Floods"}
    assert httpx.post(f"{server.url}/api/blogs", json=blog, headers=headers).status_code == 201
    url = f"http://127.0.0.1:{provider.server_address[1]}/v/3"
    post = {"headline": "Video from the bridge", "body": f"Watch:\n\n{url}\n"}
    made = httpx.post(f"{server.url}/api/blogs/floods/posts", json=post, headers=headers)
    assert made.is_success, made.text
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    frames: list[str] = []
    page.on("request", lambda request: frames.append(request.url))
    deadline = time.monotonic() + 30
    while True:  # the provider's answer arrives in the background
        page.goto(f"{server.url}/blogs/floods")
        if page.locator(".embed-card__load").count() or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert "Flood footage from the bridge" in page.content()
    assert not [item for item in frames if "/player/" in item]  # nothing before the click
    keep_screenshot(page, "embed-card.png", full_page=False)
    with page.expect_request(lambda request: "/player/1" in request.url):
        page.locator(".embed-card__load").click()
    page.wait_for_selector(".embed-card__player iframe")
    assert [item for item in frames if "/player/1" in item], frames

    # The post is corrected while the reader watches: it is shown afresh, and the player the
    # reader started is the same frame, neither lost to the new card's button nor reloaded.
    page.evaluate("document.querySelector('.embed-card__player iframe').dataset.started = 'yes'")
    page.wait_for_timeout(300)  # the frame's own load is done
    loads = len([item for item in frames if "/player/" in item])
    edit = {"headline": "Video from the old bridge"}
    version = {"If-Match": f'"{made.json()["version"]}"'}
    edited = httpx.patch(
        f"{server.url}/api/blogs/floods/posts/{made.json()['id']}",
        json=edit,
        headers={**headers, **version},
    )
    assert edited.status_code == 200, edited.text
    expect(page.locator("article.post h2")).to_have_text(
        "Video from the old bridge", timeout=10_000
    )
    assert page.locator(".embed-card__load").count() == 0
    assert page.evaluate("document.querySelector('.embed-card__player iframe').dataset.started")
    assert len([item for item in frames if "/player/" in item]) == loads
    keep_screenshot(page, "embed-player-after-edit.png", full_page=False)
    context.close()
