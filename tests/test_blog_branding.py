"""A blog's own name, logo, accent and favicon over the instance's, on every page readers see
of it (the live page, a post's page, the embed, the static snapshot), set through the API and
the console's settings, and refused where it could break out of its place."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from liveline.config import Settings
from liveline.model import Role
from liveline.web.branding import accent_rule, contrast
from liveline.web.snapshot import write_snapshot
from tests.newsroom import (
    SECRET,
    Newsroom,
    cheap_hashing,  # noqa: F401  (the fixture, used here)
    open_newsroom,
)

INSTANCE = {"site_name": "The Gazette", "accent_color": "#0055aa", "logo_url": "/media/g.png"}
OWN = {
    "brand_name": "Storm Desk",
    "logo_url": "https://cdn.example.org/storm.svg",
    "accent_color": "#C0FFEE",
    "favicon_url": "/media/0123456789abcdef.png",
}


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newsroom]:
    where = tmp_path_factory.mktemp("brands")
    settings = Settings(
        database_url=f"sqlite:///{where / 'brands.db'}", secret_key=SECRET, **INSTANCE
    )
    for newsroom in open_newsroom(settings):
        newsroom.add("ed", Role.EDITOR)
        newsroom.blog("plain")
        newsroom.blog("own")
        changed = newsroom.client.patch("/api/blogs/own", json=OWN, headers=newsroom.tokens["ed"])
        assert changed.status_code == 200, changed.text
        assert changed.json()["accent_color"] == "#c0ffee"  # kept in one spelling
        newsroom.post("own", "ed", headline="Winds pick up")
        yield newsroom


def test_the_blogs_own_marks_are_on_its_page_post_page_and_embed(room: Newsroom) -> None:
    post = room.client.get("/api/blogs/own/posts").json()["posts"][0]
    for path in ("/blogs/own", f"/blogs/own/posts/{post['id']}", "/blogs/own/embed"):
        page = room.client.get(path).text
        assert '<link rel="stylesheet" href="/brand.css?accent=c0ffee">' in page, path
        assert '<link rel="icon" href="/media/0123456789abcdef.png">' in page, path
        assert "The Gazette" not in page, path
        if not path.endswith("/embed"):  # the embed has no banner
            assert '<img class="site-logo" src="https://cdn.example.org/storm.svg" alt="">' in page
    live = room.client.get("/blogs/own").text
    assert "<title>Storm watch | Storm Desk</title>" in live
    assert 'data-site-name="Storm Desk"' in live  # live.js keeps it in a retitled title
    sheet = room.client.get("/brand.css?accent=c0ffee")
    assert "max-age" in sheet.headers["cache-control"]
    light, dark = re.findall(r"--accent:(#[0-9a-f]{6})", sheet.text)
    # So pale a colour would not read on white: darkened just enough there; kept in the dark.
    assert contrast(light, "#ffffff") >= 4.5 and contrast(light, "#ffffff") < 5.5
    assert dark == "#c0ffee" and contrast(dark, "#161616") >= 4.5


def test_a_blog_without_marks_of_its_own_wears_the_instances(room: Newsroom) -> None:
    page = room.client.get("/blogs/plain").text
    assert '<link rel="stylesheet" href="/brand.css">' in page
    assert "<title>Storm watch | The Gazette</title>" in page
    assert '<img class="site-logo" src="/media/g.png" alt="">' in page
    assert room.client.get("/brand.css").text.startswith(":root{--accent:#0055aa}\n")
    # Cleared, a blog's mark goes back to the instance's.
    patch = {"brand_name": "Temporary"}
    room.client.patch("/api/blogs/plain", json=patch, headers=room.tokens["ed"])
    assert "| Temporary</title>" in room.client.get("/blogs/plain").text
    room.client.patch("/api/blogs/plain", json={"brand_name": None}, headers=room.tokens["ed"])
    assert "| The Gazette</title>" in room.client.get("/blogs/plain").text


@pytest.mark.parametrize(
    "field, value",
    [
        ("accent_color", "red"),
        ("accent_color", "#fff"),
        ("accent_color", "#12345g"),
        ("accent_color", "#000000;}body{display:none"),
        ("logo_url", "http://plain.example/logo.png"),  # the CSP takes https only
        ("logo_url", "javascript:alert(1)"),
        ("logo_url", "//evil.example/x.png"),
        ("logo_url", "/static/../media/x.png"),
        ("logo_url", "/elsewhere/x.png"),
        ("favicon_url", 'https://x.example/a"onerror=alert(1)'),
        ("favicon_url", "/media/../../etc/passwd"),
        ("brand_name", ""),
        ("brand_name", "x" * 201),
    ],
)
def test_marks_that_could_break_out_are_refused_with_their_field(
    room: Newsroom, field: str, value: str
) -> None:
    refused = room.client.patch("/api/blogs/plain", json={field: value}, headers=room.tokens["ed"])
    assert refused.status_code == 422, refused.text
    assert field in refused.json()["error"]["message"]


def test_a_made_up_accent_sheet_is_refused(room: Newsroom) -> None:
    for asked in ("red", "C0FFEE", "c0ffee}x", "12345"):
        assert room.client.get("/brand.css", params={"accent": asked}).status_code == 422


def test_the_console_settings_set_and_clear_them(room: Newsroom) -> None:
    room.blog("console-brand")
    editor = room.browser("ed")
    page = editor.get("/edit/console-brand/settings").text
    assert 'id="accent_color" name="accent_color" value=""' in page
    fields = {"title": "Storm watch", "timezone": "America/New_York", "authors": ""}
    saved = editor.post("/edit/console-brand/settings", **fields, **OWN)
    assert saved.status_code == 200, saved.text
    blog = room.client.get("/api/blogs/console-brand").json()
    assert {name: blog[name] for name in OWN} == {**OWN, "accent_color": "#c0ffee"}
    bad = editor.post("/edit/console-brand/settings", **fields, accent_color="blue")
    assert bad.status_code == 422 and "accent_color" in bad.text
    cleared = editor.post("/edit/console-brand/settings", **fields)  # every mark left empty
    assert cleared.status_code == 200
    blog = room.client.get("/api/blogs/console-brand").json()
    assert all(blog[name] is None for name in OWN)


def test_the_snapshot_wears_them_too(room: Newsroom, tmp_path: Path) -> None:
    settings = Settings(database_url="sqlite://", **INSTANCE)
    write_snapshot(room.app.state.service, "own", tmp_path, settings)
    html = (tmp_path / "index.html").read_text()
    assert '<link rel="stylesheet" href="brand.css">' in html
    assert (tmp_path / "brand.css").read_text() == accent_rule("#c0ffee")
    assert "<title>Storm watch | Storm Desk</title>" in html
    assert 'src="https://cdn.example.org/storm.svg"' in html
    # Its favicon is an upload of ours: the page points at its copy (or nothing of Liveline's).
    assert '<link rel="icon" href="media/0123456789abcdef.png">' in html
