"""Every HTTP byte of a live stream goes through a sink: plain ASGI, or the socket itself.

`AsgiSink` sends `http.response.*` messages and works under any ASGI server. `SocketSink`
is chosen when the server's own `send` belongs to uvicorn's httptools request cycle: it
sends like an `AsgiSink` until its stream has caught up with the log, and then lends its
socket to the blog's channel, which writes one prepared HTTP chunk per event per reader
with no task switch in between (fan-out then costs a socket write per reader, as in a
bare asyncio server; through ASGI sends it measured 12x slower at 10,000 readers).

The socket sink reads uvicorn internals; `tests/test_transport.py` fails when they change,
and pyproject.toml bounds uvicorn to the versions tested.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar, Literal

from starlette.types import Scope, Send

log = logging.getLogger(__name__)

StreamPath = Literal["socket", "asgi"]
HTTPTOOLS_CYCLE = "uvicorn.protocols.http.httptools_impl"
LAST_CHUNK = b"0\r\n\r\n"


def as_chunk(data: bytes) -> bytes:
    """`data` as one HTTP/1.1 chunk: made once per event, written as is to every socket."""
    return b"%x\r\n%b\r\n" % (len(data), data)


class AsgiSink:
    """A stream's response as ASGI messages: what any server, and any wrapper, accepts."""

    path: ClassVar[StreamPath] = "asgi"

    def __init__(self, send: Send) -> None:
        self._send = send

    async def start(self, headers: list[tuple[bytes, bytes]]) -> None:
        await self._send({"type": "http.response.start", "status": 200, "headers": headers})

    async def write(self, data: bytes) -> None:
        await self._send({"type": "http.response.body", "body": data, "more_body": True})

    async def end(self) -> None:
        await self._send({"type": "http.response.body", "body": b"", "more_body": False})

    def socket(self) -> SocketSink | None:
        """This sink, if its channel may write prepared chunks to its socket from now on."""
        return None


class SocketSink(AsgiSink):
    """An `AsgiSink` under uvicorn's httptools server, whose socket a channel may write to."""

    path: ClassVar[StreamPath] = "socket"

    def __init__(self, send: Send, cycle: Any) -> None:
        super().__init__(send)
        self._cycle = cycle
        self.transport: asyncio.WriteTransport = cycle.transport

    def socket(self) -> SocketSink | None:
        # Only once the server has started a chunked response (not for HTTP/1.0 clients
        # or HEAD), and only while the client is still there.
        cycle = self._cycle
        if cycle.chunked_encoding is True and not cycle.disconnected:
            return self
        return None

    def hang_up(self) -> None:
        """End the chunked response properly, then close; the browser reconnects."""
        if not self.transport.is_closing():
            self.transport.write(LAST_CHUNK)
            self.transport.close()

    def abort(self) -> None:
        """Drop the connection now: the reader is too far behind to be worth a clean end."""
        self.transport.abort()


def open_sink(server_send: Send) -> AsgiSink:
    """The sink for a stream, given the `send` the server called the app with."""
    cycle = _httptools_cycle(server_send)
    return AsgiSink(server_send) if cycle is None else SocketSink(server_send, cycle)


def forget_headers(scope: Scope, server_list: object) -> None:
    """Empties a stream's request headers once it has read what it needs (the address,
    Last-Event-ID): uvicorn's protocol keeps its list (`server_list`, as the app was called
    with it), and the scope Starlette's copy of it, a tuple and two bytes objects a header,
    as long as the stream is open (a browser's dozen are ~1.5 KB a reader). uvicorn reads
    its list only before it calls the app (to see an upgrade)."""
    for headers in (server_list, scope.get("headers")):
        if isinstance(headers, list):
            headers.clear()


def stream_path(server_send: Send) -> StreamPath:
    return "asgi" if _httptools_cycle(server_send) is None else "socket"


def _httptools_cycle(server_send: Send) -> Any | None:
    # The server's own send is a bound method of its request cycle; any wrapper around it
    # (middleware, `--log-level trace`, another server) hides the cycle, and so the socket.
    cycle = getattr(server_send, "__self__", None)
    if type(cycle).__module__ != HTTPTOOLS_CYCLE:
        return None
    if not all(hasattr(cycle, name) for name in ("transport", "chunked_encoding", "disconnected")):
        return None
    return cycle


class ActivePath:
    """Which sink this process's streams get: logged once, from the first request's send."""

    def __init__(self) -> None:
        self.path: StreamPath | None = None

    def note(self, server_send: Send) -> None:
        if self.path is not None:
            return
        self.path = stream_path(server_send)
        if self.path == "socket":
            log.info("live streams write to the socket (uvicorn httptools): fast fan-out")
        else:
            where = getattr(server_send, "__qualname__", type(server_send).__name__)
            log.warning(
                "live streams use plain ASGI sends (the server's send is %s): fan-out is "
                "about 12x slower; run uvicorn with --http httptools and no send wrappers "
                "(nor --log-level trace) for the socket path",
                where,
            )
