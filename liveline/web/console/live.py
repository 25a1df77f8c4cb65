"""The console's own live stream: GET /edit/{slug}/events, for the signed-in person only.

The reader's stream (web/stream.py) carries the public log and nothing else. The desk also
needs what readers must never see: drafts, the schedule, the queue, deleted posts. Those come
from the broker's desk channel (a `DeskNotice` per saved post, announced after commit, with
no words in it); for each, this stream reads the post as it is now and tells this person of
it only if their desk would show it (`rules.may_see`):

- `hello` on every (re)connect: the console fetches its lists again, so nothing said while
  it was away is missed (the desk channel is a doorbell, not a log);
- `post`: a post this person may see was saved (its desk row, as JSON);
- `gone`: a post they saw, or readers saw, is no longer theirs to see (its id alone);
- `public`: an event of the public log (seq, type and post id);
- `signed-out`: the session has ended (checked at each heartbeat); the stream ends.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from liveline.errors import N_, NotFound, Unauthorized, Unavailable
from liveline.model import Blog, DeskNotice, Event, Post, User
from liveline.service import Service, Session, rules
from liveline.service.review import Tab
from liveline.web import session as browser
from liveline.web.console.desk import blog_of
from liveline.web.console.pages import post_row, service

router = APIRouter()
QUEUE_SIZE = 1000  # a console this far behind is ended; it reconnects and fetches afresh
ROW_FIELDS = ("id", "version", "status", "headline", "byline", "time_text", "may_change",
              "pinned", "key_event")  # fmt: skip


class DeskStreams:
    """The console streams open in this process, so that shutdown can end them."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[Any]] = set()
        self.closing = False

    def add(self, queue: asyncio.Queue[Any]) -> None:
        self._queues.add(queue)

    def discard(self, queue: asyncio.Queue[Any]) -> None:
        self._queues.discard(queue)

    def close(self) -> None:
        self.closing = True
        for queue in self._queues:
            _offer(queue, None)


def _offer(queue: asyncio.Queue[Any], item: Any) -> None:
    try:
        queue.put_nowait(item)
    except asyncio.QueueFull:  # too far behind: end it (None is taken as "stop")
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(None)


async def stream_session(request: Request) -> Session:
    """The signed-in person; a stream is no page, so no redirect: 401 without a session."""
    browser.secret_key(request)
    session = await browser.current_session(request)
    if session is None:
        raise Unauthorized(N_("sign in to the console first"))
    return session


@router.get("/edit/{slug}/events")
async def desk_events(
    request: Request,
    session: Session = Depends(stream_session),
    blog: Blog = Depends(blog_of),
) -> StreamingResponse:
    app = request.app.state
    streams: DeskStreams = app.desk_streams
    if streams.closing:
        raise Unavailable(N_("this server is shutting down; reconnect in a moment"))
    token = browser.unsign(app.settings.secret_key, request.cookies.get(browser.COOKIE, ""))

    async def still_signed_in() -> bool:
        found = await run_in_threadpool(service(request).sessions.session, token or "")
        return found is not None and found.id == session.id

    body = _events(service(request), streams, session.user, blog, still_signed_in, app.settings)
    headers = {"Cache-Control": "no-store, no-transform", "X-Accel-Buffering": "no"}
    return StreamingResponse(body, media_type="text/event-stream", headers=headers)


async def _events(
    svc: Service,
    streams: DeskStreams,
    user: User,
    blog: Blog,
    still_signed_in: Callable[[], Awaitable[bool]],
    settings: Any,
) -> AsyncIterator[str]:
    queue: asyncio.Queue[Event | DeskNotice | None] = asyncio.Queue(QUEUE_SIZE)
    streams.add(queue)
    unsubscribe = svc.broker.subscribe(blog.id, lambda event: _offer(queue, event))
    unlisten = svc.broker.listen(blog.id, lambda notice: _offer(queue, notice))
    try:
        # Joined first, then the lists are read: nothing saved in between is missed.
        seen = await run_in_threadpool(_visible_ids, svc, user, blog)
        yield f"retry: {settings.stream_retry_ms}\n\n"
        yield _message("hello", {"blog": blog.slug, "role": str(user.role)})
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), settings.stream_heartbeat_seconds)
            except TimeoutError:
                if not await still_signed_in():
                    yield _message("signed-out", {})
                    return
                yield ":\n\n"
                continue
            if item is None:
                return
            if isinstance(item, Event):
                yield _message("public", {"seq": item.seq, "type": str(item.type),
                                          "post_id": item.post_id})  # fmt: skip
                continue
            message = await _told(svc, user, blog, item, seen)
            if message:
                yield message
    finally:
        unsubscribe()
        unlisten()
        streams.discard(queue)


def _visible_ids(svc: Service, user: User, blog: Blog) -> set[int]:
    """The posts this person's private tabs show now: their leaving is news to them."""
    tabs: list[Tab] = ["drafts", "scheduled", "queue"]
    if user.role.edits_anything:
        tabs.append("deleted")
    return {post.id for tab in tabs for post in svc.review.tab(user, blog, tab)}


async def _told(
    svc: Service, user: User, blog: Blog, notice: DeskNotice, seen: set[int]
) -> str | None:
    """What this person hears of a saved post: its row, that it left, or nothing at all."""
    post: Post | None
    try:
        post = await run_in_threadpool(svc.posts.get, blog, notice.post_id)
    except NotFound:
        post = None
    if post is not None and rules.may_see(user, post):
        seen.add(post.id)
        row = post_row(post, blog, user)
        return _message("post", {name: row[name] for name in ROW_FIELDS})
    if notice.public or notice.post_id in seen:
        seen.discard(notice.post_id)
        return _message("gone", {"id": notice.post_id})
    return None


def _message(kind: str, data: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
