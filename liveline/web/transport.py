"""The fast path for live streams: write each event's bytes straight to a reader's socket.

Under uvicorn's httptools server, a stream that has caught up hands its socket to its
blog's channel, which then writes one prepared HTTP chunk per event per reader with no
task switch in between: fan-out costs a socket write per reader, as in a bare asyncio
server. Under any other server, streams keep to plain ASGI sends.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

SERVER_SEND = "liveline.server_send"
HTTPTOOLS_CYCLE = "uvicorn.protocols.http.httptools_impl"


class Liveline(FastAPI):
    """FastAPI that remembers the server's own `send`, before middleware wraps it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[SERVER_SEND] = send
        await super().__call__(scope, receive, send)


def chunked_transport(scope: Scope) -> asyncio.WriteTransport | None:
    """The socket under a streaming response already started with chunked encoding, or None."""
    cycle = getattr(scope.get(SERVER_SEND), "__self__", None)
    if type(cycle).__module__ != HTTPTOOLS_CYCLE:
        return None
    if getattr(cycle, "chunked_encoding", None) is not True or cycle.disconnected:
        return None
    return cycle.transport
