"""A small HTTP proxy on loopback that does what some corporate and mobile proxies do to event
streams: it passes the response's headers on at once and then holds the body back (buffers
it) until the origin ends it. Every other response passes straight through.

One request a connection (it asks the origin to close after each), which is all a browser
needs of it; enough HTTP for GETs, which is all the reader's page sends."""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType


class HoldingProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held_streams = 0  # event streams whose body it is holding back
        self.held_bytes = 0
        self._closing = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> HoldingProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._closing = True
        self.listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _keep(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._sockets.append(sock)
        return sock

    def _serve(self, client: socket.socket) -> None:
        self._keep(client)
        try:
            head = _read_head(client)
            if head is None:
                return
            upstream = self._keep(socket.create_connection(("127.0.0.1", self.upstream_port)))
            upstream.sendall(_closing_request(head))
            response = _read_head(upstream)
            if response is None:
                return
            headers, _, early = response.partition(b"\r\n\r\n")
            client.sendall(headers + b"\r\n\r\n")  # the headers at once: the stream "opens"
            if b"text/event-stream" not in headers.lower():
                client.sendall(early)
                _pipe(upstream, client)
                return
            with self._lock:
                self.held_streams += 1
            held = bytearray(early)
            while chunk := upstream.recv(65536):  # held until the origin ends the stream
                held += chunk
                with self._lock:
                    self.held_bytes += len(chunk)
            client.sendall(bytes(held))
        except OSError:
            pass
        finally:
            client.close()


def _read_head(sock: socket.socket) -> bytes | None:
    """Bytes up to and including the blank line after the headers (and any that followed)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    return data


def _closing_request(head: bytes) -> bytes:
    lines = head.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    kept = [line for line in lines if not line.lower().startswith(b"connection:")]
    return b"\r\n".join([*kept, b"Connection: close"]) + b"\r\n\r\n"


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    while chunk := source.recv(65536):
        sink.sendall(chunk)
