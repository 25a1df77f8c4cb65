"""Live delivery: the SSE stream and the polling endpoint, both read from the event log.

A stream first replays everything after the client's Last-Event-ID (or ?since=) from
the log, then follows its blog's channel, skipping seqs it already sent and filling any
gap from the log. A reader that reconnects, even to a restarted server, misses nothing
and sees nothing twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from liveline.errors import Invalid
from liveline.formats import aptime
from liveline.model import Blog, Event
from liveline.web.fanout import Channel, FanOut, Reader
from liveline.web.render import PostRenderer, count_text

log = logging.getLogger(__name__)
router = APIRouter()
REPLAY_BATCH = 500


def event_message(event: Event, blog: Blog, render: PostRenderer) -> dict[str, Any]:
    """What readers get for one event: its JSON, the post's HTML, the blog's new state."""
    message = event.to_json()
    post = event.payload.get("post")
    if post is not None and post.get("status") == "published":
        message["html"] = render(post, blog)
    state = event.payload.get("blog")
    if state:
        updated = aptime.updated_time(event.created_at, blog.timezone)
        message["blog"] = {
            **state,
            "updated_text": f"Updated {updated}",
            "count_text": count_text(state["post_count"]),
        }
    return message


def sse_frame(event: Event, blog: Blog, render: PostRenderer) -> bytes:
    data = json.dumps(event_message(event, blog, render), ensure_ascii=False, separators=(",", ":"))
    return f"id: {event.seq}\nevent: {event.type}\ndata: {data}\n\n".encode()


def _since(request: Request) -> int | None:
    raw = request.headers.get("last-event-id") or request.query_params.get("since")
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise Invalid("since / Last-Event-ID must be a whole number (an event seq)", field="since")
    return int(raw)


@router.get("/blogs/{slug}/events", include_in_schema=False)
async def stream(slug: str, request: Request) -> Response:
    state = request.app.state
    blog = await run_in_threadpool(state.service.blog, slug)
    since = _since(request)
    if since is not None:
        # An id from before the database was replaced would otherwise hide every new event.
        since = min(since, blog.last_seq)
    reader, channel = state.fanout.join(blog)
    start = channel.last_seq if since is None else since
    return EventStream(state.fanout, channel, reader, start, state.settings.stream_retry_ms)


@router.get("/api/blogs/{slug}/events", tags=["read"])
async def poll(slug: str, request: Request, since: int = 0, limit: int = 100) -> Response:
    """The stream's events as JSON, for clients and caches that cannot hold a stream."""
    state = request.app.state
    if since < 0 or not 1 <= limit <= REPLAY_BATCH:
        raise Invalid(f"since must be ≥ 0 and limit 1–{REPLAY_BATCH}", field="since")
    blog = await run_in_threadpool(state.service.blog, slug)
    events = await run_in_threadpool(state.service.events_since, blog.id, since, limit)
    body = {
        "blog": blog.slug,
        "since": since,
        "last_seq": events[-1].seq if events else max(since, 0),
        "head_seq": blog.last_seq,
        "events": [event_message(e, blog, state.render_post) for e in events],
    }
    headers = {
        "Cache-Control": f"public, max-age={state.settings.cache_max_age}",
        "ETag": f'"{blog.slug}-{blog.last_seq}-{since}-{limit}"',
    }
    return Response(
        json.dumps(body, ensure_ascii=False), media_type="application/json", headers=headers
    )


class EventStream:
    """An ASGI response that writes a blog's events as they come, until either side leaves."""

    def __init__(
        self, fanout: FanOut, channel: Channel, reader: Reader, start: int, retry_ms: int
    ) -> None:
        self.fanout = fanout
        self.channel = channel
        self.reader = reader
        self.sent = start
        self.retry_ms = retry_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        pump = asyncio.create_task(self._pump(send))
        self.reader.on_overflow = pump.cancel
        watcher = asyncio.create_task(self._watch(receive, pump))
        try:
            await asyncio.wait({pump})
        finally:
            watcher.cancel()
            self.fanout.leave(self.channel, self.reader)
        if self.reader.overflowed:
            log.info("dropped a reader of blog %s that fell behind", self.channel.blog_id)
        elif not pump.cancelled() and pump.exception() is None:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _watch(self, receive: Receive, pump: asyncio.Task) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        pump.cancel()

    async def _pump(self, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream; charset=utf-8"),
                    (b"cache-control", b"no-cache, no-transform"),
                    (b"x-accel-buffering", b"no"),
                ],
            }
        )
        await self._send(send, f"retry: {self.retry_ms}\n\n".encode())
        await self._replay(send, until=None)
        reader = self.reader
        while not reader.closed:
            if not reader.frames:
                await reader.wait()
                continue
            parts = []
            while reader.frames:
                seq, frame = reader.frames.popleft()
                if seq == 0:  # heartbeat
                    parts.append(frame)
                    continue
                if seq <= self.sent:
                    continue
                if seq > self.sent + 1:  # missed between our replay and the live feed
                    parts.extend(await self._backfill(until=seq))
                parts.append(frame)
                self.sent = seq
            if parts:
                await self._send(send, b"".join(parts))

    async def _replay(self, send: Send, until: int | None) -> None:
        while True:
            frames = await self._backfill(until)
            if frames:
                await self._send(send, b"".join(frames))
            if len(frames) < REPLAY_BATCH:
                return

    async def _backfill(self, until: int | None) -> list[bytes]:
        events = await self.channel.load(self.channel.blog_id, self.sent)
        frames = []
        for event in events:
            if until is not None and event.seq >= until:
                break
            frames.append(self.fanout.frame(event, self.channel.blog))
            self.sent = event.seq
        return frames

    @staticmethod
    async def _send(send: Send, body: bytes) -> None:
        await send({"type": "http.response.body", "body": body, "more_body": True})
