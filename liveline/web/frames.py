"""An event as readers get it, made once per process: its frame, and the cache of frames.

A `Frame` holds one copy of an event's bytes (its HTTP/1.1 chunk; the SSE bytes and the
JSON message are views into it). The `FrameCache` keeps them within a byte budget, shared
between the event loop (its fast path) and the worker threads that encode.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable

from liveline.model import Blog, Event
from liveline.web.transport import as_chunk

Encode = Callable[[Event, Blog], str]  # an event's message to readers, as JSON


class Frame:
    """One event, made once for all readers of the stream and of the polling endpoint alike,
    and held as one copy: its HTTP/1.1 chunk, which the fan-out writes as is to every socket.
    The SSE bytes and the JSON message are views into that chunk, not copies of it."""

    __slots__ = ("_data", "_message", "chunk", "seq")

    def __init__(self, seq: int, data: bytes, message_at: int | None = None) -> None:
        self.seq = seq  # 0 for a heartbeat, which every reader gets
        self.chunk = as_chunk(data)
        view = memoryview(self.chunk)
        start = len(self.chunk) - len(data) - 2  # after the chunk's size line
        self._data = view[start : start + len(data)]
        # The message sits between `data: ` and the blank line that ends the frame.
        self._message = view[0:0] if message_at is None else self._data[message_at:-2]

    @property
    def data(self) -> memoryview:
        """The SSE bytes: `id:`, `event:`, `data:` and the blank line."""
        return self._data

    @property
    def message(self) -> memoryview:
        """The event's JSON message, as UTF-8."""
        return self._message

    @property
    def size(self) -> int:
        return len(self.chunk)

    @classmethod
    def of(cls, event: Event, message: str) -> Frame:
        head = f"id: {event.seq}\nevent: {event.type}\ndata: ".encode()
        return cls(event.seq, head + message.encode() + b"\n\n", len(head))


HEARTBEAT = Frame(0, b":\n\n")
# The same heartbeat as an event a page's script can see (EventSource hides comments), for
# the streams that ask for it (?heartbeat=event): a page that sees none for a while after
# opening knows something between it and us holds the stream back, and polls instead.
VISIBLE_HEARTBEAT = Frame(0, b":\nevent: heartbeat\ndata: {}\n\n")


class FrameCache:
    """Encoded frames by (blog, seq, revision), least recently used first out, within a byte
    budget: a story of big posts polled from seq 0 must not keep them all, and a frame bigger
    than the whole budget is not kept. An entry of the log changes only when a later change
    to its post rewrites it to the post's current public state (service.events), and that
    bumps its revision: a cached frame is never one whose text was taken back."""

    def __init__(self, encode: Encode, max_bytes: int = 64 << 20) -> None:
        self._encode = encode
        self._frames: OrderedDict[tuple[int, int, int], Frame] = OrderedDict()
        self.max_bytes = max_bytes
        self.bytes = 0
        # Encoding runs in worker threads (rendering a post is CPU work the event loop must
        # not wait on), so the cache is shared between them and the loop.
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._frames)

    def cached(self, event: Event) -> Frame | None:
        """The event's frame if it is made already: the event loop's fast path."""
        key = (event.blog_id, event.seq, event.revision)
        with self._lock:
            frame = self._frames.get(key)
            if frame is not None:
                self._frames.move_to_end(key)
            return frame

    def frame(self, event: Event, blog: Blog) -> Frame:
        """The event's frame, made now if it is not cached: call it from a worker thread."""
        frame = self.cached(event)
        if frame is not None:
            return frame
        frame = Frame.of(event, self._encode(event, blog))
        if frame.size <= self.max_bytes:
            key = (event.blog_id, event.seq, event.revision)
            with self._lock:
                if key not in self._frames:
                    self._frames[key] = frame
                    self.bytes += frame.size
                while self.bytes > self.max_bytes:
                    self.bytes -= self._frames.popitem(last=False)[1].size
        return frame

    async def frames(self, events: list[Event], blog: Blog) -> list[Frame]:
        """Frames of events, those not yet made encoded off the event loop."""
        found = [self.cached(event) for event in events]
        if all(frame is not None for frame in found):
            return [frame for frame in found if frame is not None]
        return await asyncio.to_thread(lambda: [self.frame(event, blog) for event in events])
