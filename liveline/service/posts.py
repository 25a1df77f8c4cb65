"""Posts: publishing, editing and deleting them, and reading them a page at a time."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy.exc import IntegrityError

from liveline.errors import N_, Conflict, Invalid, NotFound
from liveline.model import Blog, EventType, Post, PostStatus, User
from liveline.service import history, rules
from liveline.service.media import Media
from liveline.service.unit import Tx, UnitOfWork
from liveline.store import positions
from liveline.store.queries import InvalidCursor
from liveline.values import PostIn, PostPatch


class Page(NamedTuple):
    pinned: list[Post]  # the first page only
    posts: list[Post]
    next_cursor: str | None


class Posts:
    def __init__(self, unit: UnitOfWork, media: Media | None = None) -> None:
        self._unit = unit
        self._media = media

    def _with_media(self, tx: Tx, values: dict[str, Any]) -> dict[str, Any]:
        """Uploaded images named by id, filled in from their uploads (refused if unknown)."""
        return values if self._media is None else self._media.resolve(tx, values)

    # Reads

    def page(
        self,
        blog: Blog,
        *,
        newest_first: bool = True,
        cursor: str | None = None,
        limit: int = 20,
        key_only: bool = False,
    ) -> Page:
        def read(conn: Any) -> Page:
            return Page(
                *self._unit.store.page_of_posts(
                    conn,
                    blog.id,
                    newest_first=newest_first,
                    cursor=cursor,
                    limit=limit,
                    key_only=key_only,
                )
            )

        try:
            return self._unit.read(read)
        except InvalidCursor as exc:
            raise Invalid(str(exc), field="cursor") from None

    def get(self, blog: Blog, post_id: int) -> Post:
        post = self._unit.read(lambda conn: self._unit.store.find_post(conn, blog.id, post_id))
        if post is None:
            raise NotFound(rules.NO_POST, id=post_id, slug=blog.slug)
        return post

    def published(self, blog: Blog, post_id: int) -> Post:
        post = self.get(blog, post_id)
        if not post.is_visible:
            raise NotFound(rules.NO_POST, id=post_id, slug=blog.slug)
        return post

    def cursor_holding(
        self, blog: Blog, post_id: int, *, newest_first: bool, key_only: bool, limit: int
    ) -> str | None:
        """The cursor of the page that lists this published post (None: the first page)."""
        post = self.published(blog, post_id)
        return self._unit.read(
            lambda conn: positions.cursor_of_page_holding(
                conn, post, newest_first=newest_first, key_only=key_only, limit=limit
            )
        )

    def key_events(self, blog: Blog, limit: int = 50) -> list[Post]:
        return self._unit.read(lambda conn: positions.key_posts(conn, blog.id, limit))

    def everything(self, blog: Blog) -> list[Post]:
        return self._unit.read(lambda conn: self._unit.store.all_posts(conn, blog.id))

    # Writes

    async def create(
        self, user: User, blog: Blog, post_in: PostIn, client_key: str | None = None
    ) -> tuple[Post, bool]:
        """Publish (or save a draft, or schedule). With a key this writer used before, find
        that post instead: a reporter whose connection dropped can send again without
        publishing twice. True if the post is new."""
        values = post_in.model_dump()
        rules.check_role(user, values, creating=True)

        def create(tx: Tx) -> tuple[Post, bool]:
            tx.lock_open_blog(blog.id)
            rules.check_times(values, None, tx.now)
            resolved = self._with_media(tx, values)
            if client_key is not None:
                earlier = tx.store.post_by_client_key(tx.conn, user.id, client_key)
                if earlier is not None:
                    if (earlier.blog_id, earlier.headline, earlier.body) != (
                        blog.id, values["headline"], values["body"]
                    ):  # fmt: skip
                        raise Conflict(
                            N_(
                                "the Idempotency-Key %(key)r was used for another post; "
                                "send a new key for a new post"
                            ),
                            key=client_key,
                        )
                    return earlier, False
            row = {
                **resolved,
                "created_at": tx.now,
                "updated_at": tx.now,
                "author_user_id": user.id,
                "client_key": client_key,
            }
            if row["status"] == PostStatus.PUBLISHED and row["published_at"] is None:
                row["published_at"] = tx.now
            post = tx.store.insert_post(tx.conn, blog.id, row)
            history.record(tx, post, user.id)
            if post.is_visible:
                tx.record_post(post, EventType.POST_PUBLISHED)
            return post, True

        try:
            return await self._unit.write(create)
        except IntegrityError:  # the same key on another blog at once: the other one won
            return await self._unit.write(create)

    async def update(
        self, user: User, blog: Blog, post_id: int, version: int | None, patch: PostPatch
    ) -> Post:
        values = patch.given()
        rules.check_role(user, values, creating=False)
        return await self._change(user, blog, post_id, version, values)

    async def delete(self, user: User, blog: Blog, post_id: int, version: int | None) -> Post:
        return await self._change(user, blog, post_id, version, {"status": PostStatus.DELETED})

    async def _change(
        self, user: User, blog: Blog, post_id: int, version: int | None, values: dict[str, Any]
    ) -> Post:
        expected = rules.require_version(version)  # 428 before any database work

        def change(tx: Tx) -> Post:
            tx.lock_open_blog(blog.id)
            found = tx.store.find_post(tx.conn, blog.id, post_id)
            before = rules.check_changeable(found, post_id, blog.slug)
            rules.check_owner(user, before)
            rules.check_version(before, expected)
            rules.check_times(values, before, tx.now)
            row = {**self._with_media(tx, values), "updated_at": tx.now}
            if row.get("status") == PostStatus.PUBLISHED and before.published_at is None:
                row.setdefault("published_at", tx.now)
            after = tx.store.update_post(tx.conn, before, row)
            if after is None:  # cannot happen under the blog's lock; kept as a guard
                raise Conflict(
                    N_("post %(id)s changed while saving; reload and edit again"), id=post_id
                )
            history.record(tx, after, user.id)
            kind = rules.event_type(before, after)
            if kind is not None:
                tx.record_post(after, kind)
            return after

        return await self._unit.write(change)
