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
import re
from typing import Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from liveline.errors import LivelineError, TooMany, Unavailable
from liveline.formats import aptime
from liveline.formats.feeds import blog_byline
from liveline.formats.language import language
from liveline.model import Blog, Event
from liveline.values import MAX_SEQ, parse_seq
from liveline.web import grip
from liveline.web.caching import conditional
from liveline.web.errors import error_response
from liveline.web.fanout import FanOut
from liveline.web.frames import HEARTBEAT, VISIBLE_HEARTBEAT, Frame
from liveline.web.methods import headers_only
from liveline.web.mounting import route_path
from liveline.web.render import (
    PostRenderer,
    count_text,
    summary_html,
    updated_text,
)
from liveline.web.transport import AsgiSink, forget_headers, open_sink

log = logging.getLogger(__name__)
router = APIRouter()
REPLAY_BATCH = 500
REPLAY_WRITE_BYTES = 256 * 1024


def event_message(event: Event, blog: Blog, render: PostRenderer) -> dict[str, Any]:
    """What readers get for one event: its JSON, the post's HTML, the blog's new state."""
    message = event.to_json()
    post = event.payload.get("post")
    if post is not None and post.get("status") == "published":
        message["html"] = render(post, blog)
    state = event.payload.get("blog")
    if state:
        tag = state.get("language", blog.language)
        zone = state.get("timezone", blog.timezone)
        updated = aptime.updated_time(event.created_at, zone, language(tag))
        message["blog"] = {
            **state,
            "updated_text": updated_text(updated, tag),
            "count_text": count_text(state["post_count"], tag),
        }
        if event.type.is_blog_event:
            message["blog"]["byline_text"] = blog_byline(blog.with_state(state))
            if "summary" in state:  # "What we know", as the page shows it
                message["blog"]["summary_html"] = str(summary_html(state["summary"]))
    return message


def message_json(event: Event, blog: Blog, render: PostRenderer) -> str:
    return json.dumps(event_message(event, blog, render), ensure_ascii=False, separators=(",", ":"))


def _since(request: Request) -> int | None:
    """The seq a stream resumes after: Last-Event-ID (a reconnecting browser's) over ?since=."""
    header = request.headers.get("last-event-id")
    if header:
        return parse_seq(header, "Last-Event-ID")
    query = request.query_params.get("since")
    return None if not query else parse_seq(query, "since")


STREAM_PATH = re.compile(r"^/blogs/(?P<slug>[^/]+)/events$")
STREAM_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-transform"),
    (b"x-accel-buffering", b"no"),
]


def stream_slug(scope: Scope) -> str | None:
    """The blog's slug when this request is for its live stream (GET or HEAD), else None."""
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
        return None
    match = STREAM_PATH.match(route_path(scope))
    return None if match is None else match["slug"]


async def serve_stream(
    app: Starlette, slug: str, scope: Scope, receive: Receive, send: Send
) -> None:
    """GET or HEAD /blogs/{slug}/events, served ahead of the middleware stack.

    A stream lives for hours and a big story has tens of thousands: each layer a request
    passes through stays in memory for as long as it is open (and in every full garbage
    collection), and a layer that wraps `send` hides the socket from the stream (see
    transport.py), so streams skip the layers that only matter to short requests.
    """
    scope["app"], headers = app, scope.get("headers")  # the server's list, before a copy
    request = Request(scope, receive)
    response = await open_stream(request, slug)
    head = request.method == "HEAD"
    del request  # its parsed headers and query would live as long as the stream
    if isinstance(response, EventStream):
        forget_headers(scope, headers)
    await response(scope, receive, headers_only(send) if head else send)


# The app serves streams ahead of this route (see serve_stream): the route puts the stream
# in the API docs, and would serve a GET just the same if one ever reached it.
@router.get(
    "/blogs/{slug}/events",
    tags=["read"],
    summary="Live stream",
    response_class=Response,
    responses={
        200: {
            "description": "Server-sent events: `retry:`, then one event per change "
            "(`id:` its seq, `event:` its type, `data:` the JSON the polling endpoint "
            "gives), and a `:` comment line as heartbeat (with `?heartbeat=event`, also a "
            "`heartbeat` event a page's script can see). HEAD answers the headers only.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        404: {"description": "No such blog"},
        503: {"description": "The server is shutting down; reconnect in a moment"},
    },
)
async def live_stream(
    slug: str,
    request: Request,
    since: int | None = Query(
        default=None, ge=0, le=MAX_SEQ, description="Replay events after this seq"
    ),
    last_event_id: str | None = Header(
        default=None,
        pattern=r"^[0-9]{1,10}$",
        description="As `since` (and taken over it); browsers send it when they reconnect",
    ),
) -> Response:
    """A blog's events as they happen (server-sent events): first every event after
    `Last-Event-ID` or `since` from the log, then each new one, each once and in order."""
    return await open_stream(request, slug)


async def open_stream(request: Request, slug: str) -> Response:
    """The stream of a blog, or the error that stands in its way, as a response."""
    state = request.app.state
    try:
        if state.fanout.closing:  # a stream opened now would be cut at once; say so instead
            raise Unavailable("this server is shutting down; reconnect in a moment")
        since = _since(request)
        channel = state.fanout.channel(slug)
        if channel is not None and (since is None or since <= channel.last_seq):
            blog = channel.blog  # a big story's readers arrive in thousands: spare the database
        else:
            blog = await run_in_threadpool(state.service.blogs.get, slug)
            if since is not None:
                # An id from before the database was replaced would otherwise hide new events.
                since = min(since, blog.last_seq)
        if request.method == "HEAD":
            return StreamHead()
        if grip.through_proxy(request):  # the proxy holds the reader, not this process
            return await grip.hold(request, blog, since)
        # Checked after the last await, so that the stream joins before another is counted.
        address = request.client.host if request.client else None
        cap = state.settings.max_streams_per_address
        if (
            cap
            and address is not None
            and state.fanout.streams_from(address) >= cap
            and address not in state.stream_cap_exempt
        ):
            raise TooMany(
                f"at most {cap} live streams from one address; close one, or poll "
                f"/api/blogs/{slug}/events",
                retry_after=max(1, state.settings.stream_retry_ms // 1000) * 5,
            )
        beat = VISIBLE_HEARTBEAT if request.query_params.get("heartbeat") == "event" else HEARTBEAT
        return EventStream(state.fanout, blog, since, state.settings.stream_retry_ms, address, beat)
    except LivelineError as exc:
        extra = {"field": exc.field} if exc.field else {}
        response = error_response(request, exc.status, exc.message, **extra)
        if isinstance(exc, TooMany):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except Exception:
        log.exception("could not open a stream on %s", request.url.path)
        return error_response(request, 500, "something went wrong on our side; it was logged")


@router.get("/api/blogs/{slug}/events", tags=["read"])
async def poll(
    slug: str,
    request: Request,
    since: int = Query(default=0, ge=0, le=MAX_SEQ, description="Events after this seq"),
    limit: int = Query(default=100, ge=1, le=REPLAY_BATCH, description="At most this many"),
    round_to: int | None = Query(
        default=None,
        alias="round",
        ge=1,
        le=1000,
        description="Redirect to `since` rounded down to a multiple of this, so that readers "
        "share a CDN's cache entries (the client skips the seqs it already has)",
    ),
) -> Response:
    """The stream's events as JSON, for clients and caches that cannot hold a stream."""
    state = request.app.state
    # FastAPI's int also takes '+5', ' 5' and '5_000': the seq's own rule is ASCII digits.
    since = parse_seq(request.query_params.get("since") or "0", "since")
    if round_to is not None and since % round_to:
        given = limit if "limit" in request.query_params else None
        return rounded(request, since - since % round_to, given, round_to)
    blog = await run_in_threadpool(state.service.blogs.get, slug)
    messages, last_seq = await _poll_messages(state, blog, since, limit)
    head = {"blog": blog.slug, "since": since, "last_seq": last_seq, "head_seq": blog.last_seq}
    head_json = json.dumps(head, ensure_ascii=False).encode()
    body = b"".join((head_json[:-1], b',"events":[', b",".join(messages), b"]}"))
    return conditional(request, blog, Response(body, media_type="application/json"))


def rounded(request: Request, since: int, limit: int | None, round_to: int) -> Response:
    """A redirect to the shared poll, its query in one order for every reader (one cache
    entry), and the same for every reader: cacheable for long."""
    query = f"since={since}" + (f"&limit={limit}" if limit else "") + f"&round={round_to}"
    headers = {"Cache-Control": "public, max-age=86400"}
    return RedirectResponse(f"{request.url.path}?{query}", status_code=302, headers=headers)


POLL_BATCH = 20  # events read from the log at a time: a big post can be 200 KB


async def _poll_messages(
    state: Any, blog: Blog, since: int, limit: int
) -> tuple[list[memoryview], int]:
    """Up to `limit` events' messages after `since`, stopping once they pass the poll's byte
    budget (always at least one: the client polls again from `last_seq`)."""
    budget: int = state.settings.poll_max_bytes
    messages: list[memoryview] = []
    size, last_seq = 0, since
    while len(messages) < limit:
        want = min(POLL_BATCH, limit - len(messages))
        events = await run_in_threadpool(state.service.events_since, blog.id, last_seq, want)
        # Each event's message is made once per process (off the event loop) and shared
        # with stream readers.
        frames = await state.fanout.frames(events, blog)
        for event, frame in zip(events, frames, strict=True):
            message = frame.message
            if messages and size + len(message) > budget:
                return messages, last_seq
            messages.append(message)
            size += len(message) + 1
            last_seq = event.seq
        if len(events) < want:
            break
    return messages, last_seq


class StreamHead(Response):
    """What HEAD on a stream gets: the headers a GET would, and no body (nor a length)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sink = AsgiSink(send)
        await sink.start(STREAM_HEADERS)
        await sink.end()


def _nothing() -> None:
    return None


class EventStream(Response):
    """A response that writes a blog's events as they come, until either side leaves."""

    media_type = "text/event-stream"

    def __init__(
        self,
        fanout: FanOut,
        blog: Blog,
        since: int | None,
        retry_ms: int,
        address: str | None = None,
        heartbeat: Frame = HEARTBEAT,
    ) -> None:
        self.background, self.raw_headers = None, []  # not Response.__init__'s body, headers
        self.heartbeat = heartbeat
        self.fanout = fanout
        self.blog = blog
        self.since = since
        self.retry_ms = retry_ms
        self.address = address

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sink = open_sink(send)
        # Join before replaying, so nothing published during the replay can slip between.
        self.reader, self.channel = self.fanout.join(
            self.blog, self.since, self.address, self.heartbeat
        )
        pump = asyncio.create_task(self._pump(sink))
        self.reader.on_overflow = pump.cancel
        watching = asyncio.create_task(self._watch(receive, pump))
        watcher: asyncio.Task[None] | None = watching
        cancelled, failure = False, None
        try:
            await asyncio.wait({pump})
            cancelled = pump.cancelled()
            failure = None if cancelled else pump.exception()
            if self.reader.sink is not None and not cancelled:
                # Direct: the channel writes to the socket; wait here until it closes, with
                # no task of this stream's own left (a stream lives for hours: every object
                # it keeps is walked by every full garbage collection).
                watching.cancel()
                self.reader.on_overflow = _nothing
                del pump, watching
                watcher = None
                while (await receive())["type"] != "http.disconnect":
                    pass
        finally:
            if watcher is not None:
                watcher.cancel()
            self.fanout.leave(self.channel, self.reader)
        if self.reader.overflowed:
            self.fanout.observer.dropped()
            log.info("dropped a reader of blog %s that fell behind", self.channel.blog_id)
        elif failure is not None:
            # The reader's browser reconnects and replays; the cause must not vanish.
            log.error("a stream of blog %s failed", self.channel.blog_id, exc_info=failure)
        elif not cancelled:
            await sink.end()

    async def _watch(self, receive: Receive, pump: asyncio.Task[None]) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        pump.cancel()

    async def _pump(self, sink: AsgiSink) -> None:
        await sink.start(STREAM_HEADERS)
        await sink.write(f"retry: {self.retry_ms}\n\n".encode())
        await self._replay(sink)
        reader = self.reader
        socket = sink.socket()
        while not reader.closed:
            if not reader.frames:
                if socket is not None and self.channel.go_direct(reader, socket):
                    return  # caught up: the channel writes to the socket itself from here on
                await reader.wait()
                continue
            parts = []
            while reader.frames:
                frame = reader.frames.popleft()
                if frame.seq == 0:  # heartbeat
                    parts.append(frame.data)
                    continue
                if frame.seq <= reader.sent:
                    continue
                if frame.seq > reader.sent + 1:  # missed between our replay and the live feed
                    parts.extend(f.data for f in await self._backfill(until=frame.seq))
                parts.append(frame.data)
                reader.sent = frame.seq
            if parts:
                await sink.write(b"".join(parts))

    async def _replay(self, sink: AsgiSink) -> None:
        while True:
            frames = await self._backfill(until=None)
            # In writes of a bounded size: a replay of 500 big posts is no 200 MB buffer.
            group: list[memoryview] = []
            size = 0
            for frame in frames:
                group.append(frame.data)
                size += len(frame.data)
                if size >= REPLAY_WRITE_BYTES:
                    await sink.write(b"".join(group))
                    group, size = [], 0
            if group:
                await sink.write(b"".join(group))
            if len(frames) < REPLAY_BATCH:
                return

    async def _backfill(self, until: int | None) -> list[Frame]:
        reader = self.reader
        events = await self.channel.load(self.channel.blog_id, reader.sent)
        wanted = [e for e in events if until is None or e.seq < until]  # the log is in order
        frames = await self.fanout.frames(wanted, self.channel.blog)
        if frames:
            reader.sent = wanted[-1].seq
        return frames
