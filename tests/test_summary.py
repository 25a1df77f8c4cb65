"""'What we know': the editors' summary of a live blog, versioned as posts are (every version
kept with who saved it and when, compare-and-set on save, restore as a new version), shown
above the posts on every reader surface, in the API and the archive, and logged as a public
event so open pages update."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from liveline.formats.archive import from_archive
from liveline.model import Role
from tests.newsroom import (
    Browser,
    Newsroom,
    cheap_hashing,  # noqa: F401  (the fixture, used here)
    console_settings,
    open_newsroom,
)

SUMMARY = "/api/blogs/{slug}/summary"
LIST = "- Winds reached **120 mph**\n- 40,000 homes without power\n- Schools closed Friday"


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newsroom]:
    for newsroom in open_newsroom(console_settings(tmp_path_factory.mktemp("summary"))):
        newsroom.add("ed", Role.EDITOR, "Ed Itor")
        newsroom.add("admin", Role.ADMIN)
        newsroom.add("rita", Role.REPORTER)
        yield newsroom


slugs = iter(f"storm-{n}" for n in range(1, 1000))


@pytest.fixture
def slug(room: Newsroom) -> str:
    return room.blog(next(slugs))


def save(room: Newsroom, slug: str, text: str, version: int | None, who: str = "ed"):
    headers = dict(room.tokens[who])
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    return room.client.put(SUMMARY.format(slug=slug), json={"summary": text}, headers=headers)


def test_each_save_is_a_new_version_and_a_stale_one_is_refused(room: Newsroom, slug: str) -> None:
    first = save(room, slug, "- Winds pick up", 0)
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 1 and first.headers["ETag"] == '"1"'
    second = save(room, slug, LIST, 1, who="admin")
    assert second.json()["version"] == 2

    stale = save(room, slug, "- An old view", 1)  # started from version 1: someone saved since
    assert stale.status_code == 409, stale.text
    assert stale.json()["error"]["current_version"] == 2
    assert save(room, slug, "- No version", None).status_code == 428
    assert save(room, slug, "- A reporter's", 2, who="rita").status_code == 403

    shown = room.client.get(SUMMARY.format(slug=slug)).json()
    assert shown["summary"] == LIST and shown["version"] == 2
    assert "<strong>120 mph</strong>" in shown["html"]
    blog = room.client.get(f"/api/blogs/{slug}").json()
    assert blog["summary"] == LIST and blog["summary_version"] == 2

    versions = room.client.get(
        SUMMARY.format(slug=slug) + "/versions", headers=room.tokens["rita"]
    ).json()["versions"]
    assert [(v["version"], v["saved_by"], v["summary"]) for v in versions] == [
        (2, "admin", LIST),
        (1, "Ed Itor", "- Winds pick up"),
    ]
    assert room.client.get(SUMMARY.format(slug=slug) + "/versions").status_code == 401


def test_restoring_a_version_saves_it_again_as_a_new_one(room: Newsroom, slug: str) -> None:
    save(room, slug, "- First", 0)
    save(room, slug, "- Second", 1)
    url = SUMMARY.format(slug=slug) + "/versions/1/restore"
    stale = room.client.post(url, headers={**room.tokens["ed"], "If-Match": '"1"'})
    assert stale.status_code == 409
    restored = room.client.post(url, headers={**room.tokens["ed"], "If-Match": '"2"'})
    assert restored.status_code == 200, restored.text
    assert restored.json()["version"] == 3 and restored.json()["summary"] == "- First"
    missing = SUMMARY.format(slug=slug) + "/versions/9/restore"
    headers = {**room.tokens["ed"], "If-Match": '"3"'}
    assert room.client.post(missing, headers=headers).status_code == 404


def test_the_summary_is_sanitised_as_a_post_body_is(room: Newsroom, slug: str) -> None:
    hostile = '- <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror="alert(3)">'
    save(room, slug, hostile, 0)
    page = room.client.get(f"/blogs/{slug}").text
    shown = page.split('id="summary-body">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in shown and 'href="javascript' not in shown and "<img" not in shown
    post = room.post(slug, "ed", body=hostile)
    body = room.client.get(f"/blogs/{slug}/posts/{post['id']}").text
    assert shown == body.split('class="post__body">', 1)[1].split("</div>", 1)[0]  # the same
    too_long = save(room, slug, "x" * 10_001, 1)
    assert too_long.status_code == 422


def test_reader_page_embed_and_post_page_show_it_above_the_posts(room: Newsroom, slug: str) -> None:
    empty = room.client.get(f"/blogs/{slug}").text
    assert '<section class="summary" id="summary" aria-labelledby="summary-title" hidden>' in empty
    room.post(slug, "ed", headline="Winds pick up")
    save(room, slug, LIST, 0)
    for path in (f"/blogs/{slug}", f"/blogs/{slug}/embed"):
        page = room.client.get(path).text
        assert 'id="summary" aria-labelledby="summary-title">' in page  # not hidden
        assert "<li>Winds reached <strong>120 mph</strong></li>" in page
        assert page.index('id="summary"') < page.index('id="posts"')


def test_a_save_is_a_public_blog_event_with_the_rendered_summary(room: Newsroom, slug: str) -> None:
    save(room, slug, LIST, 0)
    events = room.client.get(f"/api/blogs/{slug}/events?since=0").json()["events"]
    assert [e["type"] for e in events] == ["blog.updated"]
    assert events[0]["blog"]["summary"] == LIST
    assert "<strong>120 mph</strong>" in events[0]["blog"]["summary_html"]


def test_the_archive_carries_the_summary_and_every_version(room: Newsroom, slug: str) -> None:
    save(room, slug, "- First", 0)
    save(room, slug, LIST, 1)
    service = room.app.state.service
    archive = service.archives.export(slug)
    assert archive["liveline_archive"] == 4
    assert archive["blog"]["summary"] == LIST
    assert [v["version"] for v in archive["summary_versions"]] == [1, 2]
    loaded = from_archive(json.loads(json.dumps(archive)))
    copy = room.client.portal.call(service.archives.import_archive, loaded, "copy-" + slug)  # type: ignore[union-attr]
    assert copy.summary == LIST and copy.summary_version == 2
    again = service.archives.export(copy.slug)
    assert again["summary_versions"] == archive["summary_versions"]

    # An archive of version 3 (no summary) still loads, with none.
    older = {**archive, "liveline_archive": 3, "summary_versions": []}
    older["blog"] = {
        k: v for k, v in archive["blog"].items() if k not in ("summary", "summary_version")
    }
    assert from_archive(older).blog.summary == ""
    # One whose versions disagree with the blog's summary is refused, with where.
    broken = {**archive, "summary_versions": archive["summary_versions"][:1]}
    with pytest.raises(ValueError, match=r"blog\.summary_version"):
        from_archive(broken)


def test_editors_keep_it_on_the_settings_page_and_a_stale_save_keeps_their_words(
    room: Newsroom, slug: str
) -> None:
    editor = room.browser("ed")
    page = editor.get(f"/edit/{slug}/settings")
    assert 'id="summary-form"' in page.text and 'name="version" value="0"' in page.text
    saved = editor.post(f"/edit/{slug}/summary", summary=LIST, version="0")
    assert saved.status_code == 200 and saved.url.path == f"/edit/{slug}/settings"
    assert room.client.get(SUMMARY.format(slug=slug)).json()["version"] == 1

    stale = editor.post(f"/edit/{slug}/summary", summary="- My stale words", version="0")
    assert stale.status_code == 409
    assert "- My stale words</textarea>" in stale.text  # what they typed stays
    assert 'name="version" value="1"' in stale.text  # over the version now stored
    assert 'id="summary-version-1"' in stale.text  # which is listed, to compare

    restore = editor.post(f"/edit/{slug}/summary/1/restore", version="1")
    assert restore.status_code == 200
    assert room.client.get(SUMMARY.format(slug=slug)).json()["version"] == 2

    reporter = room.browser("rita")
    refused = reporter.post(f"/edit/{slug}/summary", summary="- Mine", version="2")
    assert refused.status_code == 403


def test_the_settings_page_shows_the_embed_snippet(room: Newsroom, slug: str) -> None:
    page: Browser = room.browser("ed")
    html = page.get(f"/edit/{slug}/settings").text
    snippet = html.split('id="embed-snippet"', 1)[1].split("</textarea>", 1)[0]
    assert f"http://testserver/blogs/{slug}/embed" in snippet
    assert "&lt;iframe" in snippet and "data-liveline" in snippet  # escaped: shown, not run


def test_the_migration_adds_the_columns_to_an_existing_database(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    from liveline.store.db import MIGRATIONS, make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
    migrate(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("blogs")}
    assert {"summary", "summary_version", "brand_name", "accent_color"} <= columns
    assert "summary_versions" in inspect(engine).get_table_names()
    engine.dispose()
