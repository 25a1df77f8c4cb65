"""Open live streams end as soon as the server hosting the app begins to shut down.

uvicorn, like most ASGI servers, waits for open responses to finish before it runs the
lifespan's shutdown, and a live stream never finishes by itself: without a nudge, Ctrl-C
would wait for every reader to leave. ASGI has no message that says "the server is
stopping", so we look where the server shows it: the SIGINT/SIGTERM handler it installs
is a method of the server object, and uvicorn's sets `should_exit` on the first signal.
One watcher per app looks a few times a second; streams themselves pay nothing for it.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def end_streams_on_exit(close_streams: Callable[[], None], every: float = 0.1) -> None:
    while not server_exiting():
        await asyncio.sleep(every)
    close_streams()


def server_exiting() -> bool:
    """Whether the server that installed this process's signal handlers is shutting down."""
    for sig in SIGNALS:
        server = getattr(signal.getsignal(sig), "__self__", None)
        if getattr(server, "should_exit", False) is True:
            return True
    return False
