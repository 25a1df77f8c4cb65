"""The guarded uvicorn protocols (web/connections.py) against the installed uvicorn, in a
server of its own in this process: they fail, naming what moved, when uvicorn changes."""

from __future__ import annotations

import contextlib
import inspect
import socket
import time
from collections.abc import Iterator

import pytest
from starlette.types import Receive, Scope, Send

from liveline.web.connections import HTTP_PROTOCOLS, guarded, implementation
from tests.test_transport import uvicorn_serving

HEADER_TIMEOUT = 0.6


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


@pytest.fixture(params=sorted(HTTP_PROTOCOLS))
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    protocol = guarded(request.param, header_timeout=HEADER_TIMEOUT, max_header_bytes=4_096)
    with uvicorn_serving(hello, protocol, timeout_keep_alive=HEADER_TIMEOUT) as url:  # type: ignore[arg-type]
        host, port = url.removeprefix("http://").split(":")
        yield host, int(port)


def connect(address: tuple[str, int]) -> socket.socket:
    sock = socket.create_connection(address, timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes the connection (or 5 s pass)."""
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_the_uvicorn_internals_the_guard_uses_are_there() -> None:
    for name, (module, cls) in HTTP_PROTOCOLS.items():
        base = getattr(__import__(module, fromlist=[cls]), cls)
        for method in ("connection_made", "data_received", "on_response_complete",
                       "connection_lost"):  # fmt: skip
            assert callable(getattr(base, method, None)), (name, method)
        init = inspect.getsource(base.__init__)
        for attribute in ("self.cycle", "self.transport"):
            assert attribute in init + inspect.getsource(base.connection_made), (name, attribute)
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    assert "self.pipeline" in inspect.getsource(HttpToolsProtocol.__init__)
    assert implementation("auto") == "httptools"


def test_a_normal_request_and_a_keep_alive_one_are_served(server: tuple[str, int]) -> None:
    with connect(server) as sock:
        for _ in range(2):
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.1)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        # pipelined: both answered, and no 408 cuts in while the second is served
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(HEADER_TIMEOUT * 0.5)
        got = sock.recv(65536)
        assert got.count(b"HTTP/1.1 200") == 2, got


def test_a_slowloris_is_answered_408_and_closed(server: tuple[str, int]) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        for byte in b"GET / HTTP/1.1\r\nHost: x\r\n":
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(0.05)
            if time.monotonic() - started > HEADER_TIMEOUT * 2:
                break
        got = read_all(sock)
        assert got.startswith(b"HTTP/1.1 408"), got
        assert time.monotonic() - started < HEADER_TIMEOUT * 4


def test_a_connection_that_sends_nothing_is_closed(server: tuple[str, int]) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        assert read_all(sock).startswith(b"HTTP/1.1 408")
        assert HEADER_TIMEOUT * 0.8 < time.monotonic() - started < HEADER_TIMEOUT * 4


def test_an_idle_keep_alive_connection_is_closed(server: tuple[str, int]) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        started = time.monotonic()
        got = read_all(sock)
        assert got.startswith(b"HTTP/1.1 200")
        assert time.monotonic() - started < HEADER_TIMEOUT * 4


@pytest.mark.parametrize(
    "head",
    [b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\n",
     b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: y\r\n" % n for n in range(10_000))],
)  # fmt: skip
def test_request_headers_over_the_size_limit_get_431(server: tuple[str, int], head: bytes) -> None:
    with connect(server) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head)
        got = read_all(sock)
        assert got.startswith(b"HTTP/1.1 431"), got[:200]


def test_a_body_sent_with_its_headers_does_not_count_as_headers(server: tuple[str, int]) -> None:
    body = b"x" * 100_000
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
    with connect(server) as sock:
        sock.sendall(head + body)
        time.sleep(0.1)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
