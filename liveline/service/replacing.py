"""Storing a whole blog at once — from a text import or an archive — new, or in place of
the posts of a blog that has the slug already.

One transaction: a failed import leaves the store exactly as it was. A replaced blog's old
posts are soft-deleted, drafts and scheduled ones too: nothing is destroyed, and nothing of
the old text can surface in the new one later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError

from liveline.errors import N_, Conflict
from liveline.model import Blog, EventType, PostStatus
from liveline.service.unit import Tx, UnitOfWork
from liveline.store.summaries import SummaryRows, SummaryVersion

# Given whether the blog existed, the times the blog keeps once its posts are in.
BlogTimes = Callable[[bool], Mapping[str, Any]]


@dataclass(frozen=True)
class WholeBlog:
    slug: str
    blog: Mapping[str, Any]  # the blog's columns: title, authors, organization, timezone…
    posts: Sequence[Mapping[str, Any]]  # each post's columns, in the order to store them
    times: BlogTimes
    # An archive's summary versions, oldest first, in place of the blog's; None: left alone.
    summary_versions: Sequence[SummaryVersion] | None = None
    # Columns a new blog takes where `blog` has none (a replaced one keeps its own).
    defaults: Mapping[str, Any] = field(default_factory=dict)


async def store_whole_blog(unit: UnitOfWork, whole: WholeBlog, *, replace: bool) -> Blog:
    try:
        return await unit.write(lambda tx: _store(tx, whole, replace))
    except IntegrityError:  # another import took the slug between our look and our insert
        raise _taken(whole.slug) from None


def _store(tx: Tx, whole: WholeBlog, replace: bool) -> Blog:
    existing = tx.lock_blog_by_slug(whole.slug)
    if existing is not None and not replace:
        raise _taken(whole.slug)
    if existing is not None:
        blog = tx.store.update_blog(tx.conn, existing.id, whole.blog)
        for post in tx.store.undeleted_posts(tx.conn, blog.id):
            gone = tx.store.update_post(
                tx.conn, post, {"status": PostStatus.DELETED, "updated_at": tx.now}
            )
            if gone is not None and post.is_visible:
                tx.record_post(gone, EventType.POST_DELETED)
    else:
        blog = tx.store.insert_blog(
            tx.conn, {"slug": whole.slug, **whole.defaults, **whole.blog}, tx.now
        )
        tx.created_blog(blog)
    for row in whole.posts:
        post = tx.store.insert_post(tx.conn, blog.id, row)
        if post.is_visible:  # readers and the log learn of it, as of a fresh publish
            tx.record_post(post, EventType.POST_PUBLISHED)
    if whole.summary_versions is not None:
        SummaryRows().replace_all(tx.conn, blog.id, whole.summary_versions)
    tx.recount(blog.id)
    return tx.store.update_blog(tx.conn, blog.id, whole.times(existing is not None))


def _taken(slug: str) -> Conflict:
    return Conflict(
        N_("a live blog %(slug)r exists; pass --replace to replace its posts"), slug=slug
    )
