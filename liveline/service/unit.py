"""The one way to write: a change and its events in one transaction, announced after commit.

Every write path in the service is a function of a `Tx`, run by `UnitOfWork.write`:

- in a worker thread, so the event loop never waits on the database;
- in one transaction, so the change and its log entries land together or not at all;
- with the blog's row locked first (`Tx.lock_blog`), the one lock order every writer keeps;
- and only once the transaction has committed are its events handed to the broker, and
  the console told which posts changed (a `DeskNotice` each, on the broker's desk channel,
  never in the public log: drafts and the queue are the console's business alone).

A write path cannot announce early or forget to: it never sees the broker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from anyio import to_thread
from sqlalchemy import Connection

from liveline.broker import Broker
from liveline.errors import N_, Conflict, NotFound
from liveline.model import Blog, DeskNotice, Event, EventType, Post
from liveline.service import events as public
from liveline.store.queries import Store

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Tx:
    """One write transaction: the connection, the time of the change, and what to announce."""

    store: Store
    conn: Connection
    now: datetime
    events: list[Event] = field(default_factory=list)
    changed: dict[int, Post] = field(default_factory=dict)  # post id → as saved, for the desk
    _locked: set[int] = field(default_factory=set)

    def lock_blog(self, blog_id: int) -> Blog:
        """The blog, locked for the rest of the transaction. Take it before touching any of
        its posts: every writer locks in this order, so none can deadlock another."""
        blog = self.store.lock_blog(self.conn, blog_id)
        if blog is None:
            raise NotFound(N_("that live blog no longer exists"))
        self._locked.add(blog.id)
        return blog

    def lock_blog_by_slug(self, slug: str) -> Blog | None:
        blog = self.store.lock_blog_by_slug(self.conn, slug)
        if blog is not None:
            self._locked.add(blog.id)
        return blog

    def lock_open_blog(self, blog_id: int) -> Blog:
        blog = self.lock_blog(blog_id)
        if not blog.is_open:
            raise Conflict(N_("the live blog %(slug)r is closed"), slug=blog.slug)
        return blog

    def created_blog(self, blog: Blog) -> None:
        """A blog made in this transaction is ours already: no one else can see it."""
        self._locked.add(blog.id)

    def post_saved(self, post: Post) -> None:
        """A post was saved (any state): the console hears of it after commit."""
        self.changed[post.id] = post

    def notices(self) -> list[DeskNotice]:
        told = {event.post_id for event in self.events}
        return [
            DeskNotice(p.blog_id, p.id, p.status, p.author_user_id, p.version, p.id in told)
            for p in self.changed.values()
        ]

    def record_post(self, post: Post, event_type: EventType) -> Event:
        """Log a change readers can see, with the post as readers may now see it."""
        count = self.store.recount(self.conn, post.blog_id)
        payload = public.post_payload(post, count, self.now)
        event = self._append(post.blog_id, event_type, post.id, payload)
        if event_type is not EventType.POST_PUBLISHED or post.version > 1:
            self._rewrite_history(post, payload["post"], event.seq)
        return event

    def _rewrite_history(self, post: Post, current: dict[str, Any], by_seq: int) -> None:
        """What a correction or a deletion took back leaves the public log too."""
        for earlier in self.store.events_of_post(self.conn, post.blog_id, post.id):
            if earlier.seq < by_seq:
                payload = public.rewritten(earlier.payload, current, by_seq)
                self.store.rewrite_payload(self.conn, post.blog_id, earlier.seq, payload)

    def record_blog(self, blog: Blog, event_type: EventType) -> Event:
        return self._append(blog.id, event_type, None, public.blog_payload(blog, self.now))

    def recount(self, blog_id: int) -> int:
        """Keep the blog's post count for a change that readers are not told of."""
        return self.store.recount(self.conn, blog_id)

    def _append(
        self, blog_id: int, event_type: EventType, post_id: int | None, payload: dict[str, Any]
    ) -> Event:
        if blog_id not in self._locked:
            # The seq bump locks the blog row: doing it after a post row is the deadlock.
            raise RuntimeError("a write must lock its blog (Tx.lock_blog) before logging")
        event = self.store.append_event(self.conn, blog_id, event_type, post_id, payload, self.now)
        self.events.append(event)
        return event


class UnitOfWork:
    def __init__(
        self, store: Store, broker: Broker, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.store = store
        self.broker = broker
        self.clock = clock
        # Told after each write whose events were announced (the purger's doorbell).
        self.after_commit: list[Callable[[], None]] = []
        # Told the events themselves, on the event loop (embeds: a published post's URLs).
        self.after_events: list[Callable[[list[Event]], None]] = []

    async def write(self, change: Callable[[Tx], T]) -> T:
        """Run `change` in one transaction in a worker thread, then announce its events."""
        result, tx = await to_thread.run_sync(self._run, change)
        for event in tx.events:
            await self.broker.publish(event)
        if tx.events:
            for listener in self.after_commit:
                listener()
            for watcher in self.after_events:
                watcher(tx.events)
        for notice in tx.notices():
            await self.broker.notify(notice)
        return result

    def write_quietly(self, change: Callable[[Tx], T]) -> T:
        """A write readers are never told of (accounts and tokens), for callers with no
        event loop (the command line). It may not log an event: those need `write`."""
        result, tx = self._run(change)
        if tx.events or tx.changed:
            raise RuntimeError("a quiet write logged events; use UnitOfWork.write")
        return result

    def _run(self, change: Callable[[Tx], T]) -> tuple[T, Tx]:
        with self.store.transaction() as conn:
            tx = Tx(self.store, conn, self.clock())
            result = change(tx)
        return result, tx

    def read(self, query: Callable[[Connection], T]) -> T:
        """A read, in one snapshot; call it from a worker thread or the command line."""
        with self.store.reading() as conn:
            return query(conn)
