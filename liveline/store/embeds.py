"""What embed providers answered, by URL."""

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


def save(
    conn: Connection, url: str, provider: str, answer: dict[str, Any] | None, now: datetime
) -> None:
    conn.execute(delete(embeds).where(embeds.c.url == url))
    conn.execute(insert(embeds).values(url=url, provider=provider, answer=answer, fetched_at=now))
