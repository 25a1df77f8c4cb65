"""Reads and writes against the tables. Every write runs inside a caller's transaction."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, update

from liveline.model import Blog, Event, EventType, Image, Post, PostStatus, Role, User
from liveline.store.db import WRITE_OPTION
from liveline.store.tables import blogs, events, posts, tokens, users


class InvalidCursor(ValueError):
    pass


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**{WRITE_OPTION: True})

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._writer.begin() as connection:
            yield connection

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    # Blogs

    def insert_blog(self, conn: Connection, values: dict[str, Any], now: datetime) -> int:
        row = {"status": "open", **values, "created_at": now, "updated_at": now, "last_seq": 0}
        return conn.execute(insert(blogs).values(**row)).inserted_primary_key[0]

    def update_blog(self, conn: Connection, blog_id: int, values: dict[str, Any]) -> None:
        conn.execute(update(blogs).where(blogs.c.id == blog_id).values(**values))

    def blog_by_slug(self, conn: Connection, slug: str) -> Blog | None:
        row = conn.execute(select(blogs).where(blogs.c.slug == slug)).mappings().first()
        return None if row is None else _blog(row, self.post_count(conn, row["id"]))

    def blog_by_id(self, conn: Connection, blog_id: int) -> Blog | None:
        row = conn.execute(select(blogs).where(blogs.c.id == blog_id)).mappings().first()
        return None if row is None else _blog(row, self.post_count(conn, blog_id))

    def list_blogs(self, conn: Connection) -> list[Blog]:
        counts = (
            select(posts.c.blog_id, func.count().label("n"))
            .where(posts.c.status == PostStatus.PUBLISHED)
            .group_by(posts.c.blog_id)
            .subquery()
        )
        query = (
            select(blogs, func.coalesce(counts.c.n, 0).label("post_count"))
            .outerjoin(counts, counts.c.blog_id == blogs.c.id)
            .order_by(blogs.c.updated_at.desc())
        )
        return [_blog(row, row["post_count"]) for row in conn.execute(query).mappings()]

    def post_count(self, conn: Connection, blog_id: int) -> int:
        query = select(func.count()).where(
            posts.c.blog_id == blog_id, posts.c.status == PostStatus.PUBLISHED
        )
        return conn.execute(query).scalar_one()

    # Posts

    def insert_post(self, conn: Connection, blog_id: int, values: dict[str, Any]) -> Post:
        post_id = conn.execute(
            insert(posts).values(blog_id=blog_id, **{"version": 1, **values})
        ).inserted_primary_key[0]
        return self.post(conn, blog_id, post_id)

    def update_post(self, conn: Connection, post: Post, values: dict[str, Any]) -> Post | None:
        """Compare-and-set on the version: None when someone else saved first."""
        result = conn.execute(
            update(posts)
            .where(posts.c.id == post.id, posts.c.version == post.version)
            .values(version=post.version + 1, **values)
        )
        return self.post(conn, post.blog_id, post.id) if result.rowcount == 1 else None

    def post(self, conn: Connection, blog_id: int, post_id: int) -> Post | None:
        if not 0 < post_id < 2**31:  # no row has such an id; SQLite would overflow on it
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
    ) -> tuple[list[Post], list[Post], str | None]:
        """Pinned posts (first page only), a page of the rest, and the next page's cursor."""
        visible = and_(posts.c.blog_id == blog_id, posts.c.status == PostStatus.PUBLISHED)
        pinned: list[Post] = []
        if cursor is None:
            query = select(posts).where(visible, posts.c.pinned).order_by(posts.c.published_at)
            pinned = [_post(row) for row in conn.execute(query).mappings()]
        query = select(posts).where(visible, ~posts.c.pinned)
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

    def due_scheduled_posts(self, conn: Connection, now: datetime) -> list[Post]:
        query = select(posts).where(
            posts.c.status == PostStatus.SCHEDULED, posts.c.publish_at <= now
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
        # The row update takes the blog's write lock, so two writers can never get the same seq.
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
        return [
            Event(
                row["blog_id"],
                row["seq"],
                EventType(row["type"]),
                row["post_id"],
                row["payload"],
                row["created_at"],
            )
            for row in conn.execute(query).mappings()
        ]

    # People and their tokens

    def insert_user(self, conn: Connection, name: str, role: Role, now: datetime) -> User:
        user_id = conn.execute(
            insert(users).values(name=name, role=str(role), created_at=now)
        ).inserted_primary_key[0]
        return User(user_id, name, role)

    def user_by_name(self, conn: Connection, name: str) -> User | None:
        row = conn.execute(select(users).where(users.c.name == name)).mappings().first()
        return None if row is None else User(row["id"], row["name"], Role(row["role"]))

    def insert_token(
        self, conn: Connection, user_id: int, token_hash: str, label: str | None, now: datetime
    ) -> None:
        conn.execute(
            insert(tokens).values(
                user_id=user_id, token_hash=token_hash, label=label, created_at=now
            )
        )

    def user_by_token_hash(self, conn: Connection, token_hash: str) -> User | None:
        query = (
            select(users)
            .join(tokens, tokens.c.user_id == users.c.id)
            .where(tokens.c.token_hash == token_hash, tokens.c.revoked_at.is_(None))
        )
        row = conn.execute(query).mappings().first()
        return None if row is None else User(row["id"], row["name"], Role(row["role"]))


def encode_cursor(post: Post) -> str:
    raw = json.dumps([post.published_at.isoformat(), post.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, post_id = json.loads(raw)
        at, post_id = datetime.fromisoformat(at), int(post_id)
        # A forged cursor must not reach the database: a time with no zone, one out of
        # range in UTC, or an id no row can have would fail there as a server error.
        if at.tzinfo is None or not 0 < post_id < 2**31:
            raise ValueError("not a cursor")
        return at.astimezone(UTC), post_id
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidCursor("the cursor is not one this server handed out") from exc


def _blog(row: Any, post_count: int) -> Blog:
    return Blog(
        id=row["id"],
        slug=row["slug"],
        title=row["title"],
        authors=tuple(row["authors"]),
        organization=row["organization"],
        timezone=row["timezone"],
        status=row["status"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        last_seq=row["last_seq"],
        post_count=post_count,
    )


def _post(row: Any) -> Post:
    return Post(
        id=row["id"],
        blog_id=row["blog_id"],
        headline=row["headline"],
        body=row["body"],
        authors=tuple(row["authors"]),
        location=row["location"],
        contributors=tuple(row["contributors"]),
        images=tuple(Image(**image) for image in row["images"]),
        status=PostStatus(row["status"]),
        pinned=row["pinned"],
        key_event=row["key_event"],
        published_at=row["published_at"],
        publish_at=row["publish_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
        author_user_id=row["author_user_id"],
    )
