"""A post's history: every version with who saved it and when, recorded in the same
transaction as the change; an earlier version can be restored, as a new version."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from liveline.errors import N_, NotFound
from liveline.model import Blog, Post, User
from liveline.service.unit import Tx, UnitOfWork
from liveline.store.history import HistoryRows, Version
from liveline.values import PostPatch

if TYPE_CHECKING:  # posts.py records history through this module: no import cycle at run time
    from liveline.service.posts import Posts

ROWS = HistoryRows()
# What restoring a version brings back: the words and how they are shown. Its status, pin
# and times stay as they are now (restoring text never unpublishes or reschedules a post).
RESTORED = ("headline", "body", "authors", "location", "contributors", "images", "label",
            "key_event")  # fmt: skip


def record(tx: Tx, post: Post, user_id: int | None) -> None:
    """Called by every write path that saves a post, with who saved it (None: the server)."""
    ROWS.record(tx.conn, post, user_id, tx.now)
    tx.post_saved(post)  # and the console hears of it, after commit


class History:
    def __init__(self, unit: UnitOfWork, posts: Posts) -> None:
        self._unit = unit
        self._posts = posts

    def versions(self, blog: Blog, post_id: int) -> list[Version]:
        self._posts.get(blog, post_id)  # 404 for a post of another blog
        return self._unit.read(lambda conn: ROWS.versions(conn, post_id))

    async def restore(
        self, user: User, blog: Blog, post_id: int, current: int | None, version: int
    ) -> Post:
        """Save version `version`'s text again, on top of `current` (the version the desk
        saw, checked as any edit is), as a new version with its event."""
        found = [v for v in self.versions(blog, post_id) if v.version == version]
        if not found:
            raise NotFound(
                N_("post %(id)s has no recorded version %(version)s"), id=post_id, version=version
            )
        snapshot: dict[str, Any] = found[0].snapshot
        patch = PostPatch.model_validate({name: snapshot.get(name) for name in RESTORED})
        return await self._posts.update(user, blog, post_id, current, patch)
