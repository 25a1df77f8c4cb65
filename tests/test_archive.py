"""`liveline export` / `liveline import-json`: a lossless archive, refused whole when it is bad."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from liveline.app import create_app
from liveline.config import Settings
from tests.harness import auth, invoke_cli, make_token

IMAGE = {
    "url": "https://example.com/talks.jpg",
    "caption": "Leaders meet in Moscow.",
    "credit": "Pool/AFP/Getty Images",
    "alt": "Two men at a long white table",
}


def db_env(path: Path) -> dict[str, str]:
    return {"LIVELINE_DATABASE_URL": f"sqlite:///{path}"}


def row_counts(env: dict[str, str]) -> dict[str, int]:
    """Rows per table, read with plain sqlite3, to see that a refusal changed nothing."""
    with sqlite3.connect(env["LIVELINE_DATABASE_URL"].removeprefix("sqlite:///")) as db:
        return {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("blogs", "posts", "events")
        }


def refused(result) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    return result.stderr


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A blog holding one post of every kind a newsroom makes, written through the API.
    Made once for the module: the tests only read it."""
    settings = Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('source') / 's.db'}")
    with TestClient(create_app(settings)) as client:
        yield write_source(settings, client)


def write_source(settings: Settings, client: TestClient) -> dict[str, str]:
    headers = auth(make_token(settings, "ana", "editor"))
    blog = {
        "slug": "storm",
        "title": "Storm watch",
        "authors": ["Ana Ruiz", "Bo Chen"],
        "organization": "Liveline Desk",
        "timezone": "Europe/London",
    }
    assert client.post("/api/blogs", json=blog, headers=headers).status_code == 201

    def post(fields: dict) -> dict:
        body = {"body": "Text.", **fields}
        created = client.post("/api/blogs/storm/posts", json=body, headers=headers)
        assert created.status_code == 201, created.text
        return created.json()

    def patch(made: dict, fields: dict) -> dict:
        changed = client.patch(
            f"/api/blogs/storm/posts/{made['id']}",
            json=fields,
            headers={**headers, "If-Match": str(made["version"])},
        )
        assert changed.status_code == 200, changed.text
        return changed.json()

    post(
        {
            "headline": "Talks begin in Moscow",
            "body": "The leaders met for *five* hours.\n\nMore background: Minsk — ünïcode.",
            "authors": ["Niamh Kennedy", "Mike Hayes"],
            "location": "London",
            "contributors": ["Ivana Kottasová", "Bryony Jones"],
            "images": [IMAGE],
            "key_event": True,
            "published_at": "2022-02-07T19:20:00+00:00",
        }
    )
    post({"headline": "What we know", "pinned": True, "published_at": "2022-02-07T18:00:00Z"})
    edited = post({"headline": "Ports clsoed", "published_at": "2022-02-07T20:00:00Z"})
    edited = patch(edited, {"headline": "Ports closed"})
    assert patch(edited, {"body": "All three ports."})["version"] == 3
    post({"headline": "Unconfirmed: a ceasefire", "status": "draft"})
    post({"headline": "Evening briefing", "status": "scheduled", "publish_at": "2099-01-01T18:00Z"})
    gone = post({"headline": "Posted by mistake", "published_at": "2022-02-07T21:00:00Z"})
    deleted = client.delete(
        f"/api/blogs/storm/posts/{gone['id']}",
        headers={**headers, "If-Match": str(gone["version"])},
    )
    assert deleted.status_code == 200, deleted.text
    return {"LIVELINE_DATABASE_URL": settings.database_url}


@pytest.fixture(scope="module")
def archive_file(source: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("archive") / "storm.json"
    invoke_cli("export", "storm", "--output", str(path), env=source)
    return path


@pytest.fixture(scope="module")
def imported_once(archive_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database the archive was imported into as 'copy'; tests work on copies of it."""
    path = tmp_path_factory.mktemp("imported") / "target.db"
    invoke_cli("import-json", str(archive_file), "--slug", "copy", env=db_env(path))
    return path


def without_ids(archive: dict) -> dict:
    """What must survive a round trip: everything but the new ids and the export time."""
    posts = [{k: v for k, v in post.items() if k != "id"} for post in archive["posts"]]
    blog = {k: v for k, v in archive["blog"].items() if k != "slug"}
    return {"liveline_archive": archive["liveline_archive"], "blog": blog, "posts": posts}


def test_export_holds_every_post_including_drafts_scheduled_and_deleted(source) -> None:
    result = invoke_cli("export", "storm", env=source)

    archive = json.loads(result.stdout)
    assert archive["liveline_archive"] == 4
    assert archive["blog"]["language"] == "en-US"  # version 4 on: the blog's language
    assert "ünïcode" in result.stdout  # UTF-8 text, not \\u escapes
    by_headline = {post["headline"]: post for post in archive["posts"]}
    assert {h: p["status"] for h, p in by_headline.items()} == {
        "Talks begin in Moscow": "published",
        "What we know": "published",
        "Ports closed": "published",
        "Unconfirmed: a ceasefire": "draft",
        "Evening briefing": "scheduled",
        "Posted by mistake": "deleted",
    }
    talks = by_headline["Talks begin in Moscow"]
    # An image by URL: no upload, so no id, sizes or renditions.
    no_upload = {"media": None, "width": None, "height": None, "renditions": []}
    assert talks["images"] == [{**IMAGE, **no_upload}]
    assert talks["authors"] == ["Niamh Kennedy", "Mike Hayes"]
    assert (talks["location"], talks["key_event"]) == ("London", True)
    assert by_headline["Ports closed"]["version"] == 3
    assert by_headline["What we know"]["pinned"] is True


def test_an_unknown_slug_is_refused_on_export(source) -> None:
    result = invoke_cli("export", "nowhere", env=source, check=False)
    assert result.returncode == 1
    assert "nowhere" in result.stderr and "Traceback" not in result.stderr


def test_round_trip_into_a_fresh_database_loses_nothing(
    source, archive_file: Path, tmp_path: Path
) -> None:
    fresh = db_env(tmp_path / "fresh.db")

    imported = invoke_cli("import-json", str(archive_file), "--slug", "copy", env=fresh)

    assert "imported 6 posts into /blogs/copy" in imported.stdout
    first = json.loads(archive_file.read_text(encoding="utf-8"))
    again = json.loads(invoke_cli("export", "copy", env=fresh).stdout)
    assert again["blog"]["slug"] == "copy"
    expected, actual = without_ids(first), without_ids(again)
    assert actual["blog"] == expected["blog"]
    assert len(actual["posts"]) == len(expected["posts"])
    for want, got in zip(expected["posts"], actual["posts"], strict=True):
        for field, value in want.items():
            assert got[field] == value, (want["headline"], field)

    # Readers of the copy see the same posts, in the same order, and nothing else.
    with (
        TestClient(create_app(Settings(database_url=source["LIVELINE_DATABASE_URL"]))) as original,
        TestClient(create_app(Settings(database_url=fresh["LIVELINE_DATABASE_URL"]))) as copy,
    ):
        old = original.get("/api/blogs/storm/posts").json()
        new = copy.get("/api/blogs/copy/posts").json()
        page = copy.get("/blogs/copy").text
    for key in ("pinned", "posts"):
        assert [p["headline"] for p in new[key]] == [p["headline"] for p in old[key]]
    assert [p["headline"] for p in new["posts"]] == ["Ports closed", "Talks begin in Moscow"]
    assert [p["headline"] for p in new["pinned"]] == ["What we know"]
    assert "Posted by mistake" not in page and "Evening briefing" not in page
    statuses = {p["headline"]: p["status"] for p in again["posts"]}
    assert statuses["Evening briefing"] == "scheduled"
    assert statuses["Posted by mistake"] == "deleted"
    # The log tells live readers of each visible post, and of nothing else.
    with sqlite3.connect(tmp_path / "fresh.db") as db:
        logged = db.execute("SELECT seq, type FROM events ORDER BY seq").fetchall()
    assert logged == [(1, "post.published"), (2, "post.published"), (3, "post.published")]


def _first(archive: dict, status: str) -> int:
    return next(i for i, post in enumerate(archive["posts"]) if post["status"] == status)


def _set(archive: dict, index: int, **fields) -> dict:
    archive["posts"][index].update(fields)
    return archive


BAD_ARCHIVES = {
    "wrong version": (lambda a: {**a, "liveline_archive": 5}, lambda a: "liveline_archive"),
    "missing version": (
        lambda a: {k: v for k, v in a.items() if k != "liveline_archive"},
        lambda a: "liveline_archive",
    ),
    "published without published_at": (
        lambda a: _set(a, _first(a, "published"), published_at=None),
        lambda a: f"posts[{_first(a, 'published')}].published_at",
    ),
    "naive datetime": (
        lambda a: _set(a, 2, created_at="2022-02-07T20:00:00"),
        lambda a: "posts[2].created_at",
    ),
    "unknown field": (lambda a: _set(a, 1, mood="tense"), lambda a: "posts[1].mood"),
    "600-character headline": (
        lambda a: _set(a, 3, headline="x" * 600),
        lambda a: "posts[3].headline",
    ),
    "string as a bool": (lambda a: _set(a, 0, pinned="yes"), lambda a: "posts[0].pinned"),
    "version 0": (lambda a: _set(a, 4, version=0), lambda a: "posts[4].version"),
    "unknown time zone": (
        lambda a: {**a, "blog": {**a["blog"], "timezone": "Mars/Olympus"}},
        lambda a: "blog.timezone",
    ),
    "image field": (
        lambda a: _set(a, 0, images=[{**IMAGE, "exif": 3}]),
        lambda a: "posts[0].images[0].exif",
    ),
}


@pytest.mark.parametrize(("spoil", "path"), BAD_ARCHIVES.values(), ids=BAD_ARCHIVES.keys())
def test_a_bad_archive_is_refused_with_its_json_path_and_changes_nothing(
    archive_file: Path, imported_once: Path, tmp_path: Path, spoil, path
) -> None:
    shutil.copy(imported_once, tmp_path / "target.db")
    target = db_env(tmp_path / "target.db")
    before = row_counts(target)
    archive = json.loads(archive_file.read_text(encoding="utf-8"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(spoil(archive)), encoding="utf-8")

    for slug in ("copy", "other"):
        args = ("import-json", str(bad), "--slug", slug, "--replace")
        message = refused(invoke_cli(*args, env=target, check=False))
        assert message.startswith(f"error: {bad}: {path(archive)}: "), message
    assert row_counts(target) == before


@pytest.mark.parametrize(
    "content", [b"{not json", b"", b"\xff\xfe\x00garbage", b"[1, 2]", b"[" * 100_000]
)
def test_what_is_not_an_archive_at_all_is_refused(tmp_path: Path, content: bytes) -> None:
    env = db_env(tmp_path / "target.db")
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)

    message = refused(invoke_cli("import-json", str(bad), env=env, check=False))

    assert message.startswith(f"error: {bad}: ")
    assert not (tmp_path / "target.db").exists() or row_counts(env)["posts"] == 0


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    message = refused(
        invoke_cli("import-json", str(missing), env=db_env(tmp_path / "t.db"), check=False)
    )
    assert f"{missing}: cannot read" in message


def test_a_taken_slug_is_refused_unless_replace(archive_file: Path, tmp_path: Path) -> None:
    target = db_env(tmp_path / "target.db")
    invoke_cli("import-json", str(archive_file), "--slug", "copy", env=target)
    before = row_counts(target)

    again = invoke_cli("import-json", str(archive_file), "--slug", "copy", env=target, check=False)

    assert again.returncode != 0 and "Traceback" not in again.stderr
    assert "--replace" in again.stderr
    assert row_counts(target) == before

    invoke_cli("import-json", str(archive_file), "--slug", "copy", "--replace", env=target)

    after = row_counts(target)
    assert after["blogs"] == 1 and after["posts"] == 2 * before["posts"]
    with sqlite3.connect(tmp_path / "target.db") as db:
        statuses = db.execute("SELECT status, count(*) FROM posts GROUP BY status").fetchall()
        types = db.execute("SELECT type, count(*) FROM events GROUP BY type").fetchall()
    # The old copy is soft-deleted whole; the new one has one post of each kind again.
    assert dict(statuses) == {"published": 3, "draft": 1, "scheduled": 1, "deleted": 7}
    assert dict(types) == {"post.published": 6, "post.deleted": 3}
