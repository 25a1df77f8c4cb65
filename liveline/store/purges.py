"""The purge cursors: how far each blog's log has been purged from the CDN."""

from __future__ import annotations

from sqlalchemy import Connection, func, insert, select, update

from liveline.store.tables import blogs, purge_cursors


class PurgeCursors:
    def behind(self, conn: Connection, limit: int = 100) -> list[tuple[int, int]]:
        """(blog id, purged seq) of the blogs whose log runs past their purge cursor."""
        purged = func.coalesce(purge_cursors.c.seq, 0)
        query = (
            select(blogs.c.id, purged)
            .select_from(blogs.outerjoin(purge_cursors, purge_cursors.c.blog_id == blogs.c.id))
            .where(blogs.c.last_seq > purged)
            .order_by(blogs.c.id)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in conn.execute(query)]

    def advance(self, conn: Connection, blog_id: int, seq: int) -> None:
        """Move the cursor to `seq`, never back: another process may have gone further."""
        moved = conn.execute(
            update(purge_cursors)
            .where(purge_cursors.c.blog_id == blog_id, purge_cursors.c.seq < seq)
            .values(seq=seq)
        ).rowcount
        if moved:
            return
        exists = conn.execute(
            select(purge_cursors.c.seq).where(purge_cursors.c.blog_id == blog_id)
        ).first()
        if exists is None:
            conn.execute(insert(purge_cursors).values(blog_id=blog_id, seq=seq))
