"""Debian's Varnish in front of Liveline, configured by docs/varnish/liveline.vcl as it is.

A read is served from Varnish's cache; after a deletion, no page, feed or poll that
Varnish answers shows the deleted post, long before any s-maxage runs out: Liveline's
purger bans the post's and the blog's surrogate keys.

The tests share one Varnish and one server, each on a blog of its own; the last one
restarts the server with settings of its own.
"""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.harness import LiveServer, auth, free_port, unavailable, unique

VCL = Path(__file__).resolve().parents[1] / "docs" / "varnish" / "liveline.vcl"
BACKEND_PORT = '.port = "8000";'
GONE = "Sinkhole swallows bus"
KEPT = "Water main repaired"
READS = (
    "/blogs/storm",
    "/blogs/storm?order=oldest",
    "/blogs/storm/embed",
    "/blogs/storm/feed.atom",
    "/blogs/storm/feed.rss",
    "/blogs/storm/feed.json",
    "/api/blogs/storm/events?since=0",
    "/api/blogs/storm/events?since=1&round=10",  # redirected to since=0, shared by all
    "/api/blogs/storm/posts",
)


def varnishd() -> str:
    found = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin")
    if found is None:
        unavailable("varnishd is not installed: apt-get install varnish (make setup, as root)")
    assert found is not None
    return found


@pytest.fixture(scope="module")
def behind_varnish(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    binary = varnishd()
    tmp_path = tmp_path_factory.mktemp("varnish")
    port = free_port()
    server = LiveServer(
        f"sqlite:///{tmp_path / 'live.db'}",
        tmp_path / "server.log",
        extra_env={"LIVELINE_PURGE_URL": f"http://127.0.0.1:{port}/"},
    )
    text = VCL.read_text(encoding="utf-8")
    assert BACKEND_PORT in text, f"{VCL} no longer names its backend port as {BACKEND_PORT}"
    vcl = tmp_path / "liveline.vcl"
    vcl.write_text(text.replace(BACKEND_PORT, f'.port = "{server.port}";'), encoding="utf-8")
    log = (tmp_path / "varnish.log").open("wb")
    # -F: in the foreground, ours to stop; -j none: no jail, so a test's temp dir will do.
    varnish = subprocess.Popen(
        [
            *(binary, "-F", "-j", "none", "-n", str(tmp_path / "varnish"), "-f", str(vcl)),
            *("-a", f"127.0.0.1:{port}", "-s", "malloc,32m", "-T", "127.0.0.1:0"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        server.start()
        front = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            if varnish.poll() is not None:
                raise AssertionError((tmp_path / "varnish.log").read_text()[-2000:])
            try:
                if httpx.get(f"{front}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("varnish did not start")
            time.sleep(0.1)
        yield server, front
    finally:
        varnish.terminate()
        varnish.wait(timeout=10)
        server.stop()


def purges_caught_up(server: LiveServer, slug: str, within: float = 10.0) -> None:
    """Until the purger has handed every change of the blog to the CDN (its cursor in
    `log_cursors` at the blog's last seq): a page read through the CDN before then can be
    purged a moment later by the blog's own creation or posts, and miss the cache next."""
    database = server.database_url.removeprefix("sqlite:///")
    deadline = time.monotonic() + within
    while True:
        with sqlite3.connect(database) as db:
            seqs = db.execute(
                "SELECT blogs.last_seq, coalesce(log_cursors.seq, 0) FROM blogs LEFT JOIN"
                " log_cursors ON log_cursors.blog_id = blogs.id AND follower = 'purge'"
                " WHERE blogs.slug = ?",
                (slug,),
            ).fetchone()
        if seqs is not None and seqs[0] == seqs[1]:
            return
        assert time.monotonic() < deadline, f"the purger stayed behind on {slug}: {seqs}"
        time.sleep(0.05)


def test_a_deleted_post_leaves_every_cached_read_at_once(
    behind_varnish: tuple[LiveServer, str],
) -> None:
    server, front = behind_varnish
    editor = auth(server.token("ed"))
    with httpx.Client(base_url=server.url, headers=editor, timeout=10) as origin:
        assert origin.post("/api/blogs", json={"title": "Storm"}).status_code == 201
        ids = {}
        for headline in (GONE, KEPT):
            posted = origin.post("/api/blogs/storm/posts", json={"headline": headline, "body": "."})
            assert posted.status_code == 201, posted.text
            ids[headline] = posted.json()["id"]
    purges_caught_up(server, "storm")

    with httpx.Client(base_url=front, timeout=10, follow_redirects=True) as cdn:
        for path in READS:
            first = cdn.get(path)
            assert first.status_code == 200, (path, first.text)
            assert GONE in first.text and KEPT in first.text, path
            again = cdn.get(path)
            assert again.headers["x-cache"] == "HIT", path  # served by Varnish, not Liveline
            assert "age" in again.headers and again.text == first.text, path
            assert "s-maxage=60" in again.headers["cache-control"], path  # would outlive a test

        own = f"/api/blogs/storm/posts/{ids[GONE]}"  # the post's own read, by its key
        assert cdn.get(own).status_code == 200 and cdn.get(own).headers["x-cache"] == "HIT"

        with httpx.Client(base_url=server.url, headers=editor, timeout=10) as origin:
            gone = origin.delete(f"/api/blogs/storm/posts/{ids[GONE]}", headers={"If-Match": '"1"'})
            assert gone.status_code in (200, 204), gone.text

        deadline = time.monotonic() + 5  # the purge is sent at commit; allow for a busy machine
        while GONE in cdn.get("/blogs/storm").text:
            assert time.monotonic() < deadline, "the deletion was not purged from Varnish"
            time.sleep(0.05)
        for path in READS:
            answer = cdn.get(path)
            assert answer.status_code == 200, path
            assert GONE not in answer.text, f"{path} still shows the deleted post"
            assert KEPT in answer.text, path
        assert cdn.get(own).status_code == 404  # and no 404 is kept in its place either


def test_a_purge_that_failed_is_sent_after_a_restart(
    behind_varnish: tuple[LiveServer, str],
) -> None:
    server, front = behind_varnish
    purge_url = server.extra_env["LIVELINE_PURGE_URL"]
    editor = auth(server.token(unique("ed")))
    slug = unique("storm")
    page = f"/blogs/{slug}"
    with httpx.Client(base_url=server.url, headers=editor, timeout=10) as origin:
        created = origin.post("/api/blogs", json={"title": "Storm", "slug": slug})
        assert created.status_code == 201, created.text
        posted = origin.post(f"/api/blogs/{slug}/posts", json={"headline": GONE, "body": "."})
        assert posted.status_code == 201, posted.text
    purges_caught_up(server, slug)
    with httpx.Client(base_url=front, timeout=10) as cdn:
        assert GONE in cdn.get(page).text
        assert cdn.get(page).headers["x-cache"] == "HIT"

        # The CDN cannot be reached when the post is deleted: the purge is not acknowledged.
        server.extra_env.update(
            LIVELINE_PURGE_URL="http://127.0.0.1:9/", LIVELINE_CACHE_SHARED_MAX_AGE="60"
        )
        server.restart()
        failures = server.log_path.read_text().count("purge failed")
        with httpx.Client(base_url=server.url, headers=editor, timeout=10) as origin:
            gone = origin.delete(
                f"/api/blogs/{slug}/posts/{posted.json()['id']}", headers={"If-Match": '"1"'}
            )
            assert gone.status_code in (200, 204), gone.text
        deadline = time.monotonic() + 10  # the purger tried, and the CDN was not there
        while server.log_path.read_text().count("purge failed") <= failures:
            assert time.monotonic() < deadline, "the purger never tried the deletion"
            time.sleep(0.05)
        assert GONE in cdn.get(page).text  # still cached: nothing took it out

        # The process dies before any purge went through; the next one finds it in the log.
        server.stop(signal.SIGKILL)
        server.extra_env["LIVELINE_PURGE_URL"] = purge_url
        server.start()
        deadline = time.monotonic() + 5
        while GONE in cdn.get(page).text:
            assert time.monotonic() < deadline, "the purge was lost with the process"
            time.sleep(0.05)
