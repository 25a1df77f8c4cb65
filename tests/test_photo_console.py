"""The console's photos without a browser: crops and turns made by the server (the original
kept), bad rectangles refused naming the field, uploads sent in the form itself (no
JavaScript), and an imported post's caption and credit given their photo later."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from liveline.app import create_app
from liveline.config import Settings
from liveline.model import Role
from tests.harness import auth, emptied, make_token
from tests.images import photo
from tests.newsroom import (
    Browser,
    Newsroom,
    cheap_hashing,  # noqa: F401  (the fixture, used here)
    console_settings,
    open_newsroom,
)


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newsroom]:
    where = tmp_path_factory.mktemp("photo-console")
    settings = console_settings(where).model_copy(update={"media_dir": str(where / "media")})
    for newsroom in open_newsroom(settings):
        newsroom.add("ana", Role.EDITOR, "Ana Ruiz")
        newsroom.blog("desk")
        yield newsroom


@pytest.fixture(scope="module")
def ana(room: Newsroom) -> Browser:
    return room.browser("ana")


def upload(room: Newsroom, data: bytes, **words: str) -> dict:
    answer = room.client.post(
        "/api/media", files={"file": ("p.jpg", data, "image/jpeg")}, data=words,
        headers=room.tokens["ana"],
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    return answer.json()


def decoded(room: Newsroom, url: str) -> Image.Image:
    answer = room.client.get(url)
    assert answer.status_code == 200
    return Image.open(io.BytesIO(answer.content))


def test_a_crop_and_turn_is_a_new_upload_and_the_original_is_kept(room: Newsroom) -> None:
    original = upload(room, photo(2000, 1500), caption="The square", credit="Ana Ruiz/Gazette")
    cut = {"x": 100, "y": 50, "width": 1600, "height": 900, "rotate": 90}
    answer = room.client.post(
        f"/api/media/{original['id']}/crop", json=cut, headers=room.tokens["ana"]
    )
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert made["id"] != original["id"] and made["source"] == original["id"]
    assert made["crop"] == cut
    assert (made["width"], made["height"]) == (900, 1600)  # turned a quarter: upright now
    assert made["caption"] == "The square" and made["credit"] == "Ana Ruiz/Gazette"
    assert decoded(room, made["url"]).size == (900, 1600)
    widths = {item["width"] for item in made["renditions"]}
    assert widths == {480, 900}, widths
    for item in made["renditions"]:
        assert decoded(room, item["url"]).width == item["width"]
    # The original is as it was, and still served.
    again = room.client.get(f"/api/media/{original['id']}", headers=room.tokens["ana"]).json()
    assert again["url"] == original["url"] and again["source"] is None
    assert decoded(room, original["url"]).size == (2000, 1500)
    # The same cut asked again is the same upload.
    twice = room.client.post(
        f"/api/media/{original['id']}/crop", json=cut, headers=room.tokens["ana"]
    )
    assert twice.json()["id"] == made["id"]


@pytest.mark.parametrize(
    ("cut", "field"),
    [
        ({"x": 2000, "y": 0, "width": 10, "height": 10}, "x"),
        ({"x": 0, "y": 1500, "width": 10, "height": 10}, "y"),
        ({"x": 1000, "y": 0, "width": 1001, "height": 10}, "width"),
        ({"x": 0, "y": 600, "width": 10, "height": 901}, "height"),
        ({"x": 0, "y": 0, "width": 0, "height": 10}, "width"),
        ({"x": -1, "y": 0, "width": 10, "height": 10}, "x"),
        ({"x": 0, "y": 0, "width": 10, "height": 10, "rotate": 45}, "rotate"),
    ],
)
def test_a_bad_rectangle_is_refused_naming_the_field(room: Newsroom, cut: dict, field: str) -> None:
    original = upload(room, photo(2000, 1500))
    answer = room.client.post(
        f"/api/media/{original['id']}/crop", json=cut, headers=room.tokens["ana"]
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field, answer.text


def test_a_crop_of_no_upload_is_not_found(room: Newsroom) -> None:
    answer = room.client.post(
        "/api/media/" + "0" * 32 + "/crop", json={"width": 1, "height": 1},
        headers=room.tokens["ana"],
    )  # fmt: skip
    assert answer.status_code == 404


def test_the_console_session_uploads_and_crops_with_its_csrf_token(ana: Browser) -> None:
    ana.get("/edit/desk")
    files = {"file": ("p.png", photo(800, 600, "PNG"), "image/png")}
    refused = ana.http.post("/api/media", files=files)
    assert refused.status_code == 403  # the cookie alone is not enough
    made = ana.http.post("/api/media", files=files, headers={"X-CSRF-Token": ana.csrf})
    assert made.status_code == 201, made.text
    cut = ana.http.post(
        f"/api/media/{made.json()['id']}/crop",
        json={"x": 0, "y": 0, "width": 600, "height": 600},
        headers={"X-CSRF-Token": ana.csrf},
    )
    assert cut.status_code == 201 and cut.json()["width"] == 600


def test_without_javascript_a_photo_sent_in_the_compose_form_is_published(
    room: Newsroom, ana: Browser
) -> None:
    page = ana.get("/edit/desk")
    assert 'enctype="multipart/form-data"' in page.text and 'name="photo-new"' in page.text
    answer = ana.http.post(
        "/edit/desk/posts",
        data={"csrf": ana.csrf, "headline": "Sandbags on the quay", "body": "Volunteers.",
              "action": "publish", "photos": "1", "photo-new-caption": "The quay at noon",
              "photo-new-credit": "Ana Ruiz/Gazette", "photo-new-alt": "Sandbags"},
        files={"photo-new": ("quay.jpg", photo(1200, 800), "image/jpeg")},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    post = room.client.get("/api/blogs/desk/posts").json()["posts"][0]
    assert post["headline"] == "Sandbags on the quay"
    [image] = post["images"]
    assert image["media"] and image["caption"] == "The quay at noon"
    assert image["credit"] == "Ana Ruiz/Gazette" and image["alt"] == "Sandbags"
    assert image["width"] == 1200 and image["renditions"]


def test_a_text_file_sent_as_a_photo_is_refused_and_the_words_are_kept(ana: Browser) -> None:
    ana.get("/edit/desk")
    answer = ana.http.post(
        "/edit/desk/posts",
        data={"csrf": ana.csrf, "headline": "Not a photo", "body": "Words kept.",
              "action": "publish", "photos": "1"},
        files={"photo-new": ("notes.jpg", b"just some text, honestly", "image/jpeg")},
    )  # fmt: skip
    assert answer.status_code == 422
    assert "notes.jpg" in answer.text and "not a JPEG, PNG, WebP or GIF" in answer.text
    assert 'value="Not a photo"' in answer.text


def test_an_imported_caption_and_credit_are_given_their_photo_later(
    room: Newsroom, ana: Browser
) -> None:
    imported = room.post(
        "desk", "ana", headline="Zelensky meets Macron",
        images=[{"caption": "Volodymyr Zelensky in Kyiv.",
                 "credit": "Gleb Garanich/Pool/AFP/Getty Images"}],
    )  # fmt: skip
    page = ana.get(f"/edit/desk/posts/{imported['id']}")
    assert "No picture yet" in page.text and "Give it its photo" in page.text
    assert 'value="Gleb Garanich/Pool/AFP/Getty Images"' in page.text
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version
    # Without JavaScript: the file in the slot's own input.
    answer = ana.http.post(
        f"/edit/desk/posts/{imported['id']}",
        data={"csrf": ana.csrf, "version": version[1], "headline": "Zelensky meets Macron",
              "body": "Gusts.", "action": "save", "photos": "1",
              "photo-0-caption": "Volodymyr Zelensky in Kyiv.",
              "photo-0-credit": "Gleb Garanich/Pool/AFP/Getty Images", "photo-0-url": ""},
        files={"photo-0-file": ("kyiv.jpg", photo(1000, 700), "image/jpeg")},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    post = room.client.get(f"/api/blogs/desk/posts/{imported['id']}").json()
    [image] = post["images"]
    assert image["media"] and image["width"] == 1000
    assert image["caption"] == "Volodymyr Zelensky in Kyiv."
    assert image["credit"] == "Gleb Garanich/Pool/AFP/Getty Images"
    # The edit page now shows it, and a save that leaves the slot as it is keeps it.
    page = ana.get(f"/edit/desk/posts/{imported['id']}")
    assert "No picture yet" not in page.text and image["media"] in page.text
    reader = room.client.get("/blogs/desk").text
    assert "srcset" in reader and "Gleb Garanich/Pool/AFP/Getty Images" in reader


def test_the_remove_box_takes_a_photo_out(room: Newsroom, ana: Browser) -> None:
    made = upload(room, photo(900, 600))
    post = room.post("desk", "ana", headline="Two photos",
                     images=[{"media": made["id"]}, {"caption": "Second"}])  # fmt: skip
    page = ana.get(f"/edit/desk/posts/{post['id']}")
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version
    answer = ana.post(
        f"/edit/desk/posts/{post['id']}", version=version[1], headline="Two photos",
        body="Gusts.", action="save", photos="1",
        **{"photo-0-media": made["id"], "photo-0-remove": "on", "photo-1-caption": "Second"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    images = room.client.get(f"/api/blogs/desk/posts/{post['id']}").json()["images"]
    assert [(image.get("media"), image.get("caption")) for image in images] == [(None, "Second")]


@pytest.mark.postgres
def test_crops_in_the_database_and_embed_retries_on_postgresql(
    postgres_database: str, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from liveline.store import embeds as rows

    settings = Settings(database_url=emptied(postgres_database), media_storage="database")
    with TestClient(create_app(settings)) as client:
        headers = auth(make_token(settings, "ana", "editor"))
        files = {"file": ("p.jpg", photo(1200, 800), "image/jpeg")}
        made = client.post("/api/media", files=files, headers=headers).json()
        cut = {"x": 200, "y": 0, "width": 800, "height": 800, "rotate": 270}
        answer = client.post(f"/api/media/{made['id']}/crop", json=cut, headers=headers)
        assert answer.status_code == 201, answer.text
        assert answer.json()["source"] == made["id"] and answer.json()["crop"] == cut
        assert decoded_with(client, answer.json()["url"]).size == (800, 800)
        unit = client.app.state.service.embeds._unit  # type: ignore[attr-defined]
        later = datetime(2030, 1, 1, tzinfo=UTC)
        unit.write_quietly(
            lambda tx: rows.save(
                tx.conn,
                "https://x.test/1",
                "X",
                None,
                tx.now,
                attempts=2,
                retry_at=later,
                blog_id=1,
                post_id=1,
            )
        )
        state = unit.read(lambda conn: rows.states(conn, ["https://x.test/1"]))["https://x.test/1"]
        assert state["attempts"] == 2 and state["retry_at"] == later
        assert [row["url"] for row in unit.read(rows.waiting)] == ["https://x.test/1"]


def decoded_with(client: TestClient, url: str) -> Image.Image:
    answer = client.get(url)
    assert answer.status_code == 200
    return Image.open(io.BytesIO(answer.content))
