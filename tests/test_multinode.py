"""Scale-out, end to end: two `liveline serve` processes on one PostgreSQL database and one Redis.

An editor publishes through either node; readers of either node get every post, in order,
exactly once, and a reader that moves between nodes, or whose node restarts, replays
exactly what it missed from the log.

The module's tests share one pair of nodes (each test on a blog and an editor of its own):
starting two servers is most of what a test here would cost. Both purge and publish to
GRIP through one loopback far side; node A, started first, holds those duties until the
last test kills it.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.harness import LiveServer, auth, emptied, reachable_redis, unique
from tests.test_stream import TIMEOUT, Desk, follow, open_blog, take, wait_for_readers

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def postgres_url(postgres_database: str) -> str:
    """Emptied once, for this module: its first server migrates it from nothing."""
    return emptied(postgres_database)


@pytest.fixture(scope="module")
def redis_url() -> str:
    return reachable_redis(5)


@dataclass
class Nodes:
    """The module's two nodes, and what the first one's start showed."""

    servers: tuple[LiveServer, LiveServer]
    far: FarSide
    locks_before: int  # the database's advisory locks before A started
    duty_holder: int  # the pid of A's process, which took both duties before B started


@pytest.fixture(scope="module")
def shared_nodes(
    postgres_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Nodes]:
    """Two servers on an emptied database. Redis pub/sub ignores the database number, so the
    channels get a prefix of this module's own: parallel runs never hear each other."""
    where = tmp_path_factory.mktemp("nodes")
    far = FarSide()
    env = {
        "LIVELINE_BROKER_URL": f"{redis_url}?prefix=liveline-test-{uuid.uuid4().hex[:12]}:",
        "LIVELINE_GRIP_URL": f"{far.url}/publish/",
        "LIVELINE_PURGE_URL": f"{far.url}/",
    }
    a, b = (LiveServer(postgres_url, where / f"{name}.log", env) for name in ("a", "b"))
    locks_before = advisory_locks(postgres_url)
    try:
        a.start()  # first: it migrates the database and takes both duties (purge and GRIP)
        assert a.process is not None
        deadline = time.monotonic() + 10
        while advisory_locks(postgres_url) < locks_before + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        b.start()
        yield Nodes((a, b), far, locks_before, a.process.pid)
    finally:
        for server in (a, b):
            server.stop()
        far.server.shutdown()
        far.server.server_close()


@pytest.fixture
def nodes(shared_nodes: Nodes) -> tuple[LiveServer, ...]:
    """Both nodes up: a test that stopped one and failed before starting it again leaves
    the next test a node restarted, not a node missing."""
    for server in shared_nodes.servers:
        if server.process is None or server.process.poll() is not None:
            server.start()
    return shared_nodes.servers


def open_own_blog(server: LiveServer) -> Desk:
    """A blog, and an editor, of this test's own on the shared nodes."""
    headers = auth(server.token(unique("editor"), "editor"))
    slug = unique("storm")
    created = httpx.post(
        f"{server.url}/api/blogs",
        json={"slug": slug, "title": "Storm watch", "organization": "Liveline News"},
        headers=headers,
        timeout=TIMEOUT,
    )
    assert created.status_code == 201, created.text
    return Desk(server.url, slug, headers)


def test_readers_of_both_nodes_get_posts_from_both_in_order_exactly_once(
    nodes: tuple[LiveServer, LiveServer],
) -> None:
    a, b = nodes
    desk_a = open_own_blog(a)
    desk_b = Desk(b.url, desk_a.slug, desk_a.headers)

    with follow(a, desk_a.slug) as on_a, follow(b, desk_a.slug) as on_b:
        posts = [desk.publish(f"Update {i}") for i, desk in enumerate([desk_a, desk_b] * 3)]
        got_a, got_b = take(on_a, 6), take(on_b, 6)
        # Had anything come twice, it would come before this one.
        marker = desk_a.publish("Marker")
        [next_a], [next_b] = take(on_a, 1), take(on_b, 1)

    for got in (got_a, got_b):
        assert [e.seq for e in got] == [1, 2, 3, 4, 5, 6]
        assert [e.data["post"]["id"] for e in got] == [p["id"] for p in posts]
    assert [e.data["post"]["headline"] for e in got_b] == [f"Update {i}" for i in range(6)]
    # B renders what Redis brought exactly as A renders from its own log: same HTML, same count.
    assert [e.data for e in got_b] == [e.data for e in got_a]
    assert got_b[-1].data["blog"]["count_text"] == "6 Posts"
    assert (next_a.seq, next_b.seq) == (7, 7)
    assert next_a.data["post"]["id"] == next_b.data["post"]["id"] == marker["id"]


def test_a_reader_that_moves_to_the_other_node_gets_exactly_what_it_missed(
    nodes: tuple[LiveServer, LiveServer],
) -> None:
    a, b = nodes
    desk_a = open_own_blog(a)
    desk_b = Desk(b.url, desk_a.slug, desk_a.headers)

    with follow(b, desk_a.slug) as events:
        for i in range(3):
            desk_a.publish(f"Before the move {i}")
        seen = take(events, 3)
    assert [e.seq for e in seen] == [1, 2, 3]

    wait_for_readers(b, 0)
    missed = [desk.publish(f"While away {i}") for i, desk in enumerate([desk_a, desk_b] * 2)]

    with follow(a, desk_a.slug, last_event_id=seen[-1].seq) as events:
        replayed = take(events, 4)
        marker = desk_b.publish("Back live")  # published on B, read on A: through Redis
        [live] = take(events, 1)

    assert [e.seq for e in replayed] == [4, 5, 6, 7]
    assert [e.data["post"]["id"] for e in replayed] == [p["id"] for p in missed]
    assert live.seq == 8 and live.data["post"]["id"] == marker["id"]


def test_a_node_that_restarts_replays_exactly_what_its_reader_missed(
    nodes: tuple[LiveServer, LiveServer],
) -> None:
    a, b = nodes
    desk_a = open_own_blog(a)

    with follow(b, desk_a.slug) as events:
        desk_a.publish("Before the restart")
        [first] = take(events, 1)
    assert first.seq == 1

    b.stop()
    missed = [desk_a.publish(f"While B is down {i}") for i in range(3)]
    b.start()

    with follow(b, desk_a.slug, last_event_id=first.seq) as events:
        replayed = take(events, 3)
        marker = desk_a.publish("B is back")  # the restarted node has subscribed again
        [live] = take(events, 1)

    assert [e.seq for e in replayed] == [2, 3, 4]
    assert [e.data["post"]["id"] for e in replayed] == [p["id"] for p in missed]
    assert live.seq == 5 and live.data["post"]["id"] == marker["id"]


def test_workers_of_one_server_share_its_port_and_every_post(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    broker_url = f"{redis_url}?prefix=liveline-test-{uuid.uuid4().hex[:12]}:"
    server = LiveServer(
        postgres_url,
        tmp_path / "workers.log",
        {"LIVELINE_BROKER_URL": broker_url},
        extra_args=("--workers", "2"),
    )
    server.start()
    try:
        desk = open_blog(server, slug="workers")
        streams = [follow(server, "workers") for _ in range(30)]
        readers = [stream.__enter__() for stream in streams]
        per_worker = wait_for_readers_anywhere(server, 30)
        assert len(per_worker) == 2 and min(per_worker.values()) > 0, per_worker
        posts = [desk.publish(f"Update {n}") for n in range(5)]
        for events in readers:
            assert [e.data["post"]["id"] for e in take(events, 5)] == [p["id"] for p in posts]
        for stream in streams:
            stream.__exit__(None, None, None)
    finally:
        server.stop()
    assert server.process.returncode == 0
    assert "Traceback" not in server.log_path.read_text()


def wait_for_readers_anywhere(server: LiveServer, n: int) -> dict[int, int]:
    """Each worker's /healthz counts its own readers; poll until they add up to n."""
    deadline = time.monotonic() + 10
    seen: dict[int, int] = {}
    while time.monotonic() < deadline:
        # A new connection each time, so the kernel may hand it to either worker.
        health = httpx.get(f"{server.url}/healthz", timeout=5, headers={"Connection": "close"})
        seen[health.json()["pid"]] = health.json()["readers"]
        if sum(seen.values()) >= n and len(seen) > 1:
            return seen
        time.sleep(0.02)
    raise AssertionError(f"readers seen per worker: {seen}, expected {n} in all")


def worker_pids(server: LiveServer, count: int, *, without: set[int], within: float) -> set[int]:
    """The pids answering /healthz on fresh connections, once `count` are seen that are not
    in `without` (the kernel spreads new connections over the workers)."""
    deadline = time.monotonic() + within
    seen: set[int] = set()
    while time.monotonic() < deadline:
        try:
            with httpx.Client(timeout=2) as client:  # a new connection each time
                pid = client.get(f"{server.url}/healthz").json()["pid"]
        except httpx.TransportError:
            continue
        if pid not in without:
            seen.add(pid)
        if len(seen) >= count:
            return seen
    raise AssertionError(f"saw only workers {seen} in {within} s")


def test_workers_come_back_when_killed_reload_on_sighup_and_exit_0_on_sigterm(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    broker_url = f"{redis_url}?prefix=liveline-test-{uuid.uuid4().hex[:12]}:"
    server = LiveServer(
        postgres_url,
        tmp_path / "supervised.log",
        {"LIVELINE_BROKER_URL": broker_url},
        extra_args=("--workers", "2"),
    )
    server.start()
    assert server.process is not None
    try:
        first = worker_pids(server, 2, without=set(), within=10)
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        back = worker_pids(server, 1, without=first, within=5)
        assert time.monotonic() - killed_at < 5
        assert victim not in back

        # A reload replaces every worker, and the port answers all the while: three threads
        # of fresh connections, so that some arrive as each old worker retires.
        before = worker_pids(server, 2, without={victim}, within=10)
        failures: list[str] = []
        replaced: set[int] = set()
        deadline = time.monotonic() + 15

        def ask_until_replaced() -> None:
            while time.monotonic() < deadline and len(replaced) < 2:
                try:
                    with httpx.Client(timeout=5) as client:
                        pid = client.get(f"{server.url}/healthz").json()["pid"]
                    if pid not in before:
                        replaced.add(pid)
                except httpx.TransportError as exc:
                    failures.append(repr(exc))

        askers = [threading.Thread(target=ask_until_replaced) for _ in range(3)]
        for asker in askers:
            asker.start()
        server.process.send_signal(signal.SIGHUP)
        for asker in askers:
            asker.join()
        assert len(replaced) == 2, replaced
        assert not failures, failures
    finally:
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(timeout=30)
    log = server.log_path.read_text()
    assert code == 0, log[-2000:]
    assert "was killed by SIGKILL" in log and "started again" in log
    assert "reloaded" in log


class FarSide:
    """A loopback GRIP publish endpoint and Varnish-style purge endpoint in one, counting
    every item and every key it is sent (both answer 200)."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.keys: list[str] = []
        far = self

        class Handler(BaseHTTPRequestHandler):
            def _ok(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                far.items.extend(json.loads(body)["items"])
                self._ok()

            def do_PURGE(self) -> None:
                far.keys.extend(self.headers.get("Surrogate-Key", "").split())
                self._ok()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def seqs(self, blog_id: int) -> list[int]:
        return [int(i["id"]) for i in self.items if i["channel"] == f"liveline-blog-{blog_id}"]

    def wait_for(self, blog_id: int, seqs: list[int], within: float) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline and not set(seqs) <= set(self.seqs(blog_id)):
            time.sleep(0.05)


def advisory_locks(postgres_url: str) -> int:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchone()
    return int(row[0]) if row else 0


def test_one_node_purges_and_publishes_each_event_and_the_other_takes_over_when_it_dies(
    shared_nodes: Nodes, nodes: tuple[LiveServer, LiveServer], postgres_url: str
) -> None:
    a, b = nodes
    far = shared_nodes.far
    # A took both duties (the purge's and the GRIP publish's) at its start, before B began,
    # and has held them since: it is the process the module started first.
    assert a.process is not None and a.process.pid == shared_nodes.duty_holder, (
        "A was started again after a test before failed: B may hold the duties now"
    )
    assert advisory_locks(postgres_url) == shared_nodes.locks_before + 2
    desk_a = open_own_blog(a)
    desk_b = Desk(b.url, desk_a.slug, desk_a.headers)
    posts = [desk.publish(f"Update {i}") for i, desk in enumerate([desk_a, desk_b] * 3)]
    with psycopg.connect(postgres_url) as conn:
        row = conn.execute("SELECT id FROM blogs WHERE slug = %s", (desk_a.slug,)).fetchone()
    assert row is not None
    blog_id = row[0]
    far.wait_for(blog_id, [1, 2, 3, 4, 5, 6], within=10)
    time.sleep(1.5)  # had either node published or purged twice, it would be here by now
    assert far.seqs(blog_id) == [1, 2, 3, 4, 5, 6]  # once each, in order, from one node
    for post in posts:
        assert far.keys.count(f"post-{post['id']}") == 1

    a.stop(signal.SIGKILL)  # the holder dies without letting go
    killed = time.monotonic()
    later = [desk_b.publish(f"After {i}") for i in range(3)]
    far.wait_for(blog_id, [7, 8, 9], within=10)
    took_over = time.monotonic() - killed
    time.sleep(1.0)
    assert far.seqs(blog_id) == [1, 2, 3, 4, 5, 6, 7, 8, 9]  # no gap, nothing twice
    assert took_over < 5, f"B took {took_over:.1f} s to take over"
    for post in later:
        assert far.keys.count(f"post-{post['id']}") == 1
