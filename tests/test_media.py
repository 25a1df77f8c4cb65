"""Uploads: each format taken and cleaned, every hostile file refused with nothing stored."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from liveline.app import create_app
from liveline.config import Settings
from tests.harness import auth, emptied, make_token
from tests.images import GPS_IFD, photo, photo_with_gps


@pytest.fixture
def token(settings: Settings) -> str:
    return make_token(settings, "ana", "reporter")


def upload(
    client: TestClient, token: str, data: bytes, name: str = "photo.jpg", **form: str
) -> httpx.Response:
    return client.post(
        "/api/media",
        files={"file": (name, data, "image/jpeg")},
        data=form,
        headers=auth(token),
    )


def stored_files(settings: Settings) -> list[Path]:
    return sorted(path for path in Path(settings.media_dir).rglob("*") if path.is_file())


@pytest.mark.parametrize(
    ("kind", "type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
def test_each_format_is_taken_and_cut_into_renditions(
    client: TestClient, token: str, kind: str, type: str
) -> None:
    answer = upload(client, token, photo(1200, 900, kind), name="whatever.bin")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["width"], body["height"], body["type"]) == (1200, 900, type)
    made = {(item["width"], item["type"]) for item in body["renditions"]}
    # Never upscaled: a 1200 px picture's largest rendition is 1200 px, not 1600.
    expected_widths = (480, 960, 1200)
    formats = {"image/webp", type}
    assert made == {(width, fmt) for width in expected_widths for fmt in formats}
    for item in body["renditions"]:
        served = client.get(item["url"])
        assert served.status_code == 200
        assert served.headers["content-type"] == item["type"]
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert served.headers["etag"]
        picture = Image.open(io.BytesIO(served.content))
        assert picture.width == item["width"]
        assert Image.MIME[str(picture.format)] == item["type"]
        again = client.get(item["url"], headers={"If-None-Match": served.headers["etag"]})
        assert again.status_code == 304


def test_a_wide_photo_gets_the_three_widths(client: TestClient, token: str) -> None:
    body = upload(client, token, photo(2400, 1600)).json()
    widths = sorted({item["width"] for item in body["renditions"]})
    assert widths == [480, 960, 1600]
    small = next(r for r in body["renditions"] if r["width"] == 480 and r["type"] == "image/jpeg")
    assert Image.open(io.BytesIO(client.get(small["url"]).content)).size == (480, 320)


def test_gps_exif_xmp_and_comments_leave_every_stored_file(
    client: TestClient, token: str, settings: Settings
) -> None:
    sent = photo_with_gps(1200, 800)
    original = Image.open(io.BytesIO(sent))
    assert original.getexif().get_ifd(GPS_IFD), "the fixture must carry GPS to prove anything"
    assert {"exif", "xmp", "comment"} <= set(original.info)

    body = upload(client, token, sent).json()
    # Orientation 6 applied: the picture is upright now, taller than wide.
    assert (body["width"], body["height"]) == (800, 1200)
    files = stored_files(settings)
    # The full-size rendition in the original's format is the cleaned original: one file.
    names = {item["url"].rsplit("/", 1)[1] for item in body["renditions"]}
    assert {path.name for path in files} == names | {body["url"].rsplit("/", 1)[1]}
    for path in files:
        picture = Image.open(path)
        assert not picture.getexif(), path
        assert not picture.getexif().get_ifd(GPS_IFD), path
        for name in ("exif", "xmp", "comment", "icc_profile", "XML:com.adobe.xmp"):
            assert name not in picture.info, (path, name)
        assert b"secret source" not in path.read_bytes()
        assert b"Camera maker" not in path.read_bytes()


def test_the_same_photo_twice_is_stored_once(
    client: TestClient, token: str, settings: Settings
) -> None:
    data = photo(1000, 700)
    first = upload(client, token, data, name="a.jpg").json()
    count = len(stored_files(settings))
    second = upload(client, token, data, name="b.jpg").json()
    assert second["id"] == first["id"]
    assert second["renditions"] == first["renditions"]
    assert len(stored_files(settings)) == count


def _polyglot_html() -> bytes:
    return photo(600, 400) + b"<html><script>alert(document.cookie)</script></html>"


def _markup_inside() -> bytes:
    return photo(600, 400, comment=b"<script>alert(1)</script>")


def _zip_after() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("evil.js", "alert(1)")
    return photo(600, 400) + archive.getvalue()


def _zip_renamed() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("a.txt", "hello")
    return archive.getvalue()


def _bomb() -> bytes:
    # A 9,000 × 9,000 picture of one colour compresses to a few kilobytes as PNG.
    buffer = io.BytesIO()
    Image.new("1", (9_000, 9_000)).save(buffer, "PNG")
    return buffer.getvalue()


REFUSALS = {
    "a renamed text file": (
        lambda: b"Just some notes from the briefing.\n" * 20,
        "not a JPEG, PNG, WebP or GIF image",
    ),
    "an HTML/JPEG polyglot": (_polyglot_html, "bytes after the end of the picture"),
    "HTML inside a JPEG comment": (_markup_inside, "holds HTML, a script or a ZIP"),
    "HTML before the JPEG": (
        lambda: b"<html><body>" + photo(600, 400),
        "not a JPEG, PNG, WebP or GIF image",
    ),
    "a ZIP after the JPEG": (_zip_after, "bytes after the end of the picture"),
    "a truncated JPEG": (lambda: photo(600, 400)[:-3000], "truncated"),
    "a ZIP renamed .png": (_zip_renamed, "is a ZIP archive, not an image"),
    "a decompression bomb": (_bomb, "too large to decode safely"),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_hostile_files_are_refused_with_what_was_wrong_and_nothing_stored(
    database_url: str, tmp_path: Path, case: str
) -> None:
    settings = Settings(
        database_url=database_url, media_dir=str(tmp_path / "media"), max_image_pixels=50_000_000
    )
    make, message = REFUSALS[case]
    with TestClient(create_app(settings)) as client:
        token = make_token(settings, "ana", "reporter")
        answer = upload(client, token, make(), name="photo.png")
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert message in error["message"], error
        assert error["field"] == "file"
    assert stored_files(settings) == []


def test_a_file_over_the_limit_is_refused_with_413(database_url: str, tmp_path: Path) -> None:
    settings = Settings(
        database_url=database_url, media_dir=str(tmp_path / "media"), max_upload_bytes=50_000
    )
    with TestClient(create_app(settings)) as client:
        token = make_token(settings, "ana", "reporter")
        small = photo(600, 400)
        big = small + b"\x00" * (70_000 - len(small))  # over the limit, under the form's room
        answer = upload(client, token, big)
        assert answer.status_code == 413, answer.text
        assert "50,000" in answer.json()["error"]["message"]
        # Far over the limit, the request itself is cut off before it is read whole.
        huge = upload(client, token, big * 3)
        assert huge.status_code == 413
    assert stored_files(settings) == []


def test_an_upload_needs_a_token(client: TestClient) -> None:
    answer = client.post("/api/media", files={"file": ("a.jpg", photo(100, 100), "image/jpeg")})
    assert answer.status_code == 401


def test_the_database_can_keep_the_files(database_url: str, tmp_path: Path) -> None:
    settings = Settings(
        database_url=database_url, media_storage="database", media_dir=str(tmp_path / "media")
    )
    with TestClient(create_app(settings)) as client:
        token = make_token(settings, "ana", "reporter")
        body = upload(client, token, photo_with_gps(900, 600)).json()
        for item in body["renditions"]:
            served = client.get(item["url"])
            assert served.status_code == 200
            assert not Image.open(io.BytesIO(served.content)).getexif()
        assert client.get("/media/" + "0" * 40 + ".jpg").status_code == 404
        assert client.get("/media/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert not (tmp_path / "media").exists()


@pytest.mark.postgres
def test_postgresql_keeps_the_files_for_several_nodes(
    postgres_database: str, tmp_path: Path
) -> None:
    url = emptied(postgres_database)
    settings = Settings(
        database_url=url, media_storage="database", media_dir=str(tmp_path / "unused")
    )
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        token = make_token(settings, "ana", "reporter")
        body = upload(one, token, photo_with_gps(900, 600)).json()
        again = upload(two, token, photo_with_gps(900, 600)).json()
        assert again["id"] == body["id"]
        for item in body["renditions"]:  # uploaded to one node, served by the other
            served = two.get(item["url"])
            assert served.status_code == 200
            assert not Image.open(io.BytesIO(served.content)).getexif()
    assert not (tmp_path / "unused").exists()
