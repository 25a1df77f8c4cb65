"""The baseline for bench/fanout.py: a bare asyncio SSE server on Liveline's URLs.

Each event is framed once (SSE and HTTP chunk) and that one bytes object is written to
every subscriber's transport: the least any Python server can do per reader per event.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import resource
from datetime import UTC, datetime
from typing import Any, cast

try:
    import uvloop
except ImportError:
    uvloop = None

LOOP = uvloop.new_event_loop if uvloop else asyncio.new_event_loop
SUBSCRIBERS: set[asyncio.Transport] = set()


def raise_nofile() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


FLOOR_SEQ = itertools.count(1)


class Floor(asyncio.Protocol):
    """Bare SSE floor on Liveline's URLs: each event is framed once (SSE and HTTP chunk),
    and that one bytes object is written to every subscriber's transport."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.t, self.buf = cast(asyncio.Transport, transport), b""

    def connection_lost(self, exc: Exception | None) -> None:
        SUBSCRIBERS.discard(self.t)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while (i := self.buf.find(b"\r\n\r\n")) >= 0:
            m = re.search(rb"\r\ncontent-length:\s*(\d+)", self.buf[:i], re.IGNORECASE)
            if len(self.buf) < (end := i + 4 + (int(m[1]) if m else 0)):
                return
            method, target = self.buf.split(b" ", 2)[:2]
            body, self.buf = self.buf[i + 4 : end], self.buf[end:]
            if method == b"GET" and target.split(b"?")[0].endswith(b"/events"):
                self.t.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    b"Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n"
                )
                SUBSCRIBERS.add(self.t)
            elif method == b"POST" and target.endswith(b"/posts"):
                self.reply(201, self.publish(json.loads(body)))
            else:  # creating the blog, /healthz
                self.reply(201 if method == b"POST" else 200, {"ok": True})

    def publish(self, req: dict[str, Any]) -> dict[str, Any]:
        seq = next(FLOOR_SEQ)
        post = {
            "id": seq,
            "version": 1,
            "headline": req["headline"],
            "body": req["body"],
            "published_at": datetime.now(UTC).isoformat(),
        }
        frag = f"<h2>{html.escape(req['headline'])}</h2><p>{html.escape(req['body'])}</p>"
        data = json.dumps({"seq": seq, "post": post, "html": frag}, separators=(",", ":"))
        event = f"id: {seq}\nevent: post.published\ndata: {data}\n\n".encode()
        frame = b"%x\r\n%s\r\n" % (len(event), event)
        for t in SUBSCRIBERS:
            t.write(frame)
        return post

    def reply(self, status: int, obj: dict[str, Any]) -> None:
        out = json.dumps(obj).encode()
        self.t.write(
            b"HTTP/1.1 %d -\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (status, len(out), out)
        )


def floor_main(port: int) -> None:
    raise_nofile()

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Floor, "127.0.0.1", port, backlog=4096)
        await server.serve_forever()

    with asyncio.Runner(loop_factory=LOOP) as runner:
        runner.run(serve())
