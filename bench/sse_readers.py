"""The readers of bench/fanout.py: worker processes holding SSE connections.

Each worker is one event loop of raw non-blocking sockets (uvloop when importable): it
opens its share of connections, reports when all have their response head, and records
for every event it reads the publish->receive latency, by its own clock ("user") and by
the kernel's receive timestamp of the segment ("kernel", SO_TIMESTAMPNS).
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import gc
import re
import resource
import socket
import struct
import time
from collections import Counter
from multiprocessing.connection import Connection
from urllib.parse import urlsplit

try:
    import uvloop
except ImportError:  # plain asyncio works too, only slower
    uvloop = None

LOOP = uvloop.new_event_loop if uvloop else asyncio.new_event_loop
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
ANC_SPACE = socket.CMSG_SPACE(16)
STAMP = re.compile(rb"t=(\d{19})(?!\d)")  # may occur twice in one event (JSON + HTML)
CHUNKED = re.compile(rb"\r\ntransfer-encoding:[ \t]*chunked", re.IGNORECASE)
EVENT_END = re.compile(rb"\r?\n\r?\n")
EVENT_ID = re.compile(rb"(?m)^id: ?(\d+)\r?$")


def raise_nofile() -> int:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


# ---------------------------------------------------------------- readers (worker processes)


class Reader:
    """One SSE subscriber: HTTP response head, optional chunked framing, then events."""

    __slots__ = (
        "buf", "chunked", "fd", "last_id", "left", "pool", "raw", "ready", "repeats", "seen",
        "sock", "up",
    )  # fmt: skip

    def __init__(self, pool: Pool, sock: socket.socket) -> None:
        self.pool, self.sock, self.fd = pool, sock, sock.fileno()
        self.buf = self.raw = b""  # bytes of an incomplete event / of an incomplete size line
        self.chunked, self.up, self.left = False, False, 0
        self.seen: set[int] = set()  # stamps already counted for this reader
        self.ready: asyncio.Future[None] = pool.loop.create_future()
        # The last event id read, sent back as Last-Event-ID on a reconnect (--reconnect), and
        # the events whose id was not above the one before: repeated or out of order.
        self.last_id, self.repeats = -1, 0

    def reset(self, sock: socket.socket) -> None:
        """A new connection for the same reader (a reconnect): what it has seen stays."""
        self.sock, self.fd = sock, sock.fileno()
        self.buf = self.raw = b""
        self.chunked, self.up, self.left = False, False, 0
        self.ready = self.pool.loop.create_future()

    def on_readable(self) -> None:
        try:
            data, anc, _, _ = self.sock.recvmsg(65536, ANC_SPACE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data, anc = b"", []
        now = kernel = time.time_ns()
        if not data:
            return self.pool.lost(self)
        for level, kind, raw in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", raw[:16])
                kernel = sec * 1_000_000_000 + nsec
        if not self.up and (data := self.head(data)) is None:
            return
        buf = self.buf + (self.dechunk(data) if self.chunked else data)
        end = 0
        for m in EVENT_END.finditer(buf):  # only complete events count
            end = m.end()
        for m in EVENT_ID.finditer(buf, 0, end):
            if (seq := int(m.group(1))) <= self.last_id:
                self.repeats += 1
            self.last_id = max(self.last_id, seq)
        for s in STAMP.findall(buf, 0, end):
            if (t := int(s)) not in self.seen:
                self.seen.add(t)
                self.pool.record(now - t, kernel - t)
        self.buf = buf[end:]

    def head(self, data: bytes) -> bytes | None:
        """Collects the response head; returns the body bytes after it, None until then."""
        self.buf += data
        if (i := self.buf.find(b"\r\n\r\n")) < 0:
            return None
        head, rest, self.buf = self.buf[: i + 2], self.buf[i + 4 :], b""
        status = head.split(b"\r\n", 1)[0].decode(errors="replace")
        if status.split(" ")[1:2] != ["200"]:
            self.pool.lost(self, status)
            return None
        self.chunked, self.up = CHUNKED.search(head) is not None, True
        self.ready.set_result(None)
        return rest

    def dechunk(self, data: bytes) -> bytes:
        """Strips chunked transfer framing; a partial size line waits for the next read."""
        raw, out, i = self.raw + data, [], 0
        while i < len(raw):
            if self.left:  # inside a chunk's payload
                out.append(piece := raw[i : i + self.left])
                self.left -= len(piece)
                i += len(piece)
            elif (j := raw.find(b"\r\n", i)) < 0:
                break
            else:
                line, i = raw[i:j], j + 2
                if line:  # an empty line is the CRLF that ends a chunk's payload
                    self.left = int(line.split(b";")[0], 16)
        self.raw = raw[i:]
        return b"".join(out)


class Pool:
    """A worker process: its share of the readers on one event loop."""

    def __init__(self, url: str, a: argparse.Namespace, count: int, pipe: Connection) -> None:
        u = urlsplit(url)
        self.addr = (u.hostname or "127.0.0.1", u.port or 80)
        self.request = (
            f"GET {u.path} HTTP/1.1\r\nHost: {u.netloc}\r\n"
            "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
        ).encode()
        self.a, self.count, self.pipe = a, count, pipe
        self.readers: list[Reader] = []
        self.errors: Counter[str] = Counter()
        self.ok = self.closed_early = self.received = self.target = self.reconnects = 0
        self.url = u
        self.lat_user, self.lat_kernel = array.array("q"), array.array("q")

    def record(self, user_ns: int, kernel_ns: int) -> None:
        self.lat_user.append(user_ns)
        self.lat_kernel.append(kernel_ns)
        self.received += 1
        if self.target and self.received >= self.target:
            self.done.set()

    def lost(self, r: Reader, reason: str = "closed before response head") -> None:
        if r.sock.fileno() < 0:
            return
        self.loop.remove_reader(r.fd)
        r.sock.close()
        if r.up:
            self.closed_early += 1
            if self.a.reconnect:  # as a browser's EventSource does, with Last-Event-ID
                self.loop.create_task(self.reopen(r))
        elif not r.ready.done():
            r.ready.set_exception(ConnectionError(reason))

    async def open(self, slots: asyncio.Semaphore) -> None:
        async with slots:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            self.readers.append(r := Reader(self, sock))
            try:
                async with asyncio.timeout(self.a.connect_timeout):
                    await self.loop.sock_connect(sock, self.addr)
                    await self.loop.sock_sendall(sock, self.request)
                    self.loop.add_reader(r.fd, r.on_readable)
                    await r.ready
                self.ok += 1
            except (OSError, TimeoutError) as exc:
                self.errors[str(exc) or type(exc).__name__] += 1
                r.ready.cancel()
                self.lost(r)

    async def reopen(self, r: Reader) -> None:
        """Reconnects a reader whose stream ended, after the retry a server would ask for."""
        for attempt in range(10):
            await asyncio.sleep(1.0 + attempt)
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            r.reset(sock)
            extra = f"Last-Event-ID: {r.last_id}\r\n" if r.last_id >= 0 else ""
            request = self.request.replace(b"\r\n\r\n", f"\r\n{extra}\r\n".encode(), 1)
            try:
                async with asyncio.timeout(self.a.connect_timeout):
                    await self.loop.sock_connect(sock, self.addr)
                    await self.loop.sock_sendall(sock, request)
                    self.loop.add_reader(r.fd, r.on_readable)
                    await r.ready
                self.reconnects += 1
                return
            except (OSError, TimeoutError) as exc:
                self.errors[f"reconnect: {exc or type(exc).__name__}"] += 1
                r.ready.cancel()
                if sock.fileno() >= 0:
                    with contextlib.suppress(ValueError, OSError):
                        self.loop.remove_reader(sock.fileno())
                    sock.close()

    async def run(self) -> None:
        self.loop, self.done = asyncio.get_running_loop(), asyncio.Event()
        slots = asyncio.Semaphore(self.a.connect_concurrency)
        await asyncio.gather(*(self.open(slots) for _ in range(self.count)))
        self.pipe.send((self.ok, dict(self.errors)))
        stamps, deadline = await self.loop.run_in_executor(None, self.pipe.recv)
        self.target = self.ok * len(stamps)
        if self.received < self.target:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.done.wait(), max(0.0, deadline - time.time()))
        want, missing, complete, delivered = set(stamps), Counter[int](), 0, 0
        repeats = sum(r.repeats for r in self.readers)
        for r in self.readers:
            if r.up or r.seen:
                got = r.seen & want
                delivered += len(got)
                complete += len(got) == len(want)
                missing.update(want - got)
        self.pipe.send(
            (
                delivered,
                complete,
                self.closed_early,
                dict(missing),
                {"repeated_or_out_of_order": repeats, "reconnects": self.reconnects},
                self.lat_user.tobytes(),
                self.lat_kernel.tobytes(),
            )
        )
        await self.loop.run_in_executor(None, self.pipe.recv)  # the server's RSS is read
        for r in self.readers:
            r.sock.close()


def worker_main(url: str, a: argparse.Namespace, count: int, pipe: Connection) -> None:
    raise_nofile()
    gc.disable()  # flat objects only; keeps collector pauses out of the measurement
    with asyncio.Runner(loop_factory=LOOP) as runner:
        runner.run(Pool(url, a, count, pipe).run())
