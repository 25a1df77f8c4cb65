"""The stream sinks against the installed uvicorn, in a server of its own in this process.

The socket sink reads uvicorn internals: the module of the httptools request cycle, the
cycle reached as `send.__self__`, and its `transport`, `chunked_encoding` and
`disconnected`. These tests fail, naming what moved, when a uvicorn release changes them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from liveline.web.transport import (
    HTTPTOOLS_CYCLE,
    AsgiSink,
    SocketSink,
    as_chunk,
    open_sink,
    stream_path,
)
from tests.harness import free_port

HEADERS = [(b"content-type", b"text/event-stream")]


@contextmanager
def uvicorn_serving(app: ASGIApp, http: str, **options: Any) -> Iterator[str]:
    """`app` under a real uvicorn server on a thread of its own; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, http=http, log_level="warning", **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_the_httptools_cycle_lives_where_the_socket_sink_looks() -> None:
    from uvicorn.protocols.http import httptools_impl

    assert httptools_impl.RequestResponseCycle.__module__ == HTTPTOOLS_CYCLE


def test_under_httptools_a_stream_writes_chunks_to_the_socket_itself() -> None:
    seen: dict[str, Any] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        cycle = getattr(send, "__self__", None)
        seen["cycle module"] = type(cycle).__module__
        seen["attributes"] = {
            name: hasattr(cycle, name) for name in ("transport", "chunked_encoding", "disconnected")
        }
        sink = open_sink(send)
        seen["sink"] = type(sink)
        await sink.start(HEADERS)
        seen["chunked after start"] = getattr(cycle, "chunked_encoding", None)
        seen["disconnected while open"] = getattr(cycle, "disconnected", None)
        socket = sink.socket()
        seen["socket"] = socket is sink
        if isinstance(socket, SocketSink):
            # What the channel and the sink call on it (uvloop's transports are no subclass).
            used = ("write", "get_write_buffer_size", "is_closing", "close", "abort")
            seen["transport"] = all(callable(getattr(socket.transport, m, None)) for m in used)
            socket.transport.write(as_chunk(b"data: straight to the socket\n\n"))
        await sink.end()

    with uvicorn_serving(app, "httptools", lifespan="off") as url:
        response = httpx.get(url, timeout=10)

    assert seen["cycle module"] == HTTPTOOLS_CYCLE, "send is no longer a bound cycle method"
    assert seen["attributes"] == dict.fromkeys(seen["attributes"], True), seen["attributes"]
    assert seen["sink"] is SocketSink
    assert seen["chunked after start"] is True
    assert seen["disconnected while open"] is False
    assert seen["socket"] and seen["transport"]
    assert response.status_code == 200
    assert response.text == "data: straight to the socket\n\n"


def test_the_httptools_cycle_tells_when_the_client_has_gone() -> None:
    gone: dict[str, Any] = {}
    started = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        sink = open_sink(send)
        await sink.start(HEADERS)
        await sink.write(b": open\n\n")
        started.set()
        while (await receive())["type"] != "http.disconnect":
            pass
        gone["disconnected"] = send.__self__.disconnected  # type: ignore[attr-defined]
        gone["socket"] = sink.socket()

    with uvicorn_serving(app, "httptools", lifespan="off") as url:
        with httpx.stream("GET", url, timeout=10) as response:
            next(response.iter_raw())
        assert started.wait(5)
        deadline = time.monotonic() + 5
        while "socket" not in gone and time.monotonic() < deadline:
            time.sleep(0.01)

    assert gone == {"disconnected": True, "socket": None}


@pytest.mark.parametrize("http", ["h11", "httptools"])
def test_a_wrapped_send_or_h11_gets_the_asgi_sink(http: str) -> None:
    seen: dict[str, Any] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        async def wrapped(message: Any) -> None:  # what any middleware around send does
            await send(message)

        chosen = wrapped if http == "httptools" else send
        seen["path"] = stream_path(chosen)
        sink = open_sink(chosen)
        seen["sink"] = type(sink)
        await sink.start(HEADERS)
        seen["socket"] = sink.socket()
        await sink.write(b"data: one\n\n")
        await sink.write(b"data: two\n\n")
        await sink.end()

    with uvicorn_serving(app, http, lifespan="off") as url:
        response = httpx.get(url, timeout=10)

    assert seen == {"path": "asgi", "sink": AsgiSink, "socket": None}
    assert response.text == "data: one\n\ndata: two\n\n"
