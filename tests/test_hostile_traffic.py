"""Hostile traffic against a real `liveline serve` (issue 8, defects 7 and 8): huge and
countless headers, slowloris and silent sockets, one address hoarding streams, a reader
that never reads, big posts and big polls. Each time a normal reader is still served and
the server's memory stays bounded. Timeouts are set small through the server's settings.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.harness import LiveServer, auth
from tests.record import record

TIMEOUT = httpx.Timeout(10.0)
HEADER_TIMEOUT = 1.0
STREAM_CAP = 3
POLL_MAX_BYTES = 300_000
BIG_POSTS = 24
BIG_BODY = ("A long dispatch from the coast, paragraph after paragraph. " * 40 + "\n\n") * 50
ENV = {
    "LIVELINE_HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT),
    "LIVELINE_KEEP_ALIVE_SECONDS": str(HEADER_TIMEOUT),
    "LIVELINE_MAX_HEADER_BYTES": "8192",
    "LIVELINE_MAX_HEADERS": "40",
    "LIVELINE_MAX_STREAMS_PER_ADDRESS": str(STREAM_CAP),
    "LIVELINE_POLL_MAX_BYTES": str(POLL_MAX_BYTES),
    "LIVELINE_FRAME_CACHE_BYTES": str(4 << 20),
    "LIVELINE_MAX_BODY_BYTES": "400000",
    "LIVELINE_STREAM_QUEUE_SIZE": "8",
    "LIVELINE_HTTP": "httptools",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = Path(tmp_path_factory.mktemp("hostile"))
    live = LiveServer(f"sqlite:///{tmp / 'live.db'}", tmp / "server.log", extra_env=ENV)
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def desk(server: LiveServer) -> dict[str, str]:
    headers = auth(server.token("editor", "editor"))
    made = httpx.post(
        f"{server.url}/api/blogs", json={"slug": "storm", "title": "Storm"}, headers=headers
    )
    assert made.status_code == 201, made.text
    return headers


def address(server: LiveServer) -> tuple[str, int]:
    return ("127.0.0.1", server.port)


def served(server: LiveServer) -> None:
    """A normal reader still gets the blog."""
    got = httpx.get(f"{server.url}/api/blogs/storm", timeout=TIMEOUT)
    assert got.status_code == 200, got.text


def publish(server: LiveServer, desk: dict[str, str], headline: str, body: str = "Go.") -> int:
    made = httpx.post(
        f"{server.url}/api/blogs/storm/posts",
        json={"headline": headline, "body": body},
        headers=desk,
        timeout=TIMEOUT,
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def rss_kib(server: LiveServer) -> int:
    assert server.process is not None
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))


def readers(server: LiveServer) -> int:
    return int(httpx.get(f"{server.url}/healthz", timeout=TIMEOUT).json()["readers"])


def read_until_closed(sock: socket.socket, within: float) -> bytes:
    sock.settimeout(within)
    chunks = []
    with contextlib.suppress(ConnectionResetError, TimeoutError):
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_huge_and_countless_headers_get_431(server: LiveServer, desk: dict[str, str]) -> None:
    heads = [
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 10_000 + b"\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 60 + b"\r\n",  # few bytes
    ]
    for head in heads:
        with socket.create_connection(address(server), timeout=5) as sock:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                sock.sendall(head)
            got = read_until_closed(sock, 5)
            assert got.startswith(b"HTTP/1.1 431"), got[:200]
        served(server)
    record(
        "A 1 MB header, 10,000 headers and 60 small ones",
        tried="one request each against a real server",
        lost="nothing: 431 each, and a normal reader is still served",
        test="tests/test_hostile_traffic.py -k test_huge_and_countless_headers_get_431",
    )


def test_a_slowloris_is_closed_after_the_header_timeout(server: LiveServer) -> None:
    with socket.create_connection(address(server), timeout=5) as sock:
        started = time.monotonic()
        closed_after = None
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - started
                break
            sock.settimeout(0.25)  # one byte every quarter second, reading what comes
            try:
                answer = sock.recv(65536)  # the server spoke, or hung up: either way, done
            except TimeoutError:
                continue
            assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer
            closed_after = time.monotonic() - started
            break
        assert closed_after is not None, "the slow connection was never closed"
        assert HEADER_TIMEOUT * 0.8 < closed_after < HEADER_TIMEOUT + 2
    served(server)
    record(
        "A slowloris: headers sent one byte at a time",
        tried="one connection, header timeout 1 s",
        lost="nothing: closed with 408 at the timeout; readers served meanwhile",
        test="tests/test_hostile_traffic.py -k test_a_slowloris_is_closed_after_the_header_timeout",
    )


def test_idle_connections_are_closed(server: LiveServer) -> None:
    silent = [socket.create_connection(address(server), timeout=5) for _ in range(20)]
    kept = socket.create_connection(address(server), timeout=5)
    kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")  # then idle, kept alive
    started = time.monotonic()
    try:
        for sock in silent:
            assert read_until_closed(sock, 5).startswith(b"HTTP/1.1 408")
        assert read_until_closed(kept, 5).startswith(b"HTTP/1.1 200")
        assert time.monotonic() - started < HEADER_TIMEOUT + 3
    finally:
        for sock in [*silent, kept]:
            sock.close()
    served(server)
    record(
        "20 silent sockets and an idle keep-alive connection",
        tried="held past the timeouts",
        lost="nothing: all closed; the file limit is never reached",
        test="tests/test_hostile_traffic.py -k test_idle_connections_are_closed",
    )


def test_one_address_gets_so_many_streams_and_then_429(
    server: LiveServer, desk: dict[str, str]
) -> None:
    url = f"{server.url}/blogs/storm/events"
    # Loopback itself is exempt (a proxy on the host): 127.0.0.2 is another client.
    elsewhere = httpx.HTTPTransport(local_address="127.0.0.2")
    with contextlib.ExitStack() as stack:
        client = stack.enter_context(httpx.Client(timeout=TIMEOUT, transport=elsewhere))
        streams = [stack.enter_context(client.stream("GET", url)) for _ in range(STREAM_CAP)]
        assert all(stream.status_code == 200 for stream in streams)
        refused = client.get(url, headers={"Accept": "application/json"})
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        assert refused.json()["error"]["status"] == 429
        served(server)  # short requests are not capped
        publish(server, desk, "Still reaching the streams held")
        lines = streams[0].iter_lines()
        assert any(line.startswith("data: ") for line in lines)
    deadline = time.monotonic() + 5
    while readers(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    with contextlib.ExitStack() as stack:
        local = stack.enter_context(httpx.Client(timeout=TIMEOUT))
        for _ in range(STREAM_CAP + 1):  # the exempt address is never capped
            assert stack.enter_context(local.stream("GET", url)).status_code == 200
    again = httpx.Client(timeout=TIMEOUT, transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    with again, again.stream("GET", url) as stream:
        assert stream.status_code == 200  # a closed stream frees its place
    record(
        "More streams from one address than its cap",
        tried="cap 3, a 4th stream",
        lost="nothing: 429 with Retry-After; the open streams keep receiving",
        test="tests/test_hostile_traffic.py -k test_one_address_gets_so_many_streams_and_then_429",
    )


def test_big_posts_a_never_reading_reader_and_big_polls_keep_memory_bounded(
    server: LiveServer, desk: dict[str, str]
) -> None:
    before = rss_kib(server)
    # A reader that never reads, its receive window as small as the kernel allows.
    stuck = socket.socket()
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.connect(address(server))
    stuck.sendall(b"GET /blogs/storm/events HTTP/1.1\r\nHost: x\r\n\r\n")
    got: list[int] = []

    def follow() -> None:
        with (
            httpx.Client(timeout=TIMEOUT) as client,
            client.stream("GET", f"{server.url}/blogs/storm/events") as follower,
        ):
            for line in follower.iter_lines():
                if line.startswith("data: "):
                    got.append(json.loads(line[6:])["post"]["id"])
                    if len(got) == BIG_POSTS:
                        return

    following = threading.Thread(target=follow, daemon=True)
    following.start()
    deadline = time.monotonic() + 5
    while readers(server) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    ids = [publish(server, desk, f"Dispatch {n}", BIG_BODY) for n in range(BIG_POSTS)]
    following.join(timeout=20)
    assert got == ids  # the follower got every post, once, in order
    deadline = time.monotonic() + 5
    while readers(server) > 0:  # the stuck reader was dropped, the follower has left
        assert time.monotonic() < deadline, f"{readers(server)} readers still open"
        time.sleep(0.05)
    stuck.close()

    # Polls from the start: each bounded, together complete.
    seqs: list[int] = []
    since = 0
    while True:
        poll = httpx.get(f"{server.url}/api/blogs/storm/events", params={"since": since})
        assert poll.status_code == 200
        page = poll.json()
        assert len(poll.content) < POLL_MAX_BYTES + len(BIG_BODY) * 4
        seqs += [event["seq"] for event in page["events"]]
        if page["last_seq"] == page["head_seq"]:
            break
        assert page["events"], "a poll short of the head must make progress"
        since = page["last_seq"]
    assert seqs == list(range(1, seqs[-1] + 1))
    with httpx.Client(timeout=TIMEOUT) as client:
        for _ in range(5):
            for since in (0, 5, 10):
                client.get(f"{server.url}/api/blogs/storm/events", params={"since": since})
    grown_mib = (rss_kib(server) - before) / 1024
    print(f"server RSS grew {grown_mib:.0f} MiB")  # 912 MB before the fix (issue 8)
    assert grown_mib < 60, f"the server grew {grown_mib:.0f} MiB"
    served(server)
    record(
        "Posts of 199 KB, a reader that never reads, polls from seq 0",
        tried="24 big posts",
        lost="nothing: the stalled reader is dropped, the follower gets all in order, RSS bounded",
        test="tests/test_hostile_traffic.py -k memory_bounded",
    )
