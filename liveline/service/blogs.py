"""Live blogs: opening one, changing it, closing and reopening it, and reading them."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.exc import IntegrityError

from liveline.errors import N_, Conflict, Forbidden, NotFound
from liveline.model import SLUG, Blog, BlogStatus, EventType, Limit, User
from liveline.service.unit import Tx, UnitOfWork
from liveline.values import BlogIn, BlogPatch

NO_BLOG = N_("no live blog with the slug %(slug)r")


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[: Limit.SLUG].rstrip("-") or "live"


class Blogs:
    def __init__(
        self, unit: UnitOfWork, default_timezone: str, default_language: str = "en-US"
    ) -> None:
        self._unit = unit
        self.default_timezone = default_timezone
        self.default_language = default_language

    # Reads

    def get(self, slug: str) -> Blog:
        if not SLUG.fullmatch(slug):  # no blog has such a slug; the database need not look
            raise NotFound(NO_BLOG, slug=slug)
        blog = self._unit.read(lambda conn: self._unit.store.blog_by_slug(conn, slug))
        if blog is None:
            raise NotFound(NO_BLOG, slug=slug)
        return blog

    def all(self) -> list[Blog]:
        return self._unit.read(self._unit.store.list_blogs)

    # Writes

    async def create(self, user: User, blog_in: BlogIn) -> Blog:
        if not user.role.edits_anything:
            raise Forbidden(N_("only editors and admins can open a live blog"))
        values = blog_in.model_dump()
        values["slug"] = blog_in.slug or slugify(blog_in.title)
        values["timezone"] = blog_in.timezone or self.default_timezone
        values["language"] = blog_in.language or self.default_language

        def create(tx: Tx) -> Blog:
            blog = tx.store.insert_blog(tx.conn, values, tx.now)
            tx.created_blog(blog)
            return blog

        try:
            return await self._unit.write(create)
        except IntegrityError:
            raise Conflict(N_("the slug %(slug)r is taken"), slug=values["slug"]) from None

    async def update(self, user: User, blog: Blog, patch: BlogPatch) -> Blog:
        """Retitle, re-byline or move a blog to another zone; close or reopen it. Its slug is
        its readers' address, and never changes."""
        if not user.role.edits_anything:
            raise Forbidden(N_("only editors and admins can change or close a live blog"))
        values: dict[str, Any] = patch.given()
        if not values:  # nothing to change, and nothing for readers to hear of
            return blog

        def change(tx: Tx) -> Blog:
            before = tx.lock_blog(blog.id)
            after = tx.store.update_blog(tx.conn, blog.id, values)
            closing = after.status == BlogStatus.CLOSED and before.is_open
            tx.record_blog(after, EventType.BLOG_CLOSED if closing else EventType.BLOG_UPDATED)
            return tx.store.blog(tx.conn, blog.id)

        return await self._unit.write(change)
