"""Export a live blog as a lossless archive, and import one: the service side of the format.

Kept beside `service.py` rather than in it; it follows the same rules: one transaction for
the whole import (the posts and their events together), announcements only after commit.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from anyio import to_thread
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from liveline.errors import Conflict, Invalid, NotFound
from liveline.formats.archive import ArchivedBlog, ArchivedPost, to_archive
from liveline.model import SLUG, SLUG_RULE, Blog, Event, EventType, Post, PostStatus

if TYPE_CHECKING:
    from liveline.service import Service


def export_blog(service: Service, slug: str) -> dict:
    """The blog and every post of it, read in one snapshot so the two agree."""
    with service.store.reading() as conn:
        blog = service.store.blog_by_slug(conn, slug)
        if blog is None:
            raise NotFound(f"no live blog with the slug {slug!r}")
        posts = service.store.all_posts(conn, blog.id)
    return to_archive(blog, posts, exported_at=service.clock())


async def import_archive(
    service: Service, archived: ArchivedBlog, slug: str | None = None, replace: bool = False
) -> Blog:
    slug = slug or archived.slug
    if not SLUG.match(slug):
        raise Invalid(SLUG_RULE, field="slug")
    blog, events = await to_thread.run_sync(_import, service, archived, slug, replace)
    for event in events:
        await service.announce(event)
    return blog


def _import(
    service: Service, archived: ArchivedBlog, slug: str, replace: bool
) -> tuple[Blog, list[Event]]:
    store = service.store
    now = service.clock()
    meta = {
        "title": archived.title,
        "authors": list(archived.authors),
        "organization": archived.organization,
        "timezone": archived.timezone,
        "status": archived.status,
    }
    events = []
    try:
        # One transaction: a failed import leaves the store exactly as it was.
        with store.transaction() as conn:
            existing = store.blog_by_slug(conn, slug)
            if existing and not replace:
                raise Conflict(f"a live blog {slug!r} exists; pass --replace to replace its posts")
            if existing:
                blog_id = existing.id
                store.update_blog(conn, blog_id, meta)
                # As import_blog does: soft delete, drafts and scheduled posts too.
                for post in store.undeleted_posts(conn, blog_id):
                    gone = store.update_post(
                        conn, post, {"status": PostStatus.DELETED, "updated_at": now}
                    )
                    if post.is_visible:
                        events.append(service.record(conn, gone, EventType.POST_DELETED, now))
            else:
                blog_id = store.insert_blog(conn, {"slug": slug, **meta}, now)
            # In archive order (the source's id order), so ties in published_at keep their order.
            for archived_post in archived.posts:
                post = _insert_post(service, conn, blog_id, archived_post)
                if post.is_visible:  # readers and the log learn of it, as of a fresh publish
                    events.append(service.record(conn, post, EventType.POST_PUBLISHED, now))
            if existing:  # a replaced blog really did change now (as with import_blog)
                times = {"updated_at": now}
            else:  # logging moved updated_at to now; a fresh blog keeps the story's own times
                times = {"created_at": archived.created_at, "updated_at": archived.updated_at}
            store.update_blog(conn, blog_id, times)
            return store.blog_by_id(conn, blog_id), events
    except IntegrityError:  # another import took the slug between our look and our insert
        raise Conflict(
            f"a live blog {slug!r} exists; pass --replace to replace its posts"
        ) from None


def _insert_post(service: Service, conn: Connection, blog_id: int, archived: ArchivedPost) -> Post:
    values = {
        "headline": archived.headline,
        "body": archived.body,
        "authors": list(archived.authors),
        "location": archived.location,
        "contributors": list(archived.contributors),
        "images": [asdict(image) for image in archived.images],
        "status": archived.status,
        "pinned": archived.pinned,
        "key_event": archived.key_event,
        "published_at": archived.published_at,
        "publish_at": archived.publish_at,
        "created_at": archived.created_at,
        "updated_at": archived.updated_at,
        # How often a post was saved is part of it: the archived version survives the move.
        "version": archived.version,
    }
    return service.store.insert_post(conn, blog_id, values)
