"""What embed providers answered, by URL, and the asks still to come."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from liveline.store.tables import embeds


def answers(conn: Connection, urls: list[str]) -> dict[str, dict[str, Any] | None]:
    if not urls:
        return {}
    rows = conn.execute(select(embeds.c.url, embeds.c.answer).where(embeds.c.url.in_(urls)))
    return {row.url: row.answer for row in rows}


def states(conn: Connection, urls: list[str]) -> dict[str, dict[str, Any]]:
    """Each URL's row: its answer, asks so far, when it is asked again, and for which post."""
    if not urls:
        return {}
    rows = conn.execute(select(embeds).where(embeds.c.url.in_(urls))).mappings()
    return {row["url"]: dict(row) for row in rows}


def waiting(conn: Connection) -> list[dict[str, Any]]:
    """The URLs still to be asked again (after a restart, too)."""
    query = select(embeds.c.url, embeds.c.retry_at).where(embeds.c.retry_at.is_not(None))
    return [dict(row) for row in conn.execute(query).mappings()]


def save(
    conn: Connection,
    url: str,
    provider: str,
    answer: dict[str, Any] | None,
    now: datetime,
    *,
    attempts: int = 1,
    retry_at: datetime | None = None,
    blog_id: int | None = None,
    post_id: int | None = None,
) -> None:
    conn.execute(delete(embeds).where(embeds.c.url == url))
    row = {"url": url, "provider": provider, "answer": answer, "fetched_at": now,
           "attempts": attempts, "retry_at": retry_at, "blog_id": blog_id,
           "post_id": post_id}  # fmt: skip
    conn.execute(insert(embeds).values(**row))
