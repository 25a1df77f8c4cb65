"""`/metrics`: what a scrape shows after a publish to a connected reader, with one process
and with `--workers 2` (on PostgreSQL and Redis), where every worker's counts add up."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.harness import LiveServer, emptied, reachable_redis
from tests.test_multinode import open_own_blog
from tests.test_stream import TIMEOUT, follow, take

SAMPLE = re.compile(r"^(?P<name>[a-z_]+)(?:\{(?P<labels>.*)\})? (?P<value>\S+)$", re.M)


def scrape(server: LiveServer) -> dict[tuple[str, str], float]:
    """Each sample by (name, labels as written): a new connection, so any worker answers."""
    response = httpx.get(f"{server.url}/metrics", timeout=TIMEOUT, headers={"Connection": "close"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (m["name"], m["labels"] or ""): float(m["value"]) for m in SAMPLE.finditer(response.text)
    }


def value(samples: dict[tuple[str, str], float], name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include these (0 if none)."""
    wanted = [f'{key}="{val}"' for key, val in labels.items()]
    return sum(
        v for (n, written), v in samples.items() if n == name and all(w in written for w in wanted)
    )


def wait_for(check: object, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the metrics never showed it"
        time.sleep(0.1)


def test_a_scrape_shows_the_reader_the_event_and_its_fanout_latency(
    shared_server: LiveServer,
) -> None:
    desk = open_own_blog(shared_server)
    before = scrape(shared_server)
    with follow(shared_server, desk.slug) as events:
        wait_for(lambda: value(scrape(shared_server), "liveline_readers", blog=desk.slug) == 1)
        desk.publish("Winds pick up")
        [event] = take(events, 1)
        assert event.type == "post.published"
        after = scrape(shared_server)
    assert value(after, "liveline_readers", blog=desk.slug) == 1
    events_before = value(before, "liveline_events_published_total", type="post.published")
    assert value(after, "liveline_events_published_total", type="post.published") >= (
        events_before + 1
    )
    latency = value(after, "liveline_fanout_latency_seconds_count")
    assert latency >= value(before, "liveline_fanout_latency_seconds_count") + 1
    assert value(after, "liveline_fanout_latency_seconds_bucket", le="+Inf") == latency
    # HTTP requests by route template, never by raw path: no series names this blog's slug.
    route = "/api/blogs/{slug}/posts"
    assert value(after, "liveline_http_requests_total", route=route, status="201") >= 1
    assert value(after, "liveline_http_database_seconds_count", route=route) >= 1
    assert not any(desk.slug in labels for (n, labels) in after if n.startswith("liveline_http"))
    # The reader's departure leaves the gauge.
    wait_for(lambda: value(scrape(shared_server), "liveline_readers", blog=desk.slug) == 0)


@pytest.fixture(scope="module")
def two_workers(
    postgres_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    broker = f"{reachable_redis(6)}?prefix=liveline-metrics-{uuid.uuid4().hex[:12]}:"
    where: Path = tmp_path_factory.mktemp("metrics-workers")
    server = LiveServer(
        emptied(postgres_database),
        where / "server.log",
        {"LIVELINE_BROKER_URL": broker},
        ("--workers", "2"),
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def pids(server: LiveServer, tries: int = 40) -> set[int]:
    seen = set()
    for _ in range(tries):
        health = httpx.get(f"{server.url}/healthz", timeout=5, headers={"Connection": "close"})
        seen.add(health.json()["pid"])
    return seen


@pytest.mark.postgres
@pytest.mark.redis
def test_with_two_workers_the_counts_add_up_across_them(two_workers: LiveServer) -> None:
    assert len(pids(two_workers)) == 2, "both workers should answer"
    desk = open_own_blog(two_workers)
    posts = 6
    with (
        follow(two_workers, desk.slug) as first,
        follow(two_workers, desk.slug) as second,
        follow(two_workers, desk.slug) as third,
    ):
        wait_for(lambda: value(scrape(two_workers), "liveline_readers", blog=desk.slug) == 3)
        for i in range(posts):  # each on a new connection: the kernel spreads them
            desk.publish(f"Update {i}")
        for events in (first, second, third):
            assert [e.seq for e in take(events, posts)] == list(range(1, posts + 1))
        # Every scrape, whichever worker answers it, sees the sum of both.
        for _ in range(6):
            samples = scrape(two_workers)
            assert value(samples, "liveline_readers", blog=desk.slug) == 3
            assert (
                value(
                    samples,
                    "liveline_http_requests_total",
                    route="/api/blogs/{slug}/posts",
                    method="POST",
                    status="201",
                )
                == posts
            )
            assert value(samples, "liveline_fanout_latency_seconds_count") >= posts
    wait_for(lambda: value(scrape(two_workers), "liveline_readers", blog=desk.slug) == 0)


@pytest.mark.postgres
@pytest.mark.redis
def test_a_killed_workers_readers_leave_the_sum(two_workers: LiveServer) -> None:
    desk = open_own_blog(two_workers)
    held = None
    with contextlib.ExitStack() as streams:
        # Readers until both workers hold one: the kernel places each new connection.
        for _ in range(12):
            streams.enter_context(follow(two_workers, desk.slug))
            holders = readers_by_pid(two_workers)
            if len([pid for pid, count in holders.items() if count]) == 2:
                held = holders
                break
        assert held is not None, "the kernel never gave the second worker a reader"
        total = sum(held.values())
        wait_for(lambda: value(scrape(two_workers), "liveline_readers", blog=desk.slug) == total)
        victim, survivor = sorted(held)
        os.kill(victim, signal.SIGKILL)
        # Once it is dead no connection is accepted by it (and then reset, unanswered).
        wait_for(lambda: dead(victim))
        # The supervisor reaps it and marks it dead: its readers no longer count, although
        # its gauge file said they were there when it died. (A scrape's connection may be
        # reset meanwhile, as the supervisor starts a worker in its place: it is asked again.)
        wait_for(lambda: readers_after_a_death(two_workers, desk.slug) == held[survivor])
        with contextlib.suppress(Exception):
            streams.close()  # the victim's streams are broken; closing them may complain
    # (That the supervisor starts the worker again is tests/test_multinode.py's to show.)


def readers_after_a_death(server: LiveServer, slug: str) -> float | None:
    try:
        return value(scrape(server), "liveline_readers", blog=slug)
    except httpx.TransportError:
        return None


def dead(pid: int) -> bool:
    """The process is gone, or a zombie its supervisor has yet to reap."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def readers_by_pid(server: LiveServer, tries: int = 40) -> dict[int, int]:
    found: dict[int, int] = {}
    for _ in range(tries):
        health = httpx.get(f"{server.url}/healthz", timeout=5, headers={"Connection": "close"})
        found[health.json()["pid"]] = health.json()["readers"]
    return found
