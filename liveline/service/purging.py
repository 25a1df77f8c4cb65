"""Purges, from the log: every change's surrogate keys are purged from the CDN, until it says so.

Reads carry surrogate keys (`blog-{id}`, and `post-{id}` for each post shown). A purger in
each process follows the event log past a cursor kept in the database, sends the keys each
event affects to the CDN, and moves the cursor only once the CDN has acknowledged. A restart
resumes at the cursor, and a crash between a change's commit and its purge loses nothing:
the change is in the log, and the log is where purges come from. Two processes purging the
same events do no harm: a purge is idempotent, and a cursor never moves back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Connection

from liveline.model import Event
from liveline.service.unit import UnitOfWork

log = logging.getLogger(__name__)

# Sends keys to the CDN; returns once it acknowledged them, raises if it did not.
Send = Callable[[list[str]], Awaitable[None]]
EVENTS_A_PURGE = 500
MAX_BACKOFF_SECONDS = 30.0


def blog_key(blog_id: int) -> str:
    return f"blog-{blog_id}"


def post_key(post_id: int) -> str:
    return f"post-{post_id}"


def surrogate_keys(blog_id: int, post_ids: Iterable[int] = ()) -> list[str]:
    """The keys of a read: its blog's, then each post's it shows, once each, in order."""
    return [blog_key(blog_id), *dict.fromkeys(post_key(p) for p in post_ids)]


def keys_of(events: Iterable[Event]) -> list[str]:
    """The keys a run of one blog's events affects. Every change moves the blog (its pages,
    feeds and polls show its seq, count and time), and a post event its post's reads too."""
    keys: dict[str, None] = {}
    for event in events:
        keys[blog_key(event.blog_id)] = None
        if event.post_id is not None:
            keys[post_key(event.post_id)] = None
    return list(keys)


@dataclass(frozen=True)
class Batch:
    """One blog's events not yet purged: purge `keys`, then the cursor moves to `through`."""

    blog_id: int
    through: int
    keys: list[str]


class Purging:
    def __init__(self, unit: UnitOfWork) -> None:
        self._unit = unit
        self._doorbell: asyncio.Event | None = None
        unit.after_commit.append(self.ring)

    def ring(self) -> None:
        """A write of this process committed: purge now rather than at the next tick."""
        if self._doorbell is not None:
            self._doorbell.set()

    def pending(self) -> list[Batch]:
        """What the log holds past the purge cursors, a batch a blog (a worker thread's)."""

        def read(conn: Connection) -> list[Batch]:
            store = self._unit.store
            batches = []
            for blog_id, purged in store.purges.behind(conn):
                events = store.events_since(conn, blog_id, purged, EVENTS_A_PURGE)
                if events:
                    batches.append(Batch(blog_id, events[-1].seq, keys_of(events)))
            return batches

        return self._unit.read(read)

    def acknowledge(self, batch: Batch) -> None:
        self._unit.write_quietly(
            lambda tx: tx.store.purges.advance(tx.conn, batch.blog_id, batch.through)
        )

    async def purge_pending(self, send: Send) -> int:
        """Purge all the log holds past the cursors; returns how many batches were sent."""
        sent = 0
        while batches := await asyncio.to_thread(self.pending):
            for batch in batches:
                await send(batch.keys)
                await asyncio.to_thread(self.acknowledge, batch)
                sent += 1
        return sent

    async def run(self, send: Send, every: float = 1.0) -> None:
        """Follow the log until cancelled: at every commit of this process, and every
        `every` seconds for the other processes' commits; on failure, back off and retry."""
        self._doorbell = doorbell = asyncio.Event()
        failures = 0
        while True:
            doorbell.clear()
            try:
                await self.purge_pending(send)
                failures = 0
            except Exception as exc:  # the CDN or the database is away: the log keeps it
                failures += 1
                delay = min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** min(failures, 10))
                log.warning("purging failed (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(doorbell.wait(), timeout=every)
