"""GRIP: readers' streams held by Pushpin (or Fastly Fanout), not by Liveline's processes.

With LIVELINE_GRIP_URL set, a stream request that came through the GRIP proxy (it signs
each with `Grip-Sig`) is answered at once: the events the reader missed, replayed from the
log after its Last-Event-ID (the proxy passes on the browser's header) or `?since=`, and
the instructions to hold the connection open on the blog's channel. Each event is then
published once, not once a reader, to the proxy's publish endpoint, in seq order, by a
follower of the log (service/following.py), so an event committed just before a crash or
a restart still reaches every held reader. The items carry `id` (the seq) and `prev-id`,
and a hold says which seq it replayed up to, so the proxy can tell a publish it has
already delivered to a connection, or one it would deliver out of order.
"""

from __future__ import annotations

import random
from typing import Any, Literal

import httpx
from fastapi import Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from liveline.model import Blog, Event
from liveline.web.fanout import FanOut

REPLAY_BATCH = 500
ITEMS_A_PUBLISH = 50  # a big post's frame is up to 200 KB; a publish stays a few MB at most
# How long a held stream may go without a publish before the proxy asks the next link anyway
# (to heal a lost last publish on a quiet blog): 10-20 minutes, a whole second drawn at random
# for each hold. Pushpin's default is 120 s, and it re-asks every stream of one (timeout,
# path) together, even one that joined a second before: 10,000 readers of a blog quiet for
# two minutes became one burst of 10,000 requests, more than Pushpin's own request queue
# (100) takes, and the streams whose request failed waited in its back-off (1, 2, 4, 8, 16 s)
# with their posts, or were closed. A thousand timeouts make a thousand smaller groups.
RECOVER_AFTER = (600, 1200)


def channel(blog_id: int) -> str:
    return f"liveline-blog-{blog_id}"


def through_proxy(request: Request) -> bool:
    """Whether the GRIP proxy sent this request (and will hold what we answer)."""
    return bool(request.app.state.settings.grip_url) and "grip-sig" in request.headers


def last_id(request: Request, blog_id: int) -> int | None:
    """The seq the proxy last delivered on the blog's channel, which it says (`Grip-Last`)
    when it follows our next link to recover from a gap or a publish it saw twice."""
    for part in request.headers.get("grip-last", "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() == channel(blog_id):
            for param in params.split(";"):
                key, _, value = param.strip().partition("=")
                if key == "last-id" and value.isascii() and value.isdigit():
                    return int(value)
    return None


async def hold(request: Request, blog: Blog, since: int | None) -> Response:
    """The replay of what the reader missed, and the instructions to hold it on its channel."""
    state = request.app.state
    last = last_id(request, blog.id)
    if last is not None:
        since = min(last, blog.last_seq)
    sent = blog.last_seq if since is None else since
    parts = [f"retry: {state.settings.stream_retry_ms}\n\n".encode()]
    while True:
        events = await run_in_threadpool(state.service.events_since, blog.id, sent, REPLAY_BATCH)
        parts.extend(bytes(frame.data) for frame in await state.fanout.frames(events, blog))
        if events:
            sent = events[-1].seq
        if len(events) < REPLAY_BATCH:
            break
    heartbeat = max(1, int(state.settings.stream_heartbeat_seconds))
    headers = {
        "Grip-Hold": "stream",
        # With prev-id the proxy delivers a publish only after the one before it, and when
        # it sees a gap (or a hold older than the channel) it asks the next link, with
        # Grip-Last, for what is missing: the log answers, as for any reconnect.
        "Grip-Channel": f"{channel(blog.id)}; prev-id={sent}",
        "Grip-Link": f"<{request.url.path}{_asked(request)}>; rel=next; timeout={_recover()}",
        # The proxy's heartbeat, as ours would be: an SSE comment, or the event a page that
        # watches for a held-back stream asked for (?heartbeat=event); a C string: \n escaped.
        "Grip-Keep-Alive": f"{_keep_alive(request)}; format=cstring; timeout={heartbeat}",
        "Cache-Control": "no-cache, no-transform",
        "X-Accel-Buffering": "no",
    }
    # Without a Content-Length: the proxy passes on the origin's framing, and a length would
    # tell the browser that the stream ends after the replay.
    return StreamingResponse(iter(parts), media_type="text/event-stream", headers=headers)


KeyHeader = Literal["bearer", "fastly"]


def key_headers(key: str, header: KeyHeader) -> dict[str, str]:
    """How the publish endpoint is told the key: Fastly Fanout reads `Fastly-Key`, a
    Pushpin with auth `Authorization: Bearer`. No key, no header."""
    if not key:
        return {}
    if header == "fastly":
        return {"Fastly-Key": key}
    return {"Authorization": f"Bearer {key}"}


def _recover() -> int:
    return random.randrange(*RECOVER_AFTER)  # spreading load, not a secret


def _asked(request: Request) -> str:
    """What the next link keeps of the query: the heartbeat the page asked for."""
    return "?heartbeat=event" if request.query_params.get("heartbeat") == "event" else ""


def _keep_alive(request: Request) -> str:
    if _asked(request):
        return ":\\nevent: heartbeat\\ndata: {}\\n\\n"
    return ":\\n\\n"


class GripPublisher:
    """Publishes one blog's events to the proxy; returns once it accepted them (a 2xx)."""

    def __init__(
        self,
        url: str,
        fanout: FanOut,
        timeout: float = 10.0,
        key: str = "",
        key_header: KeyHeader = "bearer",
    ) -> None:
        self.url = url
        self._fanout = fanout
        self._timeout = timeout
        # Kept in the client's headers only: never in a message, a repr or an exception.
        self._headers = key_headers(key, key_header)
        self._client: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"GripPublisher({self.url!r})"

    async def publish(self, blog: Blog, events: list[Event]) -> None:
        frames = await self._fanout.frames(events, blog)  # the same bytes direct readers get
        items: list[dict[str, Any]] = [
            {
                "channel": channel(blog.id),
                "id": str(event.seq),
                "prev-id": str(event.seq - 1),
                "formats": {"http-stream": {"content": bytes(frame.data).decode()}},
            }
            for event, frame in zip(events, frames, strict=True)
        ]
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, headers=self._headers)
        for start in range(0, len(items), ITEMS_A_PUBLISH):
            batch = items[start : start + ITEMS_A_PUBLISH]
            response = await self._client.post(self.url, json={"items": batch})
            if not response.is_success:
                raise GripError(f"the GRIP proxy answered {response.status_code}")

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class GripError(Exception):
    pass
