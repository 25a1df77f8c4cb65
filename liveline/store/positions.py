"""Where a post sits among a blog's pages, and the blog's key events: the reads behind links
that land on their post and the key-events box."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from liveline.model import Post, PostStatus
from liveline.store.queries import _post, encode_cursor
from liveline.store.tables import posts


def _listed(blog_id: int, key_only: bool) -> Any:
    """The posts a page lists below the pinned ones (as `Store.page_of_posts` lists them)."""
    where = and_(
        posts.c.blog_id == blog_id, posts.c.status == PostStatus.PUBLISHED, ~posts.c.pinned
    )
    return and_(where, posts.c.key_event) if key_only else where


def cursor_of_page_holding(
    conn: Connection, post: Post, *, newest_first: bool, key_only: bool, limit: int
) -> str | None:
    """The cursor of the page that lists `post`, None for the first page (pinned posts are
    always there). Pages are cut every `limit` posts in the page order, so the post's page
    starts after the last post of the page before: counted, not walked page by page."""
    if post.pinned or post.published_at is None:
        return None
    listed = _listed(post.blog_id, key_only)
    at, post_id = post.published_at, post.id
    if newest_first:
        ahead = or_(
            posts.c.published_at > at, and_(posts.c.published_at == at, posts.c.id > post_id)
        )
        order = (posts.c.published_at.desc(), posts.c.id.desc())
    else:
        ahead = or_(
            posts.c.published_at < at, and_(posts.c.published_at == at, posts.c.id < post_id)
        )
        order = (posts.c.published_at.asc(), posts.c.id.asc())
    before = conn.execute(select(func.count()).where(listed, ahead)).scalar_one()
    start = (before // limit) * limit
    if start == 0:
        return None
    query = select(posts).where(listed).order_by(*order).offset(start - 1).limit(1)
    row = conn.execute(query).mappings().one()
    return encode_cursor(_post(row))


def key_posts(conn: Connection, blog_id: int, limit: int) -> list[Post]:
    """The blog's published key events, newest first (pinned ones too: the box lists all)."""
    query = (
        select(posts)
        .where(
            posts.c.blog_id == blog_id,
            posts.c.status == PostStatus.PUBLISHED,
            posts.c.key_event,
        )
        .order_by(posts.c.published_at.desc(), posts.c.id.desc())
        .limit(limit)
    )
    return [_post(row) for row in conn.execute(query).mappings()]
