"""The desk's other tabs: drafts, the schedule, contributions waiting for an editor, and
deleted posts; approving or returning a contribution, and restoring a deleted post.

Every change here is a new version of the post, made under the blog's lock like any other
edit; the ones readers see (an approval, a restore) are logged as a publication.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from liveline.errors import N_, Conflict, Forbidden, NotFound, Say
from liveline.model import Blog, EventType, Post, PostStatus, User
from liveline.service import history, rules
from liveline.service.unit import Tx, UnitOfWork
from liveline.store.desk import DeskRows

Tab = Literal["drafts", "scheduled", "queue", "deleted"]
TAB_STATUS: dict[str, PostStatus] = {
    "drafts": PostStatus.DRAFT,
    "scheduled": PostStatus.SCHEDULED,
    "queue": PostStatus.SUBMITTED,
    "deleted": PostStatus.DELETED,
}
ROWS = DeskRows()


class Review:
    def __init__(self, unit: UnitOfWork) -> None:
        self._unit = unit

    # Reads

    def tab(self, user: User, blog: Blog, tab: Tab) -> list[Post]:
        """A desk tab's posts. Drafts and contributions are their author's own business
        until an editor looks; deleted posts are for editors, who may restore them."""
        if tab == "deleted" and not user.role.edits_anything:
            raise Forbidden(N_("only editors see and restore deleted posts"))
        mine = None if user.role.edits_anything or tab == "scheduled" else user.id
        return self._unit.read(
            lambda conn: ROWS.posts_in(conn, blog.id, TAB_STATUS[tab], author_user_id=mine)
        )

    def notes(self, posts: list[Post]) -> dict[int, str]:
        """The latest editor's note on each returned contribution."""
        ids = [post.id for post in posts]
        return self._unit.read(lambda conn: ROWS.latest_notes(conn, ids))

    # Writes

    async def approve(self, user: User, blog: Blog, post_id: int, version: int | None) -> Post:
        """Publish a contribution waiting in the queue, now."""

        def approve(tx: Tx, before: Post) -> dict[str, Any]:
            _expect(before, PostStatus.SUBMITTED, N_("waiting for approval"))
            return {"status": PostStatus.PUBLISHED, "published_at": tx.now}

        return await self._editors_change(user, blog, post_id, version, approve)

    async def send_back(
        self, user: User, blog: Blog, post_id: int, version: int | None, note: str
    ) -> Post:
        """Return a contribution to its author as a draft, with a note saying why
        (validated at the edge as values.Note)."""

        def send_back(tx: Tx, before: Post) -> dict[str, Any]:
            _expect(before, PostStatus.SUBMITTED, N_("waiting for approval"))
            ROWS.add_note(tx.conn, before.id, user.id, note, tx.now)
            return {"status": PostStatus.DRAFT}

        return await self._editors_change(user, blog, post_id, version, send_back)

    async def restore(self, user: User, blog: Blog, post_id: int, version: int | None) -> Post:
        """Bring a deleted post back as a new version: published again if it had been
        published (readers see it return, logged as a publication), a draft if not."""

        def restore(tx: Tx, before: Post) -> dict[str, Any]:
            _expect(before, PostStatus.DELETED, N_("deleted"))
            back = PostStatus.PUBLISHED if before.published_at else PostStatus.DRAFT
            return {"status": back}

        return await self._editors_change(user, blog, post_id, version, restore)

    async def _editors_change(
        self,
        user: User,
        blog: Blog,
        post_id: int,
        version: int | None,
        values_for: Callable[[Tx, Post], dict[str, Any]],
    ) -> Post:
        if not user.role.edits_anything:
            raise Forbidden(N_("only editors approve, return and restore posts"))
        expected = rules.require_version(version)

        def change(tx: Tx) -> Post:
            tx.lock_open_blog(blog.id)
            before = tx.store.find_post(tx.conn, blog.id, post_id)
            if before is None:
                raise NotFound(rules.NO_POST, id=post_id, slug=blog.slug)
            rules.check_version(before, expected)
            values = values_for(tx, before)
            after = tx.store.update_post(tx.conn, before, {**values, "updated_at": tx.now})
            if after is None:  # cannot happen under the blog's lock; kept as a guard
                raise Conflict(
                    N_("post %(id)s changed while saving; reload and try again"), id=post_id
                )
            history.record(tx, after, user.id)
            if after.is_visible:
                tx.record_post(after, EventType.POST_PUBLISHED)
            else:
                tx.recount(blog.id)
            return after

        return await self._unit.write(change)


def _expect(post: Post, status: PostStatus, words: str) -> None:
    """`words`: what the post should be, marked N_ where it is named."""
    if post.status != status:
        raise Conflict(
            N_("post %(id)s is not %(words)s (it is %(status)s)"),
            id=post.id,
            words=Say(words),
            status=Say(str(post.status)),  # marked in web/words.py
        )
