"""The console's photos and an embed, end to end in headless Chromium on a real server: a
photo dropped on the compose box (a real DataTransfer drop), uploaded with its progress bar,
captioned, cropped to 16:9 in the crop dialog, published; a 390 px reader fetches the small
rendition (the network log says so), not the original; the post's embed, whose provider (a
real oEmbed server on loopback) answers a moment later, becomes a full card on the open page
without a reload, and its player loads when the card is clicked.

Set LIVELINE_SCREENSHOTS=DIR to keep the screenshots of the tray and the crop dialog at
desktop and phone width there, or LIVELINE_UPDATE_SCREENSHOTS=1 to write
docs/screenshots/console-photos-*.png (tests/browsers.py, keep_screenshot).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browsers import keep_screenshot, signed_in_context
from tests.harness import LiveServer
from tests.images import scene
from tests.newsroom import cheap_hashing  # noqa: F401  (passwords hashed and checked cheaply)
from tests.test_embed_updates import SlowAnswer, serve, stop
from tests.test_embeds import Provider, providers_file

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
SOON = 20_000
DROP = """(b64) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], "bridge.jpg", { type: "image/jpeg" }));
  return transfer;
}"""


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    server = serve(handler=SlowAnswer)
    yield server
    stop(server)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, provider: Provider) -> Iterator[LiveServer]:
    where = tmp_path_factory.mktemp("photo-console-browser")
    live = LiveServer(
        f"sqlite:///{where / 'live.db'}",
        where / "server.log",
        extra_env={
            "LIVELINE_SECRET_KEY": "browser-test-secret-key-0123456789",
            "LIVELINE_EMBED_PROVIDERS": str(providers_file(where, provider.server_address[1])),
            "LIVELINE_EMBED_TIMEOUT_SECONDS": "20",
        },
    )
    live.start()
    token = live.colleague("ana", "editor", PASSWORD, "Ana Ruiz")
    made = httpx.post(
        f"{live.url}/api/blogs",
        json={"slug": "storm", "title": "Floods in the valley", "authors": ["Ana Ruiz"],
              "organization": "Riverton Gazette"},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    yield live
    live.stop()


def signed_in_page(
    chromium: Browser, server: LiveServer, width: int, height: int, locale: str = "en-US"
) -> Page:
    viewport = {"width": width, "height": height}
    return signed_in_context(
        chromium, server.url, "ana", PASSWORD, viewport=viewport, locale=locale
    ).new_page()


def media_json(server: LiveServer, page: Page, media: str) -> dict:
    answer = page.request.get(f"{server.url}/api/media/{media}")
    assert answer.ok, answer.text()
    return dict(answer.json())


def test_drop_crop_publish_and_a_phone_fetches_the_small_rendition_then_the_embed_loads(
    browser: Browser,
    server: LiveServer,
    provider: Provider,
) -> None:
    # A reader has the page open before anything is published.
    reader = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    frames: list[str] = []
    reader.on("request", lambda request: frames.append(request.url))
    reader.goto(f"{server.url}/blogs/storm")

    desk = signed_in_page(browser, server, 1280, 1000)
    desk.goto(f"{server.url}/edit/storm")
    embed = f"http://127.0.0.1:{provider.server_address[1]}/v/12"
    desk.fill("#compose-headline", "The bridge holds as the river peaks")
    desk.fill("#compose-body", f"Crews watched the water all night.\n\n{embed}\n")

    # A real drop: a DataTransfer holding a file, dispatched on the tray.
    transfer = desk.evaluate_handle(DROP, base64.b64encode(scene(2000, 1300, 4)).decode())
    desk.dispatch_event(".photos__drop", "dragenter", {"dataTransfer": transfer})
    desk.dispatch_event(".photos__drop", "dragover", {"dataTransfer": transfer})
    desk.dispatch_event(".photos__drop", "drop", {"dataTransfer": transfer})
    slot = desk.locator(".photo").first
    expect(slot.locator(".photo__name")).to_have_text("bridge.jpg")
    expect(slot.locator("[data-field=media]")).not_to_have_value("", timeout=SOON)
    expect(slot.locator(".photo__progress")).to_have_count(0)
    uploaded = slot.locator("[data-field=media]").input_value()
    slot.locator("[data-field=caption]").fill("The old bridge at dawn, the river at its arches.")
    slot.locator("[data-field=credit]").fill("Ana Ruiz/Riverton Gazette")
    slot.locator("[data-field=alt]").fill("A stone bridge over a swollen brown river")
    keep_screenshot(desk, "console-photos-desktop.png", full_page=True)

    # Crop to 16:9 in the dialog; the width typed from the keyboard, the height follows.
    slot.get_by_role("button", name="Crop or turn…").click()
    dialog = desk.locator("dialog.crop")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="16:9").click()
    dialog.locator("#crop-w").fill("1600")
    dialog.locator("#crop-w").press("Tab")
    expect(dialog.locator("#crop-h")).to_have_value("900")
    dialog.locator("#crop-x").fill("200")
    dialog.locator("#crop-x").press("Tab")
    keep_screenshot(desk, "console-crop-desktop.png")
    dialog.get_by_role("button", name="Apply").click()
    expect(dialog).to_have_count(0)
    expect(slot.locator("[data-field=media]")).not_to_have_value(uploaded, timeout=SOON)
    cropped = media_json(server, desk, slot.locator("[data-field=media]").input_value())
    assert cropped["source"] == uploaded
    assert (cropped["width"], cropped["height"]) == (1600, 900)
    assert cropped["crop"] == {"x": 200, "y": 0, "width": 1600, "height": 900, "rotate": 0}

    # A reload keeps the tray, as the words are kept.
    desk.reload()
    slot = desk.locator(".photo").first
    expect(slot.locator("[data-field=media]")).to_have_value(cropped["id"])
    expect(slot.locator("[data-field=credit]")).to_have_value("Ana Ruiz/Riverton Gazette")
    expect(desk.locator(".console-preview .post__image img")).to_be_visible(timeout=SOON)

    desk.locator("button[data-publish]").click()
    deadline = time.monotonic() + 20
    posts: list[dict] = []
    while time.monotonic() < deadline and not posts:
        posts = httpx.get(f"{server.url}/api/blogs/storm/posts").json()["posts"]
        time.sleep(0.1)
    [post] = posts
    [image] = post["images"]
    assert image["media"] == cropped["id"] and image["credit"] == "Ana Ruiz/Riverton Gazette"

    # The open page: the post arrives, then its embed's card fills in when the (slow)
    # provider answers, without a reload; nothing of the provider's player loads before.
    expect(reader.locator("#posts article.post h2")).to_have_text(
        "The bridge holds as the river peaks", timeout=SOON
    )
    expect(reader.locator(".embed-card__load")).to_be_visible(timeout=SOON)
    assert "Flood footage from the bridge" in reader.locator(".embed-card").inner_text()
    assert not [url for url in frames if "/player/" in url]
    with reader.expect_request(lambda request: "/player/1" in request.url):
        reader.locator(".embed-card__load").click()
    expect(reader.locator(".embed-card__player iframe").first).to_be_attached()
    assert [url for url in frames if "/player/1" in url], frames

    # A phone opening the page fetches the 480 px rendition of the crop, not the original.
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    fetched: list[str] = []
    phone.on("request", lambda request: fetched.append(request.url))
    phone.goto(f"{server.url}/blogs/storm")
    phone.wait_for_load_state("networkidle")
    pictures = [url.removeprefix(server.url) for url in fetched if "/media/" in url]
    small = {item["url"] for item in image["renditions"] if item["width"] == 480}
    others = {item["url"] for item in image["renditions"] if item["width"] != 480}
    assert pictures and set(pictures) <= small, pictures
    assert not set(pictures) & (others | {image["url"], media_json(server, desk, uploaded)["url"]})
    current = phone.evaluate("document.querySelector('.post__image img').currentSrc")
    assert current.removeprefix(server.url) in small
    for page in (reader, phone, desk):
        page.context.close()


def imported_post(
    server: LiveServer, headline: str, body: str, *, caption: str, credit: str
) -> dict[str, Any]:
    """A post as an import leaves it: a photo's caption and credit, and no picture yet."""
    token = server.cli("token", "create", "ana").stdout.strip().splitlines()[-1]
    made = httpx.post(
        f"{server.url}/api/blogs/storm/posts",
        headers={"Authorization": f"Bearer {token}"},
        json={"headline": headline, "body": body,
              "images": [{"caption": caption, "credit": credit}]},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


def test_the_edit_page_gives_an_imported_caption_its_photo_at_phone_width(
    browser: Browser,
    server: LiveServer,
) -> None:
    imported = imported_post(
        server, "Zelensky meets Macron", "In Kyiv.",
        caption="Volodymyr Zelensky in Kyiv on Tuesday.",
        credit="Gleb Garanich/Pool/AFP/Getty Images",
    )  # fmt: skip
    page = signed_in_page(browser, server, 390, 844)
    page.goto(f"{server.url}/edit/storm/posts/{imported['id']}")
    slot = page.locator(".photo").first
    expect(slot.locator(".photo__none")).to_have_text("No picture yet")
    keep_screenshot(page, "console-photos-phone-empty.png", full_page=True)
    slot.locator("input[type=file]").set_input_files(
        {"name": "kyiv.jpg", "mimeType": "image/jpeg", "buffer": scene(1600, 1200, 2)}
    )
    expect(slot.locator("[data-field=media]")).not_to_have_value("", timeout=SOON)
    expect(slot.locator("[data-field=credit]")).to_have_value("Gleb Garanich/Pool/AFP/Getty Images")
    keep_screenshot(page, "console-photos-phone.png", full_page=True)
    slot.get_by_role("button", name="Crop or turn…").click()
    dialog = page.locator("dialog.crop")
    dialog.get_by_role("button", name="1:1").click()
    dialog.get_by_role("button", name="⟳ Turn right").click()
    expect(dialog.locator(".crop__turned")).to_have_text("Turned 90° clockwise")
    expect(dialog.locator("#crop-w")).to_have_value("1200")
    keep_screenshot(page, "console-crop-phone.png")
    dialog.get_by_role("button", name="Apply").click()
    expect(dialog).to_have_count(0)
    page.locator("button[value=save]").click()
    page.wait_for_url("**/edit/storm?saved=*")
    saved = httpx.get(f"{server.url}/api/blogs/storm/posts/{imported['id']}").json()
    [image] = saved["images"]
    assert image["media"] and (image["width"], image["height"]) == (1200, 1200)
    assert image["caption"] == "Volodymyr Zelensky in Kyiv on Tuesday."
    assert image["credit"] == "Gleb Garanich/Pool/AFP/Getty Images"
    page.context.close()


def test_the_tray_and_the_crop_dialog_speak_german_to_a_german_browser(
    browser: Browser,
    server: LiveServer,
) -> None:
    imported = imported_post(
        server, "Deich hält", "In Hamburg.",
        caption="Der Deich am Dienstag.", credit="Anna Schmidt/NDR",
    )  # fmt: skip
    page = signed_in_page(browser, server, 390, 844, locale="de-DE")
    page.goto(f"{server.url}/edit/storm/posts/{imported['id']}")
    expect(page.locator("html")).to_have_attribute("lang", "de-DE")
    slot = page.locator(".photo").first
    expect(slot.locator(".photo__none")).to_have_text("Noch kein Bild")
    expect(page.locator(".photos legend")).to_have_text("Fotos")
    expect(page.locator(".photos__drop label")).to_contain_text(
        "Fotos hinzufügen JPEG, PNG, WebP oder GIF: hierher ziehen, einfügen (Strg+V) oder "
        "auswählen"
    )
    expect(slot.get_by_role("button", name="Foto nach oben verschieben")).to_be_disabled()
    slot.locator("input[type=file]").set_input_files(
        {"name": "deich.jpg", "mimeType": "image/jpeg", "buffer": scene(1600, 1200, 2)}
    )
    expect(slot.locator("[data-field=media]")).not_to_have_value("", timeout=SOON)
    # The tray's words come from the page (console-photos.js has no English of its own).
    page.locator(".photos__picker").set_input_files(
        {"name": "notiz.txt", "mimeType": "text/plain", "buffer": b"kein Bild"}
    )
    expect(page.locator(".photos__status")).to_have_text(
        "notiz.txt ist kein Bild: nicht hinzugefügt."
    )
    expect(slot.get_by_role("button", name="Entfernen")).to_be_visible()
    crop = slot.get_by_role("button", name="Zuschneiden oder drehen …")
    crop.click()
    dialog = page.locator("dialog.crop")
    expect(dialog.get_by_role("heading")).to_have_text("Foto zuschneiden oder drehen")
    area = "Bildausschnitt: Pfeiltasten verschieben ihn, Umschalt+Pfeiltasten ändern seine Größe"
    expect(dialog.get_by_role("group", name=area)).to_be_focused()
    expect(dialog.locator(".crop__turned")).to_have_text("Nicht gedreht")
    dialog.get_by_role("button", name="Frei").wait_for()
    dialog.get_by_role("button", name="⟳ Nach rechts drehen").click()
    expect(dialog.locator(".crop__turned")).to_have_text("Um 90° im Uhrzeigersinn gedreht")
    expect(dialog.get_by_label("Breite (px)")).to_have_value("1600")
    expect(dialog.get_by_alt_text("Das zuzuschneidende Foto")).to_be_visible()
    keep_screenshot(page, "console-crop-phone-de.png")
    dialog.get_by_role("button", name="Abbrechen").click()
    expect(dialog).to_have_count(0)
    keep_screenshot(page, "console-photos-phone-de.png", full_page=True)
    page.context.close()


def test_axe_finds_nothing_on_the_tray_and_the_crop_dialog_and_its_box_moves(
    browser: Browser,
    server: LiveServer,
) -> None:
    from tests.test_accessibility import AXE

    if not AXE.exists():
        pytest.skip(f"no axe-core at {AXE}; run 'make axe' (needs npm)")
    # Our CSP runs our own scripts only: axe is let in by the test's browser, not the page.
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#name", "ana")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"{server.url}/edit")
    page.goto(f"{server.url}/edit/storm")
    page.locator(".photos__picker").set_input_files(
        [{"name": f"p{n}.jpg", "mimeType": "image/jpeg", "buffer": scene(900, 600, n)}
         for n in range(2)]
    )  # fmt: skip
    expect(page.locator(".photo [data-field=media]").nth(1)).not_to_have_value("", timeout=SOON)
    page.add_script_tag(path=str(AXE))
    found: list[str] = []
    for stage in ("tray", "dialog"):
        if stage == "dialog":
            page.locator(".photo").first.get_by_role("button", name="Crop or turn…").click()
            expect(page.locator("dialog.crop")).to_be_visible()
        result, passed = page.evaluate(
            "axe.run(document).then(r => [r.violations, r.passes.length])"
        )
        assert passed > 10, "axe did not look at the page"
        found += [
            f"{stage}: {v['id']} ({v['impact']}): {v['help']} at "
            f"{[n['target'] for n in v['nodes']]}"
            for v in result
        ]
    # The box is dragged and resized with the pointer, and moved with the arrow keys.
    dialog = page.locator("dialog.crop")
    dialog.get_by_role("button", name="1:1").click()
    expect(dialog.locator("#crop-w")).to_have_value("600")
    box = dialog.locator(".crop__box").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()
    moved = int(dialog.locator("#crop-x").input_value())
    assert moved > 0
    dialog.locator(".crop__box").press("ArrowRight")
    assert int(dialog.locator("#crop-x").input_value()) > moved
    handle = dialog.locator(".crop__handle--se").bounding_box()
    assert handle is not None
    page.mouse.move(handle["x"] + 5, handle["y"] + 5)
    page.mouse.down()
    page.mouse.move(handle["x"] - 60, handle["y"] - 60, steps=4)
    page.mouse.up()
    width = int(dialog.locator("#crop-w").input_value())
    assert width < 600 and dialog.locator("#crop-h").input_value() == str(width)  # still 1:1
    context.close()
    assert not found, "\n".join(found)


PASTE = """([selector, b64]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], "pasted.png", { type: "image/png" }));
  document.querySelector(selector).dispatchEvent(
    new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true }));
}"""


def composing(
    browser: Browser, server: LiveServer, headline: str, body: str, photos: list[Any]
) -> Page:
    """The desk at desktop width, a post being written, and these photos picked for it."""
    page = signed_in_page(browser, server, 1280, 900)
    page.goto(f"{server.url}/edit/storm")
    page.fill("#compose-headline", headline)
    page.fill("#compose-body", body)
    page.locator(".photos__picker").set_input_files(photos)
    return page


def test_paste_pick_reorder_and_remove_set_the_posts_photos_in_order(
    browser: Browser,
    server: LiveServer,
) -> None:
    from tests.images import photo

    picked = [
        {"name": f"picked{n}.jpg", "mimeType": "image/jpeg", "buffer": scene(800, 600, 10 + n)}
        for n in range(2)
    ]
    page = composing(browser, server, "Three photos, then two", "In order.", picked)
    page.evaluate(PASTE, ["#compose-body", base64.b64encode(photo(640, 480, "PNG")).decode()])
    slots = page.locator(".photo")
    expect(slots).to_have_count(3)
    for n in range(3):
        expect(slots.nth(n).locator("[data-field=media]")).not_to_have_value("", timeout=SOON)
    expect(slots.nth(2).locator(".photo__name")).to_have_text("pasted.png")
    media = [slots.nth(n).locator("[data-field=media]").input_value() for n in range(3)]
    # The pasted one up to first place, then the first picked one removed.
    slots.nth(2).get_by_role("button", name="Move photo up").click()
    slots.nth(1).get_by_role("button", name="Move photo up").click()
    assert slots.nth(0).locator(".photo__name").inner_text() == "pasted.png"
    slots.nth(1).get_by_role("button", name="Remove").click()
    expect(slots).to_have_count(2)
    names = page.eval_on_selector_all(
        ".photo [data-field=media]", "nodes => nodes.map(n => [n.name, n.value])"
    )
    assert names == [["photo-0-media", media[2]], ["photo-1-media", media[1]]]
    page.locator("button[data-publish]").click()
    deadline = time.monotonic() + 20
    found: list[dict] = []
    while time.monotonic() < deadline and not found:
        posts = httpx.get(f"{server.url}/api/blogs/storm/posts").json()["posts"]
        found = [post for post in posts if post["headline"] == "Three photos, then two"]
        time.sleep(0.1)
    [post] = found
    assert [image["media"] for image in post["images"]] == [media[2], media[1]]
    page.context.close()


def test_a_refused_post_comes_back_to_the_box_with_its_photos(
    browser: Browser,
    server: LiveServer,
) -> None:
    levee = {"name": "levee.jpg", "mimeType": "image/jpeg", "buffer": scene(800, 600, 7)}
    page = composing(browser, server, "Refused, then fixed", "With its photo.", [levee])
    slot = page.locator(".photo").first
    expect(slot.locator("[data-field=media]")).not_to_have_value("", timeout=SOON)
    media = slot.locator("[data-field=media]").input_value()
    slot.locator("[data-field=caption]").fill("The levee at noon")
    # A headline past the limit (the box's maxlength stops a person typing one): the server
    # refuses the post, and the writer gets it back to fix, words and photo.
    page.evaluate("document.querySelector('#compose-headline').value = 'x'.repeat(600)")
    page.locator("button[data-publish]").click()
    expect(page.locator("#compose-status")).to_contain_text("Not sent", timeout=SOON)
    expect(page.locator("#compose-headline")).to_have_value("x" * 600)
    expect(page.locator(".photo")).to_have_count(1)
    expect(slot.locator("[data-field=media]")).to_have_value(media)
    expect(slot.locator("[data-field=caption]")).to_have_value("The levee at noon")
    expect(page.locator(".console-preview .post__image img")).to_be_visible(timeout=SOON)
    keep_screenshot(page, "console-refused-desktop.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # the long word breaks

    # Fixed and sent again, it goes out once, with the photo.
    page.fill("#compose-headline", "Refused, then fixed")
    page.locator("button[data-publish]").click()
    page.wait_for_url("**/edit/storm?saved=*", timeout=SOON)
    posts = httpx.get(f"{server.url}/api/blogs/storm/posts?limit=200").json()["posts"]
    [post] = [post for post in posts if post["headline"] == "Refused, then fixed"]
    assert [(image["media"], image["caption"]) for image in post["images"]] == [
        (media, "The levee at noon")
    ]
    page.context.close()
