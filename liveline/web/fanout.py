"""Per-process fan-out: one broker subscription per blog, each event encoded once.

A `Channel` puts a blog's events from the broker in seq order (filling gaps from the log),
encodes each one SSE frame, and hands the same bytes to every `Reader`. A reader that
falls too far behind is dropped; its browser reconnects and replays from the log."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable

from liveline.broker import Broker
from liveline.model import Blog, Event
from liveline.web.frames import HEARTBEAT, Encode, Frame, FrameCache
from liveline.web.longlived import Freezer
from liveline.web.observer import Observer, Unobserved
from liveline.web.transport import SocketSink

log = logging.getLogger(__name__)
Sock = asyncio.WriteTransport

LoadEvents = Callable[[int, int], Awaitable[list[Event]]]  # (blog_id, since) -> events
# How long the log may show nothing new while events the broker brought wait beyond a gap
# (committed, not yet visible where we read), looked at again every LOG_RETRY_SECONDS:
# after that they are dropped, as no events of this blog's log.
GAP_PATIENCE_SECONDS, LOG_RETRY_SECONDS = 2.0, 0.05


class Reader:
    """One open stream. Until it has caught up with the log, frames wait in its queue for
    its own task to send; after that, when its sink is a socket, its channel writes to that
    socket itself. Either way it may lag only so far: past that it is dropped, and its
    browser reconnects and replays from the log."""

    __slots__ = (
        "_wake",
        "address",
        "closed",
        "frames",
        "heartbeat",
        "limit",
        "on_overflow",
        "overflowed",
        "sent",
        "sink",
    )

    def __init__(
        self, limit: int, sent: int, address: str | None = None, heartbeat: Frame = HEARTBEAT
    ) -> None:
        self.address = address  # the client's, counted against its cap of open streams
        self.heartbeat = heartbeat  # a comment, or an event its page's script can see
        self.frames: deque[Frame] = deque()
        self.limit = limit
        self.sent = sent  # the highest seq this reader has been given
        self.overflowed = False
        self.closed = False
        self.sink: SocketSink | None = None  # once caught up, if the channel writes to it
        self.on_overflow: Callable[[], object] = _nothing
        # Made when its task waits, not for each reader: a caught-up reader never waits,
        # and an asyncio.Event costs a deque (~600 bytes) of its own.
        self._wake: asyncio.Future[None] | None = None

    def push(self, frame: Frame) -> None:
        if len(self.frames) < self.limit:
            self.frames.append(frame)
            self._ring()
        else:
            self.overflow()

    def _ring(self) -> None:
        wake = self._wake
        if wake is not None and not wake.done():
            wake.set_result(None)

    def overflow(self) -> None:
        if not self.overflowed:
            # Its task may be stuck on a full socket, so waking it is not enough.
            self.overflowed = True
            if self.sink is not None:
                self.sink.abort()
            self.on_overflow()

    def close(self) -> None:
        self.closed = True
        self._ring()
        if self.sink is not None:
            self.sink.hang_up()

    async def wait(self) -> None:
        """Until a frame is queued or the reader is closed."""
        if self.frames or self.closed:
            return
        self._wake = asyncio.get_running_loop().create_future()
        try:
            await self._wake
        finally:
            self._wake = None


def _nothing() -> None:
    return None


# A caught-up reader's queue, shared: the channel writes to its socket, and a deque of
# maxlen 0 takes nothing (an empty deque of its own is ~600 bytes a reader).
DIRECT: deque[Frame] = deque(maxlen=0)


class Channel:
    def __init__(
        self,
        blog: Blog,
        cache: FrameCache,
        load: LoadEvents,
        limit_bytes: int,
        observer: Observer | None = None,
        gap_patience_seconds: float = GAP_PATIENCE_SECONDS,
    ) -> None:
        self.observer = observer or Unobserved()
        self._patience = max(1, round(gap_patience_seconds / LOG_RETRY_SECONDS))
        self.blog = blog
        self.blog_id = blog.id
        self.last_seq = blog.last_seq  # the highest seq handed to readers, in order
        self.readers: set[Reader] = set()  # catching up: each one's own task sends
        self.direct: dict[asyncio.WriteTransport, Reader] = {}  # caught up: written here
        self.limit_bytes = limit_bytes
        self._cache = cache
        self.load = load
        self._early: dict[int, Event] = {}  # waiting their turn: behind a gap, or an encoding
        self._encoding: asyncio.Task[None] | None = None  # the next event's frame, being made
        self._filling: asyncio.Task[None] | None = None
        self.unsubscribe: Callable[[], None] = lambda: None

    def on_event(self, event: Event) -> None:
        if event.seq <= self.last_seq:
            return
        self._early.setdefault(event.seq, event)
        if self._has_gap():
            self.catch_up()
        self._drain()

    def _has_gap(self) -> bool:
        """Events wait that the next seq is missing before (not one being encoded)."""
        return (
            bool(self._early) and self._encoding is None and (self.last_seq + 1 not in self._early)
        )

    def _drain(self) -> None:
        """Deliver waiting events in seq order. An event whose frame is not made yet is
        encoded in a worker thread (a big post's rendering would stall every stream of the
        process), and the ones after it wait until it is delivered."""
        while self._encoding is None and self.last_seq + 1 in self._early:
            event = self._early[self.last_seq + 1]
            frame = self._cache.cached(event)
            if frame is None:
                self._encoding = asyncio.get_running_loop().create_task(self._encode(event))
                return
            del self._early[event.seq]
            self._deliver(event, frame)
        if self._has_gap():
            self.catch_up()

    async def _encode(self, event: Event) -> None:
        try:
            blog = self._blog_after(event)
            await asyncio.to_thread(self._cache.frame, event, blog)
        except Exception:  # this reader's stream must not die of one event: log, and go on
            log.exception("could not encode blog %s seq %s", self.blog_id, event.seq)
            self._early.pop(event.seq, None)
            self.last_seq = max(self.last_seq, event.seq)
        finally:
            self._encoding = None
        self._drain()

    def _blog_after(self, event: Event) -> Blog:
        # Later posts render with the blog's new zone and name.
        if event.type.is_blog_event:
            return self.blog.with_state(event.payload["blog"])
        return self.blog

    def _deliver(self, event: Event, frame: Frame) -> None:
        self.last_seq = event.seq
        self.blog = self._blog_after(event)
        self.send(frame)
        self.observer.delivered(event)

    def send(self, frame: Frame) -> None:
        for reader in list(self.readers):
            reader.push(frame)
        # The hot loop of a big story: one prepared chunk, one socket write per reader. A
        # reader may lag by two frames at least, however big: a 200 KB post is no overflow.
        chunk, behind, gone = frame.chunk, [], []
        limit = max(self.limit_bytes, 2 * len(chunk))
        for transport in self.direct:
            try:
                transport.write(chunk)
            except RuntimeError:
                gone.append(transport)
                continue
            if transport.get_write_buffer_size() > limit:
                behind.append(transport)
        self._drop(behind, gone)

    def beat(self) -> None:
        """Each reader's own heartbeat (a comment, or an event for pages that watch for it)."""
        for reader in list(self.readers):
            reader.push(reader.heartbeat)
        behind, gone = [], []
        for transport, reader in self.direct.items():
            try:
                transport.write(reader.heartbeat.chunk)
            except RuntimeError:
                gone.append(transport)
                continue
            if transport.get_write_buffer_size() > self.limit_bytes:
                behind.append(transport)
        self._drop(behind, gone)

    def _drop(self, behind: list[Sock], gone: list[Sock]) -> None:
        # A hung-up reader stays until its handler hears the disconnect, a loop turn later,
        # and uvloop refuses writes to it (uncaught, that ended this send to the rest, and
        # the process's heartbeats). It fell off, not behind: no overflow.
        for transport in gone:
            self.direct.pop(transport, None)
        for transport in behind:
            self.direct.pop(transport).overflow()

    def go_direct(self, reader: Reader, sink: SocketSink) -> bool:
        """Write to a caught-up reader's socket from now on; False if it is not caught up."""
        if reader.frames or reader.sent != self.last_seq:
            return False
        self.readers.discard(reader)
        reader.sink = sink
        reader.frames = DIRECT
        self.direct[sink.transport] = reader
        return True

    def remove(self, reader: Reader) -> None:
        self.readers.discard(reader)
        if reader.sink is not None:
            self.direct.pop(reader.sink.transport, None)

    def all_readers(self) -> list[Reader]:
        return [*self.readers, *self.direct.values()]

    def catch_up(self) -> None:
        """Deliver whatever the log holds past our last seq: a gap the broker left, or an
        event it never rang for (a dropped connection, a write from the command line)."""
        if self._filling is None:
            self._filling = asyncio.create_task(self._read_log())

    async def _read_log(self) -> None:
        try:
            tries = 0
            while True:
                events = await self.load(self.blog_id, self.last_seq)
                before = self.last_seq
                for event in events:
                    self.on_event(event)
                if self.last_seq > before:
                    self.observer.backfilled(self.last_seq - before)
                self._early = {s: e for s, e in self._early.items() if s > self.last_seq}
                if not self._has_gap():
                    return
                tries = 0 if events else tries + 1
                if tries >= self._patience:
                    # The log never reached them: not events of this blog's log at all.
                    log.warning("blog %s: dropped events %s ahead of the log", self.blog_id,
                                sorted(self._early))  # fmt: skip
                    self._early = {s: e for s, e in self._early.items() if s <= self.last_seq + 1}
                    return
                await asyncio.sleep(LOG_RETRY_SECONDS)  # committed, not yet visible here
        except Exception:
            log.exception("could not read blog %s's log", self.blog_id)
        finally:
            self._filling = None


class FanOut:
    """All channels of this process, the heartbeat that keeps idle streams open, and the
    look at the log that makes up for a doorbell that did not ring."""

    def __init__(
        self,
        broker: Broker,
        encode: Encode,
        load: LoadEvents,
        *,
        queue_size: int,
        heartbeat_seconds: float,
        catch_up_seconds: float = 2.0,
        cache_bytes: int = 64 << 20,
        observer: Observer | None = None,
        freeze_every: int = 250,
        gap_patience_seconds: float = GAP_PATIENCE_SECONDS,
    ) -> None:
        self.observer = observer or Unobserved()
        self._freezer = Freezer(freeze_every)
        self._readers = 0
        self._broker = broker
        self._load = load
        self._cache = FrameCache(encode, cache_bytes)
        self._channels: dict[int, Channel] = {}
        self._queue_size = queue_size
        self._heartbeat_seconds = heartbeat_seconds
        self._catch_up_seconds = catch_up_seconds
        self._gap_patience_seconds = gap_patience_seconds
        self._heartbeat: asyncio.Task[None] | None = None
        self._catching_up: asyncio.Task[None] | None = None
        self._streams_from: Counter[str] = Counter()  # open streams by client address
        self.closing = False

    async def frames(self, events: list[Event], blog: Blog) -> list[Frame]:
        """The events' frames, made off the event loop where not cached."""
        return await self._cache.frames(events, blog)

    def channel(self, slug: str) -> Channel | None:
        """The open channel of a blog, if this process has readers of it."""
        return next((c for c in self._channels.values() if c.blog.slug == slug), None)

    def streams_from(self, address: str) -> int:
        """How many streams the client at `address` holds open on this process."""
        return self._streams_from[address]

    def join(
        self,
        blog: Blog,
        since: int | None,
        address: str | None = None,
        heartbeat: Frame = HEARTBEAT,
    ) -> tuple[Reader, Channel]:
        """A new reader of a blog (as the caller last read it: its last_seq may be stale),
        that has seen everything up to `since`, or, with None, wants only what comes next."""
        channel = self._channels.get(blog.id)
        if channel is None:
            limit_bytes = max(self._queue_size * 4096, 1 << 18)
            channel = Channel(
                blog, self._cache, self._load, limit_bytes, self.observer,
                self._gap_patience_seconds,
            )  # fmt: skip
            channel.unsubscribe = self._broker.subscribe(blog.id, channel.on_event)
            self._channels[blog.id] = channel
        if self._heartbeat is None:
            self._heartbeat = asyncio.create_task(self._beat())
            self._catching_up = asyncio.create_task(self._check_logs())
        sent = channel.last_seq if since is None else since
        reader = Reader(self._queue_size, sent, address, heartbeat)
        channel.readers.add(reader)
        if address is not None:
            self._streams_from[address] += 1
        self.observer.joined(channel.blog.slug)
        self._readers += 1
        self._freezer.joined(self._readers)
        return reader, channel

    def leave(self, channel: Channel, reader: Reader) -> None:
        direct = reader.sink is not None and channel.direct.get(reader.sink.transport) is reader
        if direct or reader in channel.readers:  # leaving may be said twice: count it once
            self._readers -= 1
            self._freezer.left(self._readers)
        channel.remove(reader)
        if reader.address is not None:
            self._streams_from[reader.address] -= 1
            if self._streams_from[reader.address] <= 0:
                del self._streams_from[reader.address]
            reader.address = None  # counted once, however often it leaves
        self.observer.left(channel.blog.slug)
        if not channel.all_readers() and self._channels.get(channel.blog_id) is channel:
            channel.unsubscribe()
            del self._channels[channel.blog_id]

    def reader_count(self) -> int:
        return sum(len(channel.all_readers()) for channel in self._channels.values())

    def close(self) -> None:
        """Server shutdown: end every stream cleanly; browsers reconnect and replay."""
        self.closing = True
        for channel in self._channels.values():
            for reader in channel.all_readers():
                reader.close()
        for task in (self._heartbeat, self._catching_up):
            if task is not None:
                task.cancel()

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat_seconds)
            for channel in list(self._channels.values()):
                channel.beat()

    async def _check_logs(self) -> None:
        # The broker is a doorbell, and a doorbell can fail to ring: look at the log now and
        # then, so that a missed event is late by seconds at worst, never lost.
        while True:
            await asyncio.sleep(self._catch_up_seconds)
            for channel in list(self._channels.values()):
                channel.catch_up()
