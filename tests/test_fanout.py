"""The fan-out: each event reaches each reader once and in order, whatever the broker does."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import time
import weakref
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prometheus_client import generate_latest

from liveline.broker import MemoryBroker
from liveline.model import Event, EventType, Role
from liveline.service import Service
from liveline.store.db import make_engine, migrate
from liveline.store.queries import Store
from liveline.values import BlogIn, PostIn
from liveline.web.fanout import GAP_PATIENCE_SECONDS, Channel, FanOut
from liveline.web.frames import HEARTBEAT, Frame, FrameCache
from liveline.web.longlived import Freezer
from liveline.web.metrics import Metrics
from tests.harness import fresh_database

AT = datetime(2026, 10, 3, 18, 0, tzinfo=UTC)


def a_blog_with_events(tmp_path: Path, posts: int) -> tuple[Service, list[Event]]:
    engine = make_engine(fresh_database(tmp_path / "fanout.db"))
    migrate(engine)
    store = Store(engine)
    service = Service(store, MemoryBroker())
    service.store_for_tests = store  # type: ignore[attr-defined]
    editor = service.accounts.add_user("ed", Role.EDITOR)

    async def write() -> None:
        blog = await service.blogs.create(editor, BlogIn(title="Storm watch"))
        for n in range(posts):
            await service.posts.create(editor, blog, PostIn(headline=f"Update {n + 1}", body=""))

    asyncio.run(write())
    blog = service.blogs.get("storm-watch")
    return service, service.events_since(blog.id, 0)


def fanout_for(service: Service, **options) -> FanOut:
    async def load(blog_id: int, since: int) -> list[Event]:
        return service.events_since(blog_id, since)

    return FanOut(
        service.broker,
        lambda event, blog: f'{{"seq": {event.seq}}}',
        load,
        queue_size=options.get("queue_size", 16),
        heartbeat_seconds=60,
        catch_up_seconds=options.get("catch_up_seconds", 60),
        gap_patience_seconds=options.get("gap_patience_seconds", GAP_PATIENCE_SECONDS),
    )


async def delivered(channel: Channel, seq: int) -> None:
    """Until the channel has handed out `seq` (its frame is made in a worker thread)."""
    for _ in range(500):
        if channel.last_seq >= seq:
            return
        await asyncio.sleep(0.002)
    raise AssertionError(f"seq {seq} was not delivered; the channel is at {channel.last_seq}")


def test_a_gap_is_filled_from_the_log_and_a_repeat_is_dropped(tmp_path: Path) -> None:
    service, events = a_blog_with_events(tmp_path, posts=4)
    blog = service.blogs.get("storm-watch")

    async def scenario() -> list[int]:
        fanout = fanout_for(service)
        before = dataclasses.replace(blog, last_seq=0)  # joined before any post
        reader, channel = fanout.join(before, since=None)
        channel.on_event(events[0])
        channel.on_event(events[2])  # seq 2 went missing on its way here
        channel.on_event(events[0])  # and seq 1 came twice
        for _ in range(50):
            if channel.last_seq == 3:
                break
            await asyncio.sleep(0.01)
        channel.on_event(events[3])
        channel.on_event(events[1])  # late, already filled in from the log
        await delivered(channel, 4)
        return [frame.seq for frame in reader.frames]

    assert asyncio.run(scenario()) == [1, 2, 3, 4]


def test_a_reader_that_falls_too_far_behind_is_dropped_and_others_are_not(tmp_path: Path) -> None:
    service, events = a_blog_with_events(tmp_path, posts=6)
    blog = service.blogs.get("storm-watch")

    async def scenario() -> tuple[bool, bool, int]:
        fanout = fanout_for(service, queue_size=4)
        start = dataclasses.replace(blog, last_seq=0)
        slow, channel = fanout.join(start, since=None)
        keeping_up, _ = fanout.join(start, since=None)
        dropped = []
        slow.on_overflow = lambda: dropped.append("slow")
        for event in events:
            channel.on_event(event)
            await delivered(channel, event.seq)  # each frame is encoded off the event loop
            keeping_up.frames.clear()  # this one's task sends as fast as frames come
        channel.send(HEARTBEAT)
        return slow.overflowed, keeping_up.overflowed, len(dropped)

    assert asyncio.run(scenario()) == (True, False, 1)


def test_the_last_reader_to_leave_closes_the_channel(tmp_path: Path) -> None:
    service, _ = a_blog_with_events(tmp_path, posts=1)
    blog = service.blogs.get("storm-watch")

    async def scenario() -> tuple[bool, bool, int]:
        fanout = fanout_for(service)
        first, channel = fanout.join(blog, since=None)
        second, same = fanout.join(blog, since=None)
        fanout.leave(channel, first)
        still_open = fanout.channel("storm-watch") is channel
        fanout.leave(same, second)
        return same is channel, still_open, fanout.reader_count()

    assert asyncio.run(scenario()) == (True, True, 0)


def test_an_event_the_broker_never_rang_for_arrives_from_the_log(tmp_path: Path) -> None:
    service, _ = a_blog_with_events(tmp_path, posts=1)
    blog = service.blogs.get("storm-watch")
    silent = Service(service.store_for_tests, MemoryBroker())  # type: ignore[attr-defined]  # a writer whose doorbell nobody hears

    async def scenario() -> list[int]:
        fanout = fanout_for(service, catch_up_seconds=0.05)
        reader, _ = fanout.join(blog, since=None)
        author = service.accounts.add_user("cli", Role.EDITOR)
        await silent.posts.create(author, blog, PostIn(headline="Imported", body=""))
        for _ in range(100):
            if reader.frames:
                break
            await asyncio.sleep(0.01)
        fanout.close()
        return [frame.seq for frame in reader.frames]

    assert asyncio.run(scenario()) == [2]


def test_events_ahead_of_the_log_are_dropped_not_waited_for_forever(tmp_path: Path) -> None:
    service, events = a_blog_with_events(tmp_path, posts=1)
    blog = service.blogs.get("storm-watch")
    stray = dataclasses.replace(events[0], seq=9)  # no such seq in this blog's log

    async def scenario() -> tuple[int, bool]:
        # A quarter of a second of patience (two by default): giving up is what is tested.
        fanout = fanout_for(service, gap_patience_seconds=0.25)
        reader, channel = fanout.join(blog, since=None)
        channel.on_event(stray)
        for _ in range(400):
            if channel._filling is None:
                break
            await asyncio.sleep(0.01)
        return len(reader.frames), channel._filling is None

    assert asyncio.run(scenario()) == (0, True)


def test_a_frame_is_one_chunk_and_its_sse_bytes_and_message_are_views_of_it() -> None:
    event = Event(
        blog_id=1, seq=7, type=EventType.POST_PUBLISHED, post_id=3, payload={}, created_at=AT
    )
    frame = Frame.of(event, '{"seq":7,"headline":"Ünïcode"}')
    sse = 'id: 7\nevent: post.published\ndata: {"seq":7,"headline":"Ünïcode"}\n\n'.encode()
    assert frame.chunk == b"%x\r\n%b\r\n" % (len(sse), sse)
    assert bytes(frame.data) == sse
    assert bytes(frame.message).decode() == '{"seq":7,"headline":"Ünïcode"}'
    assert frame.data.obj is frame.chunk and frame.message.obj is frame.chunk  # no copies
    assert bytes(HEARTBEAT.data) == b":\n\n"


def test_the_frame_cache_is_bounded_in_bytes_least_recently_used_first_out() -> None:
    body = "x" * 100_000
    cache = FrameCache(lambda event, blog: body, max_bytes=350_000)
    blog = None  # the encoder above never looks at it
    events = [
        Event(blog_id=1, seq=n, type=EventType.POST_PUBLISHED, post_id=n, payload={}, created_at=AT)
        for n in range(9)
    ]
    frames = [cache.frame(event, blog) for event in events[:3]]  # type: ignore[arg-type]
    assert cache.frame(events[0], blog) is frames[0]  # type: ignore[arg-type]  # now newest
    cache.frame(events[3], blog)  # type: ignore[arg-type]
    assert len(cache) == 3 and cache.bytes <= 350_000
    assert cache.frame(events[0], blog) is frames[0]  # type: ignore[arg-type]  # kept
    assert cache.frame(events[1], blog) is not frames[1]  # type: ignore[arg-type]  # evicted
    for event in events:
        cache.frame(event, blog)  # type: ignore[arg-type]
        assert cache.bytes <= 350_000
    huge = FrameCache(lambda event, blog: "y" * 400_000, max_bytes=350_000)
    assert huge.frame(events[0], blog).size > 400_000  # type: ignore[arg-type]
    assert len(huge) == 0 and huge.bytes == 0  # served, not kept


def test_streams_are_counted_by_address_once_each(tmp_path: Path) -> None:
    service, _ = a_blog_with_events(tmp_path, posts=1)
    blog = service.blogs.get("storm-watch")

    async def scenario() -> list[int]:
        fanout = fanout_for(service)
        one = fanout.join(blog, None, "198.51.100.7")
        two = fanout.join(blog, None, "198.51.100.7")
        other = fanout.join(blog, None, "203.0.113.9")
        fanout.join(blog, None)  # no address known: not counted
        counts = [fanout.streams_from("198.51.100.7"), fanout.streams_from("203.0.113.9")]
        fanout.leave(one[1], one[0])
        fanout.leave(one[1], one[0])  # leaving twice frees one place, not two
        counts.append(fanout.streams_from("198.51.100.7"))
        fanout.leave(two[1], two[0])
        fanout.leave(other[1], other[0])
        counts += [fanout.streams_from("198.51.100.7"), fanout.streams_from("203.0.113.9")]
        fanout.close()
        return counts

    assert asyncio.run(scenario()) == [2, 1, 1, 0, 0]


def test_a_slow_render_never_stalls_the_event_loop_and_order_holds(tmp_path: Path) -> None:
    """A post that takes long to render (a hostile body, a cold cache) is encoded in a worker
    thread: the loop goes on serving everything else, and later events wait their turn."""
    service, events = a_blog_with_events(tmp_path, posts=3)
    blog = service.blogs.get("storm-watch")

    def encode(event: Event, _blog: object) -> str:
        if event.seq == 1:
            time.sleep(0.4)  # as a 200 KB body of hostile Markdown might
        return f'{{"seq": {event.seq}}}'

    async def scenario() -> tuple[list[int], float]:
        fanout = FanOut(
            service.broker, encode, lambda blog_id, since: asyncio.sleep(0, []),
            queue_size=16, heartbeat_seconds=60, catch_up_seconds=60,
        )  # fmt: skip
        reader, channel = fanout.join(dataclasses.replace(blog, last_seq=0), since=None)
        for event in events:
            channel.on_event(event)
        worst, last = 0.0, time.monotonic()
        while channel.last_seq < 3:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            worst, last = max(worst, now - last), now
        return [frame.seq for frame in reader.frames], worst

    order, worst_pause = asyncio.run(scenario())
    assert order == [1, 2, 3]
    assert worst_pause < 0.1, f"the event loop stalled {worst_pause:.3f} s"


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_streams_are_frozen_as_they_accumulate_and_thawed_when_most_have_left() -> None:
    freezer = Freezer(every=3)
    garbage = _Cycle()  # cyclic: only a collection frees it, and a frozen one never does
    gone = weakref.ref(garbage)
    try:
        for readers in (1, 2, 3):
            freezer.joined(readers)
        assert gc.get_freeze_count() > 0
        del garbage
        gc.collect()
        assert gone() is not None  # frozen: collections skip it
        freezer.left(1)  # fewer than half of the 3 open at the freeze: thawed and collected
        assert gone() is None
        assert gc.get_freeze_count() > 0  # and what lives is frozen again
    finally:
        gc.unfreeze()


def test_garbage_collection_pauses_are_at_metrics() -> None:
    metrics = Metrics()
    gc.collect()
    text = generate_latest(metrics.registry).decode()
    assert 'liveline_gc_pause_seconds_count{generation="2"}' in text
    assert 'liveline_gc_pause_cpu_seconds_count{generation="2"}' in text
    count = next(
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith('liveline_gc_pause_seconds_count{generation="2"}')
    )
    assert count >= 1


def test_a_live_stream_keeps_no_request_headers(database_url: str) -> None:
    """A stream lives for hours: its request's header list (a tuple and two bytes objects a
    header, shared by the server's scope and protocol) is emptied once it has been read."""
    from fastapi.testclient import TestClient

    from liveline.app import create_app
    from liveline.config import Settings
    from tests.harness import auth, make_token

    settings = Settings(database_url=database_url, console=False)
    app = create_app(settings)
    lists: dict[str, list[tuple[bytes, bytes]]] = {}

    async def spy(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            lists[scope["path"]] = scope["headers"]
        await app(scope, receive, send)

    with TestClient(spy) as client:  # type: ignore[arg-type]
        editor = auth(make_token(settings, "ed", "editor"))
        assert client.post("/api/blogs", json={"title": "Storm"}, headers=editor).is_success
        with client.stream("GET", "/blogs/storm/events", headers={"X-Extra": "1"}) as stream:
            assert stream.status_code == 200
            assert next(stream.iter_lines()).startswith("retry: ")
            assert lists["/blogs/storm/events"] == []  # read, then let go
        assert lists["/api/blogs"] != []  # a short request's headers are left alone


def test_a_reader_that_hung_up_never_stops_the_others_frames_or_heartbeats(
    tmp_path: Path,
) -> None:
    """Under uvloop a write to a connection whose reader hung up raises, until the stream's
    handler hears the disconnect a loop turn later; the other readers must get the frame."""
    import types

    import uvloop

    from liveline.web.transport import SocketSink

    service, _ = a_blog_with_events(tmp_path, posts=0)
    blog = service.blogs.get("storm-watch")

    async def scenario() -> tuple[bytes, bytes]:
        loop = asyncio.get_running_loop()
        accepted: list[asyncio.Transport] = []
        got: dict[int, bytearray] = {}

        class Server(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                accepted.append(transport)  # type: ignore[arg-type]

        class Client(asyncio.Protocol):
            def __init__(self) -> None:
                self.bytes = got.setdefault(len(got), bytearray())

            def data_received(self, data: bytes) -> None:
                self.bytes.extend(data)

        listening = await loop.create_server(Server, "127.0.0.1", 0)
        port = listening.sockets[0].getsockname()[1]
        clients = [await loop.create_connection(Client, "127.0.0.1", port) for _ in range(2)]
        await asyncio.sleep(0.1)
        fanout = fanout_for(service)
        channel = None
        for transport in accepted:
            reader, channel = fanout.join(blog, since=None)
            cycle = types.SimpleNamespace(
                transport=transport, chunked_encoding=True, disconnected=False
            )
            assert channel.go_direct(reader, SocketSink(lambda message: None, cycle))  # type: ignore[arg-type]
        assert channel is not None
        clients[0][0].close()  # the first reader hangs up
        await asyncio.sleep(0.2)
        channel.send(Frame(1, b"data: one\n\n"))
        channel.beat()
        await asyncio.sleep(0.2)
        listening.close()
        return bytes(got[0]), bytes(got[1])

    hung_up, listening_reader = uvloop.run(scenario())
    assert hung_up == b""
    assert b"data: one" in listening_reader and HEARTBEAT.chunk in listening_reader
