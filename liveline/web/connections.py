"""Limits on connections that uvicorn's HTTP protocols do not set themselves.

uvicorn closes a connection that sends nothing for `timeout_keep_alive` seconds *after* a
response, but not one that never finishes its request headers: it cancels that timer at
the first byte, so a client sending one byte a second (slowloris), or nothing at all after
connecting, holds a socket for ever; and under httptools a request's headers may be any
size (a 100 MB header took 14 s of CPU). A `guarded` protocol adds, to either of uvicorn's
HTTP/1.1 protocols:

- a head deadline: a connection whose request headers are not complete within
  `header_timeout` seconds of connecting (or of its last response) gets 408 and is closed;
- a head size limit: more than `max_header_bytes` read with the headers still incomplete
  gets 431 and the connection is closed, so the parser never buffers more than one read
  beyond the limit.

The number and total size of complete headers are checked on the ASGI scope (see
limits.headers_over), the same under every server. This module reads uvicorn internals
(`cycle`, `pipeline`, `transport`, `connection_made`, `data_received`,
`on_response_complete`, `connection_lost`); tests/test_connections.py fails if a uvicorn
release changes them.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from typing import Any

HTTP_PROTOCOLS = {
    "httptools": ("uvicorn.protocols.http.httptools_impl", "HttpToolsProtocol"),
    "h11": ("uvicorn.protocols.http.h11_impl", "H11Protocol"),
}
REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


def implementation(http: str) -> str:
    """'httptools' or 'h11' for a setting of 'auto', 'httptools' or 'h11' (as uvicorn's auto)."""
    if http != "auto":
        return http
    try:
        importlib.import_module("httptools")
    except ImportError:  # pragma: no cover
        return "h11"
    return "httptools"


def refusal(status: int, message: str) -> bytes:
    """A whole HTTP/1.1 response that closes the connection, in the API's error shape."""
    body = json.dumps({"error": {"status": status, "message": message}}).encode()
    return b"".join(
        (
            b"HTTP/1.1 %d %b\r\n" % (status, REASONS[status]),
            b"content-type: application/json\r\n",
            b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body),
            body,
        )
    )


def guarded(http: str, *, header_timeout: float, max_header_bytes: int) -> type[asyncio.Protocol]:
    """uvicorn's protocol class for `http` ('auto', 'httptools' or 'h11'), with the limits."""
    module, name = HTTP_PROTOCOLS[implementation(http)]
    base: Any = getattr(importlib.import_module(module), name)

    class Guarded(base):  # type: ignore[misc]
        """uvicorn's protocol, closing connections slow or big in sending request headers."""

        _head_timer: asyncio.TimerHandle | None = None
        _head_bytes = 0
        _refused = False

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self._await_head()

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            if self._head_timer is not None:  # still reading a request's headers
                self._head_bytes += len(data)
            before = self.cycle
            super().data_received(data)
            if self.cycle is not before:  # a request's headers are complete (the app
                self._stop_waiting()  # checks their size: the same read may hold a body)
            elif self._head_timer is not None and self._head_bytes > max_header_bytes:
                # Still no end to them: refused before the parser buffers another read.
                self._refuse(431, f"request headers over {max_header_bytes} bytes")

        def send_400_response(self, msg: str) -> None:
            # h11 refuses a head over its own size limit as a bad request: it is ours, 431.
            if self._head_timer is not None and self._head_bytes > max_header_bytes:
                self._refuse(431, f"request headers over {max_header_bytes} bytes")
            else:
                super().send_400_response(msg)

        def on_response_complete(self) -> None:
            # A pipelined request may start in super's call: its head is read already.
            queued, before = bool(getattr(self, "pipeline", None)), self.cycle
            self._await_head()
            super().on_response_complete()
            if queued or self.cycle is not before:
                self._stop_waiting()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_waiting()
            super().connection_lost(exc)

        def _await_head(self) -> None:
            self._stop_waiting()
            self._head_bytes = 0
            self._head_timer = asyncio.get_running_loop().call_later(
                header_timeout, self._head_late
            )

        def _stop_waiting(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_late(self) -> None:
            self._head_timer = None
            self._refuse(408, f"request headers not complete within {header_timeout:g} s")

        def _refuse(self, status: int, message: str) -> None:
            self._refused = True
            self._stop_waiting()
            transport = self.transport
            if not transport.is_closing():
                transport.write(refusal(status, message))
                transport.close()

    Guarded.__name__ = Guarded.__qualname__ = f"Guarded{name}"
    return Guarded
