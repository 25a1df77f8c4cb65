"""What the newsroom's desk lists and no reader sees: posts by state, and editors' notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select

from liveline.model import Post, PostStatus
from liveline.store.queries import _post
from liveline.store.tables import post_notes, posts


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
