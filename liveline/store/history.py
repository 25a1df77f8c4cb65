"""Reads and writes of posts' versions (the desk's history), inside a caller's connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from liveline.model import Post
from liveline.store.tables import post_versions, users


@dataclass(frozen=True)
class Version:
    version: int
    saved_by: str | None  # a byline; None when the server saved it (a schedule coming due)
    saved_at: datetime
    snapshot: dict[str, Any]


class HistoryRows:
    def record(self, conn: Connection, post: Post, user_id: int | None, now: datetime) -> None:
        row = {
            "post_id": post.id,
            "version": post.version,
            "user_id": user_id,
            "saved_at": now,
            "snapshot": post.to_json(),
        }
        conn.execute(insert(post_versions).values(**row))

    def versions(self, conn: Connection, post_id: int) -> list[Version]:
        """Newest first."""
        query = (
            select(post_versions, users.c.name, users.c.display_name)
            .outerjoin(users, users.c.id == post_versions.c.user_id)
            .where(post_versions.c.post_id == post_id)
            .order_by(post_versions.c.version.desc())
        )
        return [
            Version(
                row["version"],
                row["display_name"] or row["name"],
                row["saved_at"],
                row["snapshot"],
            )
            for row in conn.execute(query).mappings()
        ]
