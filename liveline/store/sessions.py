"""Reads and writes of sign-in sessions and of failed sign-ins, inside a caller's connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from liveline.model import User
from liveline.store.people import _user
from liveline.store.tables import sessions, sign_in_failures, users


@dataclass(frozen=True)
class SessionRow:
    id: int
    user: User
    csrf_token: str
    expires_at: datetime


class SessionRows:
    def insert(
        self,
        conn: Connection,
        user_id: int,
        token_hash: str,
        csrf_token: str,
        now: datetime,
        expires_at: datetime,
    ) -> int:
        row = {
            "user_id": user_id,
            "token_hash": token_hash,
            "csrf_token": csrf_token,
            "created_at": now,
            "expires_at": expires_at,
        }
        return int(conn.execute(insert(sessions).values(**row)).inserted_primary_key[0])  # type: ignore[index]

    def live(self, conn: Connection, token_hash: str, now: datetime) -> SessionRow | None:
        """The session, unless it ended or expired, or its user was disabled."""
        query = (
            select(
                users,
                sessions.c.id.label("session_id"),
                sessions.c.csrf_token,
                sessions.c.expires_at,
            )
            .join(users, users.c.id == sessions.c.user_id)
            .where(
                sessions.c.token_hash == token_hash,
                sessions.c.ended_at.is_(None),
                sessions.c.expires_at > now,
                users.c.disabled_at.is_(None),
            )
        )
        row = conn.execute(query).mappings().first()
        if row is None:
            return None
        return SessionRow(row["session_id"], _user(row), row["csrf_token"], row["expires_at"])

    def end(self, conn: Connection, session_id: int, now: datetime) -> None:
        conn.execute(
            update(sessions)
            .where(sessions.c.id == session_id, sessions.c.ended_at.is_(None))
            .values(ended_at=now)
        )

    def end_all_of(
        self, conn: Connection, user_id: int, now: datetime, keep: int | None = None
    ) -> int:
        """End every live session of a user (but `keep`); returns how many ended."""
        query = update(sessions).where(sessions.c.user_id == user_id, sessions.c.ended_at.is_(None))
        if keep is not None:
            query = query.where(sessions.c.id != keep)
        return int(conn.execute(query.values(ended_at=now)).rowcount)

    # The sign-in throttle

    def add_failure(self, conn: Connection, key: str, now: datetime) -> None:
        conn.execute(insert(sign_in_failures).values(key=key, at=now))

    def failures_since(self, conn: Connection, key: str, since: datetime) -> tuple[int, datetime]:
        """How many failures for `key` after `since`, and the earliest of them (or since)."""
        query = select(func.count(), func.min(sign_in_failures.c.at)).where(
            sign_in_failures.c.key == key, sign_in_failures.c.at > since
        )
        count, earliest = conn.execute(query).one()
        return int(count), earliest or since

    def forget_failures(self, conn: Connection, key: str) -> None:
        conn.execute(delete(sign_in_failures).where(sign_in_failures.c.key == key))

    def forget_old(
        self, conn: Connection, failed_before: datetime, expired_before: datetime
    ) -> None:
        """Failures older than the throttle's window, and sessions long expired or ended:
        neither table grows with time, however many names an attacker tries."""
        conn.execute(delete(sign_in_failures).where(sign_in_failures.c.at <= failed_before))
        conn.execute(
            delete(sessions).where(
                (sessions.c.expires_at < expired_before) | (sessions.c.ended_at < expired_before)
            )
        )
