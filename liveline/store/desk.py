"""What the newsroom's desk lists and no reader sees: posts by state, editors' notes, and
who has a post open."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from liveline.model import Post, PostStatus
from liveline.store.queries import _post
from liveline.store.tables import post_notes, posts, presence, users


class DeskRows:
    def posts_in(
        self,
        conn: Connection,
        blog_id: int,
        status: PostStatus,
        *,
        author_user_id: int | None = None,
        limit: int = 100,
    ) -> list[Post]:
        """A blog's posts in one state, last changed first; only one author's if given."""
        query = select(posts).where(posts.c.blog_id == blog_id, posts.c.status == status)
        if author_user_id is not None:
            query = query.where(posts.c.author_user_id == author_user_id)
        query = query.order_by(posts.c.updated_at.desc(), posts.c.id.desc()).limit(limit)
        return [_post(row) for row in conn.execute(query).mappings()]

    def add_note(
        self, conn: Connection, post_id: int, user_id: int, note: str, now: datetime
    ) -> None:
        conn.execute(
            insert(post_notes).values(post_id=post_id, user_id=user_id, note=note, created_at=now)
        )

    def latest_notes(self, conn: Connection, post_ids: list[int]) -> dict[int, str]:
        """The newest note on each of these posts that has one."""
        if not post_ids:
            return {}
        query = (
            select(post_notes.c.post_id, post_notes.c.note)
            .where(post_notes.c.post_id.in_(post_ids))
            .order_by(post_notes.c.id)
        )
        return {row.post_id: row.note for row in conn.execute(query)}


class PresenceRows:
    def seen(self, conn: Connection, post_id: int, user_id: int, now: datetime) -> None:
        key = (presence.c.post_id == post_id) & (presence.c.user_id == user_id)
        if conn.execute(update(presence).where(key).values(seen_at=now)).rowcount == 0:
            conn.execute(insert(presence).values(post_id=post_id, user_id=user_id, seen_at=now))

    def left(self, conn: Connection, post_id: int, user_id: int) -> None:
        key = (presence.c.post_id == post_id) & (presence.c.user_id == user_id)
        conn.execute(delete(presence).where(key))

    def forget_before(self, conn: Connection, before: datetime) -> None:
        conn.execute(delete(presence).where(presence.c.seen_at < before))

    def editing(
        self, conn: Connection, post_ids: list[int], since: datetime, but: int
    ) -> dict[int, list[str]]:
        """Who else has each of these posts open, seen after `since`: their bylines."""
        if not post_ids:
            return {}
        query = (
            select(presence.c.post_id, users.c.name, users.c.display_name)
            .join(users, users.c.id == presence.c.user_id)
            .where(
                presence.c.post_id.in_(post_ids),
                presence.c.seen_at > since,
                presence.c.user_id != but,
            )
            .order_by(presence.c.seen_at)
        )
        found: dict[int, list[str]] = {}
        for row in conn.execute(query):
            found.setdefault(row.post_id, []).append(row.display_name or row.name)
        return found
