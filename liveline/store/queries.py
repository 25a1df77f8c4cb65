"""Reads and writes of blogs, posts and the event log. Every write runs inside a caller's
transaction, and every write transaction locks its blog's row before anything else (see
`lock_blog`): one order for every writer, so two writers can wait for each other but never
deadlock."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    RowMapping,
    Select,
    and_,
    false,
    func,
    insert,
    or_,
    select,
    true,
    update,
)

from liveline.model import (
    IMAGE_WRITABLE,
    Blog,
    BlogStatus,
    Event,
    EventType,
    Image,
    Post,
    PostStatus,
    image_json,
)
from liveline.store.cursors import LogCursors
from liveline.store.db import WRITE_OPTION
from liveline.store.people import People
from liveline.store.tables import blogs, events, posts

POST_COLUMNS = tuple(item.name for item in fields(Post))
BLOG_COLUMNS = tuple(item.name for item in fields(Blog))
MAX_ROW_ID = 2**31  # no row has an id this high; SQLite would overflow on one


class InvalidCursor(ValueError):
    pass


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.people = People()
        self.cursors = LogCursors()
        self._writer = engine.execution_options(**{WRITE_OPTION: True})

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._writer.begin() as connection:
            yield connection

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    # Blogs

    def lock_blog(self, conn: Connection, blog_id: int) -> Blog | None:
        """The blog, its row locked until commit: a write transaction's first statement.
        (SQLite's writers hold the whole database from BEGIN IMMEDIATE, so there it reads.)"""
        return self._one_blog(conn, _blogs().where(blogs.c.id == blog_id), lock=True)

    def lock_blog_by_slug(self, conn: Connection, slug: str) -> Blog | None:
        return self._one_blog(conn, _blogs().where(blogs.c.slug == slug), lock=True)

    def insert_blog(self, conn: Connection, values: Mapping[str, Any], now: datetime) -> Blog:
        row = {
            "status": BlogStatus.OPEN,
            **values,
            "created_at": now,
            "updated_at": now,
            "last_seq": 0,
            "post_count": 0,
        }
        blog_id = conn.execute(insert(blogs).values(**row)).inserted_primary_key[0]  # type: ignore[index]
        return self.blog(conn, blog_id)

    def update_blog(self, conn: Connection, blog_id: int, values: Mapping[str, Any]) -> Blog:
        conn.execute(update(blogs).where(blogs.c.id == blog_id).values(**values))
        return self.blog(conn, blog_id)

    def blog(self, conn: Connection, blog_id: int) -> Blog:
        """A blog the caller knows exists (it holds its lock, or just made it)."""
        found = self._one_blog(conn, _blogs().where(blogs.c.id == blog_id))
        if found is None:
            raise LookupError(f"blog {blog_id} vanished inside its own transaction")
        return found

    def blog_by_slug(self, conn: Connection, slug: str) -> Blog | None:
        return self._one_blog(conn, _blogs().where(blogs.c.slug == slug))

    def list_blogs(self, conn: Connection) -> list[Blog]:
        query = _blogs().order_by(blogs.c.updated_at.desc())
        return [_blog(row) for row in conn.execute(query).mappings()]

    def _one_blog(self, conn: Connection, query: Select[Any], lock: bool = False) -> Blog | None:
        if lock:
            # FOR NO KEY UPDATE: what the seq bump would take anyway, taken first.
            query = query.with_for_update(key_share=True)
        row = conn.execute(query).mappings().first()
        return None if row is None else _blog(row)

    def recount(self, conn: Connection, blog_id: int) -> int:
        """Store the blog's published-post count after a change; returns it."""
        count = conn.execute(
            select(func.count()).where(
                posts.c.blog_id == blog_id, posts.c.status == PostStatus.PUBLISHED
            )
        ).scalar_one()
        conn.execute(update(blogs).where(blogs.c.id == blog_id).values(post_count=count))
        return int(count)

    # Posts

    def insert_post(self, conn: Connection, blog_id: int, values: Mapping[str, Any]) -> Post:
        row = {"version": 1, **_post_row(values), "blog_id": blog_id}
        post_id = conn.execute(insert(posts).values(**row)).inserted_primary_key[0]  # type: ignore[index]
        return self.post(conn, blog_id, post_id)

    def update_post(self, conn: Connection, post: Post, values: Mapping[str, Any]) -> Post | None:
        """Compare-and-set on the version: None when someone else saved first."""
        result = conn.execute(
            update(posts)
            .where(posts.c.id == post.id, posts.c.version == post.version)
            .values(version=post.version + 1, **_post_row(values))
        )
        return self.post(conn, post.blog_id, post.id) if result.rowcount == 1 else None

    def post(self, conn: Connection, blog_id: int, post_id: int) -> Post:
        """A post the caller knows exists."""
        found = self.find_post(conn, blog_id, post_id)
        if found is None:
            raise LookupError(f"post {post_id} vanished inside its own transaction")
        return found

    def find_post(self, conn: Connection, blog_id: int, post_id: int) -> Post | None:
        if not 0 < post_id < MAX_ROW_ID:
            return None
        query = select(posts).where(posts.c.blog_id == blog_id, posts.c.id == post_id)
        row = conn.execute(query).mappings().first()
        return None if row is None else _post(row)

    def post_by_client_key(self, conn: Connection, user_id: int, key: str) -> Post | None:
        query = select(posts).where(posts.c.author_user_id == user_id, posts.c.client_key == key)
        row = conn.execute(query).mappings().first()
        return None if row is None else _post(row)

    def page_of_posts(
        self,
        conn: Connection,
        blog_id: int,
        *,
        newest_first: bool,
        cursor: str | None,
        limit: int,
        key_only: bool = False,
    ) -> tuple[list[Post], list[Post], str | None]:
        """Pinned posts (first page only), a page of the rest, and the next page's cursor;
        with `key_only`, of the key events alone (the reader's "Key events only" filter)."""
        visible = and_(posts.c.blog_id == blog_id, posts.c.status == PostStatus.PUBLISHED)
        if key_only:
            visible = and_(visible, posts.c.key_event)
        pinned: list[Post] = []
        if cursor is None:
            query = select(posts).where(visible, posts.c.pinned == true())
            query = query.order_by(posts.c.published_at)
            pinned = [_post(row) for row in conn.execute(query).mappings()]
        # `pinned = false`, not `NOT pinned`: an equality the index can seek on.
        query = select(posts).where(visible, posts.c.pinned == false())
        if newest_first:
            query = query.order_by(posts.c.published_at.desc(), posts.c.id.desc())
        else:
            query = query.order_by(posts.c.published_at, posts.c.id)
        if cursor is not None:
            at, post_id = decode_cursor(cursor)
            if newest_first:
                query = query.where(
                    or_(
                        posts.c.published_at < at,
                        and_(posts.c.published_at == at, posts.c.id < post_id),
                    )
                )
            else:
                query = query.where(
                    or_(
                        posts.c.published_at > at,
                        and_(posts.c.published_at == at, posts.c.id > post_id),
                    )
                )
        rows = [_post(row) for row in conn.execute(query.limit(limit + 1)).mappings()]
        page, more = rows[:limit], len(rows) > limit
        next_cursor = encode_cursor(page[-1]) if more and page else None
        return pinned, page, next_cursor

    def undeleted_posts(self, conn: Connection, blog_id: int) -> list[Post]:
        query = select(posts).where(
            posts.c.blog_id == blog_id, posts.c.status != PostStatus.DELETED
        )
        return [_post(row) for row in conn.execute(query.order_by(posts.c.id)).mappings()]

    def all_posts(self, conn: Connection, blog_id: int) -> list[Post]:
        """Every post of a blog, drafts and deleted ones too, oldest row first (for archives)."""
        query = select(posts).where(posts.c.blog_id == blog_id).order_by(posts.c.id)
        return [_post(row) for row in conn.execute(query).mappings()]

    def blogs_with_due_posts(self, conn: Connection, now: datetime) -> list[int]:
        query = (
            select(posts.c.blog_id)
            .where(posts.c.status == PostStatus.SCHEDULED, posts.c.publish_at <= now)
            .distinct()
            .order_by(posts.c.blog_id)
        )
        return [int(blog_id) for blog_id in conn.execute(query).scalars()]

    def due_posts(self, conn: Connection, blog_id: int, now: datetime) -> list[Post]:
        query = (
            select(posts)
            .where(
                posts.c.blog_id == blog_id,
                posts.c.status == PostStatus.SCHEDULED,
                posts.c.publish_at <= now,
            )
            .order_by(posts.c.publish_at, posts.c.id)
        )
        return [_post(row) for row in conn.execute(query).mappings()]

    # The event log

    def append_event(
        self,
        conn: Connection,
        blog_id: int,
        type: EventType,
        post_id: int | None,
        payload: dict[str, Any],
        now: datetime,
    ) -> Event:
        # Under the blog's lock, so two writers can never get the same seq, and none is skipped.
        seq = conn.execute(
            update(blogs)
            .where(blogs.c.id == blog_id)
            .values(last_seq=blogs.c.last_seq + 1, updated_at=now)
            .returning(blogs.c.last_seq)
        ).scalar_one()
        row = {
            "blog_id": blog_id,
            "seq": seq,
            "type": str(type),
            "post_id": post_id,
            "payload": payload,
            "created_at": now,
        }
        conn.execute(insert(events).values(**row))
        return Event(blog_id, seq, type, post_id, payload, now)

    def events_since(
        self, conn: Connection, blog_id: int, since: int, limit: int = 500
    ) -> list[Event]:
        query = (
            select(events)
            .where(events.c.blog_id == blog_id, events.c.seq > since)
            .order_by(events.c.seq)
            .limit(limit)
        )
        return [_event(row) for row in conn.execute(query).mappings()]

    def events_of_post(self, conn: Connection, blog_id: int, post_id: int) -> list[Event]:
        query = (
            select(events)
            .where(events.c.blog_id == blog_id, events.c.post_id == post_id)
            .order_by(events.c.seq)
        )
        return [_event(row) for row in conn.execute(query).mappings()]

    def rewrite_payload(
        self, conn: Connection, blog_id: int, seq: int, payload: dict[str, Any]
    ) -> None:
        conn.execute(
            update(events)
            .where(events.c.blog_id == blog_id, events.c.seq == seq)
            .values(payload=payload)
        )


def encode_cursor(post: Post) -> str:
    assert post.published_at is not None  # pages hold published posts only
    raw = json.dumps([post.published_at.isoformat(), post.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        if len(cursor) > 200 or not cursor.isascii():
            raise ValueError("not a cursor")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        if not raw.startswith(b'["'):  # a cursor is a flat pair; nothing nested gets parsed
            raise ValueError("not a cursor")
        at_text, post_id = json.loads(raw)
        if not isinstance(at_text, str) or type(post_id) is not int:
            raise ValueError("not a cursor")
        at = datetime.fromisoformat(at_text)
        # A forged cursor must not reach the database: a time with no zone, one out of
        # range in UTC, or an id no row can have would fail there as a server error.
        if at.tzinfo is None or not 0 < post_id < MAX_ROW_ID:
            raise ValueError("not a cursor")
        return at.astimezone(UTC), post_id
    except (ValueError, TypeError, OverflowError, RecursionError, binascii.Error) as exc:
        raise InvalidCursor("the cursor is not one this server handed out") from exc


def _blogs() -> Select[Any]:
    return select(blogs)


def _blog(row: RowMapping) -> Blog:
    values = {name: row[name] for name in BLOG_COLUMNS}
    values["authors"] = tuple(values["authors"])
    values["status"] = BlogStatus(values["status"])
    return Blog(**values)


def _event(row: RowMapping) -> Event:
    return Event(
        row["blog_id"],
        row["seq"],
        EventType(row["type"]),
        row["post_id"],
        row["payload"],
        row["created_at"],
    )


def _post(row: RowMapping) -> Post:
    values = {name: row[name] for name in POST_COLUMNS}
    values["authors"] = tuple(values["authors"])
    values["contributors"] = tuple(values["contributors"])
    values["images"] = tuple(Image.from_json(image) for image in values["images"])
    values["status"] = PostStatus(values["status"])
    return Post(**values)


def _post_row(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values for the posts table: images as plain JSON objects."""
    row = dict(values)
    if "images" in row:
        row["images"] = [
            image if isinstance(image, dict) else _image_json(image) for image in row["images"]
        ]
    for name in ("authors", "contributors"):
        if name in row:
            row[name] = list(row[name])
    return row


def _image_json(image: Any) -> dict[str, Any]:
    if isinstance(image, Image):
        return image_json(image)
    return {name: getattr(image, name, None) for name in IMAGE_WRITABLE}
