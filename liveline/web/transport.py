"""The fast path for live streams: write each event's bytes straight to a reader's socket.

Under uvicorn's httptools server, a stream that has caught up hands its socket to its
blog's channel, which then writes one prepared HTTP chunk per event per reader with no
task switch in between: fan-out costs a socket write per reader, as in a bare asyncio
server. Under any other server, streams keep to plain ASGI sends.
"""

from __future__ import annotations

import asyncio

from starlette.types import Send

HTTPTOOLS_CYCLE = "uvicorn.protocols.http.httptools_impl"


def chunked_transport(server_send: Send) -> asyncio.WriteTransport | None:
    """The socket under a response already started with chunked encoding, given the
    server's own `send` (not one wrapped by middleware), or None."""
    cycle = getattr(server_send, "__self__", None)
    if type(cycle).__module__ != HTTPTOOLS_CYCLE:
        return None
    if getattr(cycle, "chunked_encoding", None) is not True or cycle.disconnected:
        return None
    return cycle.transport
