"""Every kind of write to one blog at once, on the real PostgreSQL: no deadlock, no 500.

Publishes, edits, deletes (HTTP, from threads) and `--replace` imports (the command line, from
other processes) of one blog race each other. Each write locks the blog's row first, so they
queue instead of deadlocking: every answer is a success or a refusal the writer can act on
(409 stale, 404 gone, 428 no version), and the blog's log stays gap-free.

LIVELINE_LONG_TESTS=1 runs the race 20 times over.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import psycopg
import pytest

from liveline.config import Settings
from liveline.demo.setup import story_text
from liveline.formats.textparse import parse_text
from liveline.service import open_service
from tests.harness import LiveServer, auth, emptied
from tests.record import record

pytestmark = pytest.mark.postgres

ROUNDS = 20 if os.environ.get("LIVELINE_LONG_TESTS") == "1" else 1
SECONDS = 5.0  # of racing, per round; up to three times as long on a machine so loaded that
# no edit has yet got in between two replacements (the race must have raced)
ACCEPTED = {200, 201, 404, 409, 428}


@pytest.fixture
def server(postgres_database: str, tmp_path: Path) -> LiveServer:
    live = LiveServer(emptied(postgres_database), tmp_path / "server.log")
    live.start()
    yield live  # type: ignore[misc]
    live.stop()


def test_publishes_edits_deletes_and_replace_imports_never_deadlock(
    server: LiveServer, tmp_path: Path
) -> None:
    story = tmp_path / "story.txt"
    story.write_text(story_text(), encoding="utf-8")
    server.cli("import", str(story), "--slug", "race")
    headers = auth(server.token("ed", "editor"))
    totals: Counter[int] = Counter()
    imports = 0
    for round_ in range(ROUNDS):
        statuses, import_codes = race(server, story, headers, seed=round_)
        totals += statuses
        imports += len(import_codes)
        unexpected = {status: n for status, n in statuses.items() if status not in ACCEPTED}
        assert not unexpected, f"round {round_}: {unexpected} in {dict(statuses)}"
        assert statuses[201] > 0, dict(statuses)  # the race really ran
        assert import_codes and set(import_codes) == {0}, [c for c in import_codes if c]
        assert_log_is_gap_free(server.database_url, "race")
    assert totals[200] > 0, dict(totals)  # edits got through between the replacements
    assert "DeadlockDetected" not in server.log_path.read_text()
    record(
        "Publishes, edits, deletes and --replace imports of one blog at once (PostgreSQL)",
        tried=f"{ROUNDS} round(s) of {SECONDS:g} s: {sum(totals.values())} HTTP writes from 8 "
        f"threads, {imports} replace-imports from 2 threads and a CLI process",
        lost="nothing: no 500, no deadlock, seqs gap-free, counts agree",
        test="tests/test_concurrent_writes.py",
    )


def race(
    server: LiveServer, story: Path, headers: dict[str, str], seed: int
) -> tuple[Counter[int], list[int]]:
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS
    posts_url = f"{server.url}/api/blogs/race/posts"

    def racing() -> bool:
        now = time.monotonic()
        raced = statuses[200] > 0 and statuses[201] > 0
        return now < stop or (not raced and now < stop + 2 * SECONDS)

    def count(status: int) -> None:
        with lock:
            statuses[status] += 1

    def publisher(n: int) -> None:
        with httpx.Client(timeout=30) as client:
            i = 0
            while racing():
                i += 1
                body = {"headline": f"Writer {n} post {i}", "body": "Racing."}
                count(client.post(posts_url, json=body, headers=headers).status_code)

    def changer(n: int, delete: bool) -> None:
        chooser = random.Random(seed * 100 + n)
        with httpx.Client(timeout=30) as client:
            while racing():
                listed = client.get(posts_url, params={"limit": 10}).json()["posts"]
                if not listed:
                    continue
                post = chooser.choice(listed)
                url = f"{posts_url}/{post['id']}"
                version = {"If-Match": f'"{post["version"]}"'}
                if delete:
                    response = client.delete(url, headers={**headers, **version})
                elif chooser.random() < 0.1:  # now and then without a version: 428
                    response = client.patch(url, json={"body": "Blind."}, headers=headers)
                else:
                    body = {"body": f"Edited by {n}.", "key_event": chooser.random() < 0.5}
                    response = client.patch(url, json=body, headers={**headers, **version})
                count(response.status_code)

    import_codes: list[int] = []
    parsed = parse_text(story.read_text(encoding="utf-8"))
    service = open_service(Settings(database_url=server.database_url))

    pause = random.Random(seed)

    def replacer() -> None:  # in this process: many more replacements than a CLI can make
        while racing():
            try:
                asyncio.run(service.importing.import_blog(parsed, "race", replace=True))
                import_codes.append(0)
            except Exception as exc:  # a deadlock would be an OperationalError
                import_codes.append(repr(exc))  # type: ignore[arg-type]
            time.sleep(pause.uniform(0.5, 1.5))  # room for edits of the posts it brought in

    def importer() -> None:
        while racing():
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "liveline",
                    "import",
                    str(story),
                    "--slug",
                    "race",
                    "--replace",
                ],
                env={**os.environ, **server.env},
                capture_output=True,
                text=True,
                timeout=60,
            )
            import_codes.append(done.returncode)
            assert "Traceback" not in done.stderr, done.stderr

    threads = [threading.Thread(target=publisher, args=(n,)) for n in range(3)]
    threads += [threading.Thread(target=changer, args=(n, False)) for n in range(3)]
    threads += [threading.Thread(target=changer, args=(n + 10, True)) for n in range(2)]
    threads += [threading.Thread(target=importer)]
    threads += [threading.Thread(target=replacer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    service.close()
    return statuses, import_codes


def assert_log_is_gap_free(database_url: str, slug: str) -> None:
    with psycopg.connect(database_url) as conn:
        blog_id, last_seq, post_count = conn.execute(
            "SELECT id, last_seq, post_count FROM blogs WHERE slug = %s", (slug,)
        ).fetchone()
        seqs = [row[0] for row in conn.execute(
            "SELECT seq FROM events WHERE blog_id = %s ORDER BY seq", (blog_id,)
        )]  # fmt: skip
        published = conn.execute(
            "SELECT count(*) FROM posts WHERE blog_id = %s AND status = 'published'", (blog_id,)
        ).fetchone()[0]
    assert seqs == list(range(1, last_seq + 1))
    assert post_count == published  # the kept count agrees with the posts
