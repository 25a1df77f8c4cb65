"""Reads and writes of users and their API tokens, inside a caller's connection."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from liveline.model import Role, Token, User
from liveline.store.tables import tokens, users


class People:
    def insert_user(
        self, conn: Connection, name: str, role: Role, display_name: str | None, now: datetime
    ) -> User:
        row = {"name": name, "role": str(role), "display_name": display_name, "created_at": now}
        user_id = conn.execute(insert(users).values(**row)).inserted_primary_key[0]  # type: ignore[index]
        return self.user(conn, user_id)

    def user(self, conn: Connection, user_id: int) -> User:
        row = conn.execute(select(users).where(users.c.id == user_id)).mappings().one()
        return _user(row)

    def user_by_name(self, conn: Connection, name: str) -> User | None:
        row = conn.execute(select(users).where(users.c.name == name)).mappings().first()
        return None if row is None else _user(row)

    def user_with_password(self, conn: Connection, name: str) -> tuple[User, str | None] | None:
        """A user and their password's hash (None if they have none yet), to sign them in."""
        row = conn.execute(select(users).where(users.c.name == name)).mappings().first()
        return None if row is None else (_user(row), row["password_hash"])

    def list_users(self, conn: Connection) -> list[User]:
        return [_user(row) for row in conn.execute(select(users).order_by(users.c.name)).mappings()]

    def update_user(self, conn: Connection, user_id: int, values: Mapping[str, Any]) -> User:
        conn.execute(update(users).where(users.c.id == user_id).values(**values))
        return self.user(conn, user_id)

    def insert_token(
        self, conn: Connection, user_id: int, token_hash: str, label: str | None, now: datetime
    ) -> int:
        row = {"user_id": user_id, "token_hash": token_hash, "label": label, "created_at": now}
        return int(conn.execute(insert(tokens).values(**row)).inserted_primary_key[0])  # type: ignore[index]

    def user_by_token_hash(self, conn: Connection, token_hash: str) -> User | None:
        """The token's user, unless the token is revoked or the user disabled."""
        query = (
            select(users)
            .join(tokens, tokens.c.user_id == users.c.id)
            .where(
                tokens.c.token_hash == token_hash,
                tokens.c.revoked_at.is_(None),
                users.c.disabled_at.is_(None),
            )
        )
        row = conn.execute(query).mappings().first()
        return None if row is None else _user(row)

    def list_tokens(self, conn: Connection, user_id: int | None) -> list[Token]:
        query = (
            select(tokens, users.c.name.label("user_name"))
            .join(users, users.c.id == tokens.c.user_id)
            .order_by(tokens.c.id)
        )
        if user_id is not None:
            query = query.where(tokens.c.user_id == user_id)
        return [
            Token(row["id"], row["user_name"], row["label"], row["created_at"], row["revoked_at"])
            for row in conn.execute(query).mappings()
        ]

    def revoke_token(self, conn: Connection, token_id: int, now: datetime) -> bool:
        """True if the token existed and was live until now."""
        result = conn.execute(
            update(tokens)
            .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount == 1

    def token_exists(self, conn: Connection, token_id: int) -> bool:
        query = select(tokens.c.id).where(tokens.c.id == token_id)
        return conn.execute(query).first() is not None


def _user(row: RowMapping) -> User:
    return User(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        display_name=row["display_name"],
        disabled=row["disabled_at"] is not None,
    )
