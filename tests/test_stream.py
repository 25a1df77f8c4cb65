"""Live delivery against a real `liveline serve`: the SSE stream and the polling endpoint.

Every test here talks to a server process over real sockets, the way a browser or a
newsroom's own client would: an editor publishes through the JSON API, readers follow
`GET /blogs/{slug}/events`.

Every test runs under both of uvicorn's HTTP implementations. Most share one server per
implementation (`server`: a blog and an editor of the test's own, no reader left over from
the test before). The stalled-reader test has a server of its own per implementation, with
a short reader queue (`small_queue_server`); the shutdown tests, last, stop that one (by
SIGINT) and the shared one (by SIGTERM) once no test needs them any more.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import httpx
import pytest
from httpx_sse import connect_sse

from liveline.formats.textparse import parse_text
from tests.harness import LiveServer, auth, started, unique

TIMEOUT = httpx.Timeout(10.0)
# Streams write to the socket under httptools and through plain ASGI sends under h11 (see
# web/transport.py): every stream test runs on both paths.
HTTP_IMPLEMENTATIONS = ("httptools", "h11")
STREAM_PATHS = {"httptools": "socket", "h11": "asgi"}
# The shared servers beat every half second (a test of heartbeats need not wait 15 s) and
# look in the log for events from other processes (the CLI) five times a second.
SHARED_SETTINGS = {
    "LIVELINE_STREAM_HEARTBEAT_SECONDS": "0.5",
    "LIVELINE_STREAM_CATCH_UP_SECONDS": "0.2",
}
# The stalled-reader test's servers: a reader may lag eight frames before it is dropped.
SMALL_QUEUE_SETTINGS = {"LIVELINE_STREAM_QUEUE_SIZE": "8"}


@pytest.fixture(scope="module", params=[pytest.param(n, id=n) for n in HTTP_IMPLEMENTATIONS])
def http(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def _servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[tuple[str, str], Future[LiveServer]]]:
    """Per HTTP implementation, the shared server and the small-queue one: all starting in
    the background, one after the other, in the order the tests want them."""
    where = tmp_path_factory.mktemp("stream")
    servers = {
        (name, kind): LiveServer(
            f"sqlite:///{where / f'{name}-{kind}.db'}",
            where / f"{name}-{kind}.log",
            {"LIVELINE_HTTP": name, **settings},
        )
        for name in HTTP_IMPLEMENTATIONS
        for kind, settings in (("shared", SHARED_SETTINGS), ("small", SMALL_QUEUE_SETTINGS))
    }
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stream-server") as starter:
        starting = {key: starter.submit(started, server) for key, server in servers.items()}
        try:
            yield starting
        finally:
            for future in starting.values():
                with suppress(Exception):
                    future.result()
            for server in servers.values():
                server.stop()


def up_and_unread(starting: Future[LiveServer]) -> LiveServer:
    """The server, running (a test that stopped it and failed before starting it again, or
    a shutdown test before this one, left it stopped), once every reader before has gone."""
    server = starting.result()
    if server.process is None or server.process.poll() is not None:
        server.start()
    wait_for_readers(server, 0)
    return server


@pytest.fixture
def server(http: str, _servers: dict[tuple[str, str], Future[LiveServer]]) -> LiveServer:
    """This implementation's shared server, once every reader of the tests before has gone."""
    return up_and_unread(_servers[http, "shared"])


@pytest.fixture
def small_queue_server(
    http: str, _servers: dict[tuple[str, str], Future[LiveServer]]
) -> LiveServer:
    """This implementation's server with a reader queue of 8 frames (SMALL_QUEUE_SETTINGS)."""
    return up_and_unread(_servers[http, "small"])


@dataclass
class Desk:
    """An editor at work on one live blog, through the JSON API."""

    url: str
    slug: str
    headers: dict[str, str]

    def publish(self, headline: str, body: str = "Details to follow.", **fields) -> dict:
        response = httpx.post(
            f"{self.url}/api/blogs/{self.slug}/posts",
            json={"headline": headline, "body": body, **fields},
            headers=self.headers,
            timeout=TIMEOUT,
        )
        assert response.status_code == 201, response.text
        return response.json()

    def edit(self, post: dict, **fields) -> dict:
        response = httpx.patch(
            f"{self.url}/api/blogs/{self.slug}/posts/{post['id']}",
            json=fields,
            headers={**self.headers, "If-Match": f'"{post["version"]}"'},
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def delete(self, post: dict) -> dict:
        response = httpx.delete(
            f"{self.url}/api/blogs/{self.slug}/posts/{post['id']}",
            headers={**self.headers, "If-Match": f'"{post["version"]}"'},
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        return response.json()


def open_blog(server: LiveServer, slug: str = "storm-watch", editor: str = "editor") -> Desk:
    headers = auth(server.token(editor, "editor"))
    created = httpx.post(
        f"{server.url}/api/blogs",
        json={"slug": slug, "title": "Storm watch", "organization": "Liveline News"},
        headers=headers,
        timeout=TIMEOUT,
    )
    assert created.status_code == 201, created.text
    return Desk(server.url, slug, headers)


def own_blog(server: LiveServer) -> Desk:
    """A blog, and its editor, of this test's own on a shared server."""
    return open_blog(server, unique("storm"), unique("editor"))


@dataclass
class Received:
    seq: int
    type: str
    data: dict


@contextmanager
def follow(
    server: LiveServer, slug: str, *, last_event_id: int | None = None, since: int | None = None
) -> Iterator[Iterator[Received]]:
    """Opens the blog's event stream; yields its events, parsed, as they arrive."""
    url = f"{server.url}/blogs/{slug}/events"
    params = {} if since is None else {"since": since}
    headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
    with (
        httpx.Client(timeout=TIMEOUT) as client,
        connect_sse(client, "GET", url, params=params, headers=headers) as source,
    ):
        assert source.response.status_code == 200
        assert source.response.headers["content-type"].startswith("text/event-stream")
        yield (
            Received(int(sse.id), sse.event, json.loads(sse.data))
            for sse in source.iter_sse()
            if sse.data
        )


def take(events: Iterator[Received], n: int) -> list[Received]:
    return [next(events) for _ in range(n)]


def readers(server: LiveServer) -> int:
    return httpx.get(f"{server.url}/healthz", timeout=TIMEOUT).json()["readers"]


def wait_for_readers(server: LiveServer, n: int, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while readers(server) != n:
        assert time.monotonic() < deadline, f"{readers(server)} readers, expected {n}"
        time.sleep(0.05)


def test_a_reader_receives_a_published_post(server: LiveServer, http: str) -> None:
    health = httpx.get(f"{server.url}/healthz", timeout=TIMEOUT).json()
    assert health["stream_path"] == STREAM_PATHS[http]  # and the log says so
    said = "write to the socket" if http == "httptools" else "use plain ASGI sends"
    assert f"live streams {said}" in server.log_path.read_text()
    desk = own_blog(server)
    with follow(server, desk.slug) as events:
        post = desk.publish("Winds pick up", "Gusts of **60 mph** on the coast.")
        [event] = take(events, 1)

    assert event.seq == 1
    assert event.type == "post.published"
    assert event.data["seq"] == 1
    assert event.data["type"] == "post.published"
    assert event.data["post"]["id"] == post["id"]
    assert event.data["post"]["headline"] == "Winds pick up"
    assert event.data["html"].startswith("<article ")
    assert f'id="post-{post["id"]}"' in event.data["html"]
    assert "<strong>60 mph</strong>" in event.data["html"]
    assert event.data["blog"]["post_count"] == 1
    assert event.data["blog"]["count_text"] == "1 Post"
    assert event.data["blog"]["updated_text"].startswith("Updated ")


async def event_ids(
    url: httpx.URL, wanted: int, ready: asyncio.Event, within: float = 20.0
) -> list[int]:
    """One SSE reader on a socket of its own, lighter than httpx-sse, so that 200 of them in
    one test process leave the CPU to the server: the request, the response head, the
    chunked framing if any, then the ids of the first `wanted` events that carry data."""
    reader, writer = await asyncio.open_connection(url.host, url.port)
    try:
        writer.write(
            f"GET {url.raw_path.decode()} HTTP/1.1\r\nHost: {url.netloc.decode()}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), within)
        assert head.startswith(b"HTTP/1.1 200 "), head
        chunked = b"\r\ntransfer-encoding: chunked\r\n" in head.lower()
        ready.set()
        seqs: list[int] = []
        pending = b""
        while len(seqs) < wanted:
            if chunked:
                size = int((await asyncio.wait_for(reader.readuntil(b"\r\n"), within)), 16)
                data = (await reader.readexactly(size + 2))[:-2]
            else:
                data = await asyncio.wait_for(reader.read(65536), within)
            if not data:
                break  # the stream ended before every post came
            *events, pending = (pending + data).split(b"\n\n")
            for event in events:
                lines = event.split(b"\n")
                if any(line.startswith(b"data:") for line in lines):
                    [seq] = [line[3:].strip() for line in lines if line.startswith(b"id:")]
                    seqs.append(int(seq))
        return seqs
    finally:
        writer.close()


def test_two_hundred_readers_each_receive_every_post_once_in_order(
    server: LiveServer,
) -> None:
    desk = own_blog(server)
    url = httpx.URL(f"{server.url}/blogs/{desk.slug}/events")
    n_readers, n_posts = 200, 50

    async def main() -> list[list[int]]:
        async with httpx.AsyncClient(timeout=TIMEOUT) as api:
            ready = [asyncio.Event() for _ in range(n_readers)]
            tasks = [asyncio.create_task(event_ids(url, n_posts, r)) for r in ready]
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 15)
            assert (await api.get(f"{server.url}/healthz")).json()["readers"] == n_readers
            for i in range(n_posts):
                response = await api.post(
                    f"{server.url}/api/blogs/{desk.slug}/posts",
                    json={"headline": f"Update {i}", "body": "Still raining."},
                    headers=desk.headers,
                )
                assert response.status_code == 201, response.text
            return await asyncio.wait_for(asyncio.gather(*tasks), 20)

    started = time.monotonic()
    received = asyncio.run(main())

    assert len(received) == n_readers
    for seqs in received:
        assert seqs == list(range(1, n_posts + 1))
    assert time.monotonic() - started < 30


def test_a_reader_that_reconnects_gets_exactly_what_it_missed(server: LiveServer) -> None:
    desk = own_blog(server)
    with follow(server, desk.slug) as events:
        for i in range(3):
            desk.publish(f"Before the drop {i}")
        seen = take(events, 3)
    last_id = seen[-1].seq
    assert [e.seq for e in seen] == [1, 2, 3]

    wait_for_readers(server, 0)
    missed = [desk.publish(f"While away {i}") for i in range(4)]

    with follow(server, desk.slug, last_event_id=last_id) as events:
        replayed = take(events, 4)
        marker = desk.publish("Back live")
        [live] = take(events, 1)

    assert [e.seq for e in replayed] == [4, 5, 6, 7]
    assert [e.data["post"]["id"] for e in replayed] == [p["id"] for p in missed]
    assert live.seq == 8 and live.data["post"]["id"] == marker["id"]


def test_a_reader_misses_nothing_across_a_server_restart(server: LiveServer) -> None:
    desk = own_blog(server)
    with follow(server, desk.slug) as events:
        desk.publish("Before the restart")
        [first] = take(events, 1)

    server.restart()
    missed = [desk.publish(f"After the restart {i}") for i in range(3)]

    with follow(server, desk.slug, last_event_id=first.seq) as events:
        replayed = take(events, 3)
        marker = desk.publish("And again")
        [live] = take(events, 1)

    assert [e.seq for e in replayed] == [2, 3, 4]
    assert [e.data["post"]["id"] for e in replayed] == [p["id"] for p in missed]
    assert live.seq == 5 and live.data["post"]["id"] == marker["id"]


def test_since_replays_from_the_log(server: LiveServer) -> None:
    desk = own_blog(server)
    posts = [desk.publish(f"Update {i}") for i in range(5)]

    with follow(server, desk.slug, since=2) as events:
        replayed = take(events, 3)
        marker = desk.publish("Next")
        [live] = take(events, 1)

    assert [e.seq for e in replayed] == [3, 4, 5]
    assert [e.data["post"]["id"] for e in replayed] == [p["id"] for p in posts[2:]]
    assert live.seq == 6 and live.data["post"]["id"] == marker["id"]


def test_edits_deletes_and_pins_arrive_in_seq_order(server: LiveServer) -> None:
    desk = own_blog(server)
    with follow(server, desk.slug) as events:
        first = desk.publish("Evacuation ordered")
        second = desk.publish("Shelters open")
        edited = desk.edit(first, headline="Evacuation ordered for Zone A")
        pinned = desk.edit(second, pinned=True)
        desk.edit(pinned, pinned=False)
        desk.delete(edited)
        received = take(events, 6)

    assert [(e.seq, e.type, e.data["post"]["id"]) for e in received] == [
        (1, "post.published", first["id"]),
        (2, "post.published", second["id"]),
        (3, "post.updated", first["id"]),
        (4, "post.pinned", second["id"]),
        (5, "post.unpinned", second["id"]),
        (6, "post.deleted", first["id"]),
    ]
    update, pin, unpin, delete = (e.data for e in received[2:])
    assert "Evacuation ordered for Zone A" in update["html"]
    assert 'id="post-' + str(first["id"]) + '"' in update["html"]
    assert "post--pinned" in pin["html"] and pin["post"]["pinned"] is True
    assert "post--pinned" not in unpin["html"]
    assert "html" not in delete and delete["post"]["status"] == "deleted"
    assert delete["blog"]["post_count"] == 1 and delete["blog"]["count_text"] == "1 Post"


def raw_sse_socket(server: LiveServer, slug: str, rcvbuf: int | None = None) -> socket.socket:
    """An SSE request on a bare socket; with a tiny receive buffer it models a stalled phone."""
    sock = socket.socket()
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect(("127.0.0.1", server.port))
    sock.sendall(
        f"GET /blogs/{slug}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    return sock


def drain(sock: socket.socket, within: float = 10.0) -> tuple[bytes, bool]:
    """Reads until the server closes the connection; returns what came and whether it closed."""
    sock.settimeout(within)
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    except TimeoutError:
        return b"".join(chunks), False
    return b"".join(chunks), True


def test_a_stalled_reader_is_dropped_while_the_others_keep_receiving(
    small_queue_server: LiveServer,
) -> None:
    live_server = small_queue_server
    n_posts, body = 60, "Wind and rain across the coast. " * 1250  # ~40 KB each
    desk = own_blog(live_server)
    stalled = raw_sse_socket(live_server, desk.slug, rcvbuf=2048)
    wait_for_readers(live_server, 1)

    got: list[Received] = []
    with follow(live_server, desk.slug) as events:
        wait_for_readers(live_server, 2)
        reading = threading.Thread(target=lambda: got.extend(islice(events, n_posts)))
        reading.start()
        for i in range(n_posts):
            desk.publish(f"Update {i}", body)
        reading.join(timeout=30)
        assert not reading.is_alive(), "the normal reader stopped receiving"
        wait_for_readers(live_server, 1)  # the stalled one is gone; the normal one is still here

    received, closed = drain(stalled)
    stalled.close()

    assert [e.seq for e in got] == list(range(1, n_posts + 1))
    assert closed, "the server kept the stalled connection open"
    assert received.startswith(b"HTTP/1.1 200")
    assert received.count(b"event: post.published") < n_posts


def test_an_idle_stream_gets_retry_and_heartbeats(server: LiveServer) -> None:
    assert SHARED_SETTINGS["LIVELINE_STREAM_HEARTBEAT_SECONDS"] == "0.5"
    desk = own_blog(server)
    url = f"{server.url}/blogs/{desk.slug}/events"
    with httpx.stream("GET", url, timeout=TIMEOUT) as response:
        lines = response.iter_lines()
        assert next(lines).startswith("retry: ")
        started = time.monotonic()
        assert next(line for line in lines if line) == ":"
        assert time.monotonic() - started < 2


def test_polling_serves_the_same_events_as_the_stream(server: LiveServer) -> None:
    desk = own_blog(server)
    first = desk.publish("Power out in the north")
    desk.publish("Schools closed")
    desk.edit(first, body="Power out for 20,000 homes.", pinned=True)
    desk.delete(desk.edit(desk.publish("Bridge closed"), headline="Bridge reopens"))

    with follow(server, desk.slug, since=0) as events:
        streamed = [e.data for e in take(events, 6)]
    polled = httpx.get(
        f"{server.url}/api/blogs/{desk.slug}/events", params={"since": 0}, timeout=TIMEOUT
    )

    assert polled.status_code == 200
    assert "max-age" in polled.headers["cache-control"]
    body = polled.json()
    assert body["head_seq"] == body["last_seq"] == 6

    def essence(event: dict) -> tuple:
        return event["seq"], event["type"], event["post"]["id"], event.get("html")

    assert [essence(e) for e in body["events"]] == [essence(e) for e in streamed]
    assert [e["type"] for e in body["events"]] == [
        "post.published",
        "post.published",
        "post.pinned",
        "post.published",
        "post.updated",
        "post.deleted",
    ]
    later = httpx.get(f"{server.url}/api/blogs/{desk.slug}/events?since=4", timeout=TIMEOUT)
    assert [e["seq"] for e in later.json()["events"]] == [5, 6]


# Polling only: no stream, either way.
@pytest.mark.parametrize("http", ["httptools"], indirect=True)
def test_polling_past_the_head_is_empty_and_a_bad_since_is_refused(
    server: LiveServer,
) -> None:
    desk = own_blog(server)
    desk.publish("Only post")
    url = f"{server.url}/api/blogs/{desk.slug}/events"

    beyond = httpx.get(url, params={"since": 99}, timeout=TIMEOUT)
    assert beyond.status_code == 200
    assert beyond.json()["events"] == []
    assert beyond.json()["head_seq"] == 1

    for bad in ("yesterday", "-1"):
        refused = httpx.get(url, params={"since": bad}, timeout=TIMEOUT)
        assert refused.status_code == 422, bad
        assert refused.headers["content-type"].startswith("application/json")
        assert refused.json()["error"]["field"].endswith("since")


def test_blog_changes_and_closing_reach_readers(server: LiveServer) -> None:
    desk = own_blog(server)
    blog_url = f"{server.url}/api/blogs/{desk.slug}"
    with follow(server, desk.slug) as events:
        wait_for_readers(server, 1)
        retitled = httpx.patch(
            blog_url,
            json={"title": "Storm watch: day two", "timezone": "Europe/London"},
            headers=desk.headers,
            timeout=TIMEOUT,
        )
        assert retitled.status_code == 200, retitled.text
        desk.publish("Ferries cancelled")
        closed = httpx.patch(blog_url, json={"status": "closed"}, headers=desk.headers)
        assert closed.status_code == 200, closed.text
        updated, published, ended = take(events, 3)

    assert (updated.seq, updated.type) == (1, "blog.updated")
    assert updated.data["blog"]["title"] == "Storm watch: day two"
    assert updated.data["blog"]["byline_text"] == ""
    # A post after the change is shown in the blog's new zone.
    assert published.type == "post.published"
    assert " GMT, " in published.data["html"] or " BST, " in published.data["html"]
    assert (ended.seq, ended.type) == (3, "blog.closed")
    assert ended.data["blog"]["status"] == "closed"
    refused = httpx.post(
        f"{blog_url}/posts", json={"headline": "Too late", "body": ""}, headers=desk.headers
    )
    assert refused.status_code == 409
    assert "closed" in refused.json()["error"]["message"]


def test_an_import_from_the_command_line_reaches_open_streams(server: LiveServer) -> None:
    # The CLI rings no doorbell in the server process: the server finds it in the log.
    story = Path(__file__).resolve().parents[1] / "liveline" / "demo" / "story.txt"
    n = len(parse_text(story.read_text(encoding="utf-8")).posts)
    slug = unique("imported")
    server.cli("import", str(story), "--slug", slug)
    with follow(server, slug) as events:
        wait_for_readers(server, 1)
        server.cli("import", str(story), "--slug", slug, "--replace")
        arrived = take(events, 2 * n)
    assert [e.type for e in arrived] == ["post.deleted"] * n + ["post.published"] * n
    assert [e.seq for e in arrived] == list(range(n + 1, 3 * n + 1))


@pytest.fixture
def stopped_by(
    request: pytest.FixtureRequest, http: str, _servers: dict[tuple[str, str], Future[LiveServer]]
) -> LiveServer:
    """The server a shutdown test stops. The shutdown tests come last: SIGINT stops the
    small-queue server, SIGTERM the shared one, once the tests before are done with them."""
    kind = "small" if request.node.callspec.params["stop"] == signal.SIGINT else "shared"
    return up_and_unread(_servers[http, kind])


# Last in the file: each stops a server the tests before it used (see `stopped_by`).
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_shutdown_ends_open_streams_cleanly(
    stopped_by: LiveServer, http: str, stop: signal.Signals
) -> None:
    live_server = stopped_by
    desk = own_blog(live_server)
    desk.publish("Last post before the shutdown")
    outcome: dict[str, object] = {}

    def read_until_the_end() -> None:
        try:
            with follow(live_server, desk.slug, since=0) as events:
                outcome["events"] = list(events)
        except Exception as exc:  # what a browser would see as a broken stream
            outcome["error"] = exc

    reading = threading.Thread(target=read_until_the_end)
    reading.start()
    wait_for_readers(live_server, 1)
    started = time.monotonic()
    live_server.process.send_signal(stop)
    returncode = live_server.process.wait(timeout=10)
    reading.join(timeout=5)

    assert time.monotonic() - started < 5
    assert returncode == 0  # a clean stop, by Ctrl-C or by a service manager's SIGTERM
    assert not reading.is_alive()
    assert "error" not in outcome, outcome.get("error")
    assert [e.seq for e in outcome["events"]] == [1]
