"""The log cursors: how far each follower of the log has gone in each blog's log."""

from __future__ import annotations

from sqlalchemy import Connection, and_, func, insert, select, update

from liveline.store.tables import blogs, log_cursors


class LogCursors:
    def behind(self, conn: Connection, follower: str, limit: int = 100) -> list[tuple[int, int]]:
        """(blog id, cursor) of the blogs whose log runs past the follower's cursor."""
        done = func.coalesce(log_cursors.c.seq, 0)
        mine = and_(log_cursors.c.blog_id == blogs.c.id, log_cursors.c.follower == follower)
        query = (
            select(blogs.c.id, done)
            .select_from(blogs.outerjoin(log_cursors, mine))
            .where(blogs.c.last_seq > done)
            .order_by(blogs.c.id)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in conn.execute(query)]

    def advance(self, conn: Connection, follower: str, blog_id: int, seq: int) -> None:
        """Move the cursor to `seq`, never back: another process may have gone further."""
        moved = conn.execute(
            update(log_cursors)
            .where(
                log_cursors.c.follower == follower,
                log_cursors.c.blog_id == blog_id,
                log_cursors.c.seq < seq,
            )
            .values(seq=seq)
        ).rowcount
        if moved:
            return
        exists = conn.execute(
            select(log_cursors.c.seq).where(
                log_cursors.c.follower == follower, log_cursors.c.blog_id == blog_id
            )
        ).first()
        if exists is None:
            conn.execute(insert(log_cursors).values(follower=follower, blog_id=blog_id, seq=seq))
