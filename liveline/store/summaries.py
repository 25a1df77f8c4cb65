"""Reads and writes of a blog's summary ("What we know") and its versions, inside a caller's
connection."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from liveline.store.tables import blogs, summary_versions


@dataclass(frozen=True)
class SummaryVersion:
    version: int
    saved_by: str | None  # a byline; None when not known (an import)
    saved_at: datetime
    summary: str


class SummaryRows:
    def save(
        self,
        conn: Connection,
        blog_id: int,
        expected: int,
        text: str,
        user_id: int | None,
        saved_by: str | None,
        now: datetime,
    ) -> int | None:
        """Compare-and-set on the blog's summary version: the new version, or None when
        someone saved another since `expected`."""
        result = conn.execute(
            update(blogs)
            .where(blogs.c.id == blog_id, blogs.c.summary_version == expected)
            .values(summary=text, summary_version=expected + 1)
        )
        if result.rowcount != 1:
            return None
        row = {
            "blog_id": blog_id,
            "version": expected + 1,
            "user_id": user_id,
            "saved_by": saved_by,
            "saved_at": now,
            "summary": text,
        }
        conn.execute(insert(summary_versions).values(**row))
        return expected + 1

    def versions(self, conn: Connection, blog_id: int) -> list[SummaryVersion]:
        """Newest first."""
        query = (
            select(summary_versions)
            .where(summary_versions.c.blog_id == blog_id)
            .order_by(summary_versions.c.version.desc())
        )
        return [
            SummaryVersion(row["version"], row["saved_by"], row["saved_at"], row["summary"])
            for row in conn.execute(query).mappings()
        ]

    def replace_all(
        self, conn: Connection, blog_id: int, versions: Iterable[SummaryVersion]
    ) -> None:
        """An archive's versions in place of the blog's (a whole blog stored at once)."""
        conn.execute(delete(summary_versions).where(summary_versions.c.blog_id == blog_id))
        rows = [
            {
                "blog_id": blog_id,
                "version": item.version,
                "user_id": None,
                "saved_by": item.saved_by,
                "saved_at": item.saved_at,
                "summary": item.summary,
            }
            for item in versions
        ]
        if rows:
            conn.execute(insert(summary_versions), rows)
