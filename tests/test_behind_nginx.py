"""Behind nginx, for real: Debian's nginx with docs/nginx/liveline.conf, unchanged but for its
ports, in front of two `liveline serve` processes on PostgreSQL and Redis.

Pages load through it, the reader's own address reaches Liveline (and a forged one does
not), an event reaches a reader through nginx within a second of its publish, and a reader
that reconnects through nginx with Last-Event-ID gets exactly what it missed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.harness import (
    LiveServer,
    auth,
    emptied,
    free_port,
    reachable_redis,
    unavailable,
    unique,
)
from tests.test_stream import TIMEOUT, Desk, follow, take

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
CONFIG = Path(__file__).resolve().parents[1] / "docs" / "nginx" / "liveline.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
# What the test puts around the documented file: a main context of its own, every path in
# the test's directory.
MAIN = """
daemon off;
worker_processes 1;
{user}
pid {where}/nginx.pid;
error_log {where}/error.log info;
events {{ worker_connections 1024; }}
http {{
    access_log {where}/access.log;
    client_body_temp_path {where}/body;
    proxy_temp_path {where}/proxy;
    include {where}/liveline.conf;
}}
"""


@dataclass(frozen=True)
class Proxy:
    url: str  # what `follow` needs of a server


def configured(port: int, upstreams: tuple[int, int]) -> str:
    """The documented configuration with our ports, each substitution made exactly once."""
    text = CONFIG.read_text(encoding="utf-8")
    for old, new in (
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("server 127.0.0.1:8001 ", f"server 127.0.0.1:{upstreams[0]} "),
        ("server 127.0.0.1:8002 ", f"server 127.0.0.1:{upstreams[1]} "),
    ):
        assert text.count(old) == 1, f"{CONFIG} should hold {old!r} once"
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def nodes(
    postgres_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, LiveServer]]:
    if NGINX is None:
        unavailable(
            "nginx is not installed: `make system` installs it (apt-get install nginx-light)"
        )
    broker = f"{reachable_redis(7)}?prefix=liveline-nginx-{uuid.uuid4().hex[:12]}:"
    where = tmp_path_factory.mktemp("behind-nginx")
    database = emptied(postgres_database)
    env = {"LIVELINE_BROKER_URL": broker, "LIVELINE_TRUSTED_PROXIES": "127.0.0.1"}
    servers = (
        LiveServer(database, where / "a.log", env),
        LiveServer(database, where / "b.log", env),
    )
    try:
        for server in servers:  # one after the other: the first one migrates the database
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


@pytest.fixture(scope="module")
def nginx(
    nodes: tuple[LiveServer, LiveServer], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Proxy]:
    assert NGINX is not None
    where = tmp_path_factory.mktemp("nginx")
    port = free_port()
    (where / "liveline.conf").write_text(configured(port, (nodes[0].port, nodes[1].port)))
    # As root, nginx's workers would otherwise run as nobody, who cannot enter pytest's 0700
    # temporary directory.
    user = "user root;" if os.geteuid() == 0 else ""
    (where / "nginx.conf").write_text(MAIN.format(where=where, user=user))
    process = subprocess.Popen(
        [NGINX, "-p", str(where), "-c", str(where / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            assert process.poll() is None, (where / "error.log").read_text()[-2000:]
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.05)
        yield Proxy(url)
    finally:
        process.terminate()
        process.wait(timeout=10)


def own_blog(server: LiveServer, proxy: Proxy) -> Desk:
    """A blog and an editor of this test's own, written to through nginx."""
    headers = auth(server.token(unique("editor"), "editor"))
    slug = unique("storm")
    created = httpx.post(
        f"{proxy.url}/api/blogs", json={"slug": slug, "title": "Storm watch"}, headers=headers,
        timeout=TIMEOUT,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    return Desk(proxy.url, slug, headers)


def readers(nodes: tuple[LiveServer, ...]) -> int:
    return sum(httpx.get(f"{n.url}/healthz", timeout=TIMEOUT).json()["readers"] for n in nodes)


def wait_for_readers(nodes: tuple[LiveServer, ...], count: int) -> None:
    deadline = time.monotonic() + 10
    while readers(nodes) != count:
        assert time.monotonic() < deadline, f"{readers(nodes)} readers, expected {count}"
        time.sleep(0.05)


def test_pages_load_through_nginx(nodes: tuple[LiveServer, LiveServer], nginx: Proxy) -> None:
    desk = own_blog(nodes[0], nginx)
    desk.publish("Winds pick up", "Gusts of **60 mph**.")
    page = httpx.get(f"{nginx.url}/blogs/{desk.slug}", timeout=TIMEOUT)
    assert page.status_code == 200 and "Winds pick up" in page.text
    assert page.headers["etag"]
    again = httpx.get(
        f"{nginx.url}/blogs/{desk.slug}", headers={"If-None-Match": page.headers["etag"]},
        timeout=TIMEOUT,
    )  # fmt: skip
    assert again.status_code == 304
    assert httpx.get(f"{nginx.url}/static/liveline.css", timeout=TIMEOUT).status_code == 200
    feed = httpx.get(f"{nginx.url}/blogs/{desk.slug}/feed.atom", timeout=TIMEOUT)
    assert feed.status_code == 200 and "Winds pick up" in feed.text


def test_the_readers_own_address_reaches_liveline_and_a_forged_one_does_not(
    nodes: tuple[LiveServer, LiveServer], nginx: Proxy
) -> None:
    forged = {"X-Forwarded-For": "203.0.113.9"}
    # Loopback answers on all of 127/8: a "reader" at 127.0.0.2, the proxy at 127.0.0.1.
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2")) as reader:
        seen = reader.get(f"{nginx.url}/healthz", headers=forged, timeout=TIMEOUT).json()
        assert seen["client"] == "127.0.0.2"
        # Straight to Liveline, not through the trusted proxy: the header is not believed.
        direct = reader.get(f"{nodes[0].url}/healthz", headers=forged, timeout=TIMEOUT).json()
        assert direct["client"] == "127.0.0.2"
        # The metrics are not for the world.
        assert reader.get(f"{nginx.url}/metrics", timeout=TIMEOUT).status_code == 403


def test_an_event_arrives_through_nginx_within_a_second_of_its_publish(
    nodes: tuple[LiveServer, LiveServer], nginx: Proxy
) -> None:
    desk = own_blog(nodes[0], nginx)
    with follow(nginx, desk.slug) as events:  # type: ignore[arg-type]
        wait_for_readers(nodes, 1)
        for i in range(3):  # published through nginx, on either node
            started = time.monotonic()
            desk.publish(f"Update {i}")
            [event] = take(events, 1)
            took = time.monotonic() - started
            assert event.data["post"]["headline"] == f"Update {i}"
            assert took < 1.0, f"the event took {took:.2f} s through nginx"
    wait_for_readers(nodes, 0)


def test_a_reconnect_through_nginx_replays_exactly_what_was_missed(
    nodes: tuple[LiveServer, LiveServer], nginx: Proxy
) -> None:
    desk = own_blog(nodes[0], nginx)
    with follow(nginx, desk.slug) as events:  # type: ignore[arg-type]
        wait_for_readers(nodes, 1)
        first = [desk.publish(f"Before {i}") for i in range(2)]
        seen = take(events, 2)
    assert [e.seq for e in seen] == [1, 2]
    wait_for_readers(nodes, 0)
    missed = [desk.publish(f"While away {i}") for i in range(3)]
    with follow(nginx, desk.slug, last_event_id=seen[-1].seq) as events:  # type: ignore[arg-type]
        replayed = take(events, 3)
        marker = desk.publish("Back live")
        [live] = take(events, 1)
    assert [e.seq for e in replayed] == [3, 4, 5]
    assert [e.data["post"]["id"] for e in replayed] == [p["id"] for p in missed]
    assert (live.seq, live.data["post"]["id"]) == (6, marker["id"])  # nothing came twice
    assert [e.data["post"]["id"] for e in seen] == [p["id"] for p in first]
