"""Following the log: hand every event, in seq order, to a far side until it acknowledges.

The CDN purger (purging.py) and the GRIP publisher (web/grip.py) are both followers. Each
keeps a cursor a blog in the database (`log_cursors`) and moves it only once its handler
returned, so a restart resumes at the cursor and a crash between a change's commit and its
hand-over loses nothing: the change is in the log, and the log is where followers read.

With several processes (workers, servers) one of them follows, not each: a follower runs
only while it holds its duty's lease (store/leases.py), confirmed before every batch.
The others ask for the lease every LEASE_RETRY_SECONDS, so when the holder dies one of
them takes over within about that long and resumes at the cursor: nothing is skipped. The
holder looks at the log every `every` seconds for the other processes' commits (its own
ring at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable

from sqlalchemy import Connection

from liveline.model import Blog, Event
from liveline.service.unit import UnitOfWork
from liveline.store.leases import Lease

log = logging.getLogger(__name__)

# Hands one blog's events (in seq order, no gaps) to the far side; returns once it
# acknowledged them, raises if it did not.
Handle = Callable[[Blog, list[Event]], Awaitable[None]]
EVENTS_A_BATCH = 500
MAX_BACKOFF_SECONDS = 30.0
LEASE_RETRY_SECONDS = 1.0


class LogFollower:
    def __init__(self, unit: UnitOfWork, name: str) -> None:
        self._unit = unit
        self.name = name
        self._doorbell: asyncio.Event | None = None
        self.lease = Lease(unit.store.engine, f"follow-{name}")
        unit.after_commit.append(self.ring)

    def ring(self) -> None:
        """A write of this process committed: follow now rather than at the next tick."""
        if self._doorbell is not None:
            self._doorbell.set()

    def pending(self) -> list[tuple[Blog, list[Event]]]:
        """What the log holds past the cursors, one batch a blog (a worker thread's)."""

        def read(conn: Connection) -> list[tuple[Blog, list[Event]]]:
            store = self._unit.store
            batches = []
            for blog_id, done in store.cursors.behind(conn, self.name):
                events = store.events_since(conn, blog_id, done, EVENTS_A_BATCH)
                if events:
                    batches.append((store.blog(conn, blog_id), events))
            return batches

        return self._unit.read(read)

    def acknowledge(self, blog_id: int, seq: int) -> None:
        self._unit.write_quietly(
            lambda tx: tx.store.cursors.advance(tx.conn, self.name, blog_id, seq)
        )

    async def follow_pending(self, handle: Handle) -> int:
        """Hand over all the log holds past the cursors; returns how many batches."""
        handed = 0
        while (await asyncio.to_thread(self.lease.hold)) and (
            batches := await asyncio.to_thread(self.pending)
        ):
            for blog, events in batches:
                await handle(blog, events)
                await asyncio.to_thread(self.acknowledge, blog.id, events[-1].seq)
                handed += 1
        return handed

    async def run(self, handle: Handle, every: float = 0.25) -> None:
        """Follow the log until cancelled, while this process holds the lease: at every
        commit of this process, and every `every` seconds for the other processes' commits;
        on failure, back off and retry."""
        try:
            await self._run(handle, every)
        finally:
            await asyncio.to_thread(self.lease.release)

    async def _run(self, handle: Handle, every: float) -> None:
        self._doorbell = doorbell = asyncio.Event()
        failures = 0
        while True:
            doorbell.clear()
            if not await asyncio.to_thread(self.lease.hold):  # another process follows
                await asyncio.sleep(LEASE_RETRY_SECONDS * random.uniform(0.8, 1.2))
                continue
            try:
                await self.follow_pending(handle)
                failures = 0
            except Exception as exc:  # the far side or the database is away: the log keeps it
                failures += 1
                delay = min(MAX_BACKOFF_SECONDS, 0.25 * 2 ** min(failures, 10))
                log.warning("%s failed (%s); retrying in %.1f s", self.name, exc, delay)
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(doorbell.wait(), timeout=every)
