"""Scheduled posts: published by the server when their time comes, each blog on its own."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from liveline.model import EventType, PostStatus
from liveline.service import history
from liveline.service.unit import Tx, UnitOfWork

log = logging.getLogger(__name__)


class Scheduling:
    def __init__(self, unit: UnitOfWork) -> None:
        self._unit = unit

    async def publish_due(self) -> int:
        """Publish scheduled posts whose time has come; returns how many."""
        now = self._unit.clock()
        blog_ids = await asyncio.to_thread(
            self._unit.read, lambda conn: self._unit.store.blogs_with_due_posts(conn, now)
        )
        published = 0
        for blog_id in blog_ids:  # one transaction a blog: the blog's lock, then its posts
            published += await self._unit.write(partial(_publish, blog_id=blog_id))
        return published

    async def run(self, every: float = 1.0) -> None:
        """Publish due posts every `every` seconds until cancelled."""
        while True:
            try:
                await self.publish_due()
            except Exception:  # the database may be briefly away; try again next tick
                log.exception("publishing scheduled posts failed")
            await asyncio.sleep(every)


def _publish(tx: Tx, *, blog_id: int) -> int:
    tx.lock_blog(blog_id)
    published = 0
    for post in tx.store.due_posts(tx.conn, blog_id, tx.now):
        values = {"status": PostStatus.PUBLISHED, "published_at": post.publish_at}
        after = tx.store.update_post(tx.conn, post, {**values, "updated_at": tx.now})
        if after is not None:
            history.record(tx, after, None)  # published by the server, as scheduled
            tx.record_post(after, EventType.POST_PUBLISHED)
            published += 1
    return published
