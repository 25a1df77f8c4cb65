"""People and their API tokens: who may write, and how a request proves who it is."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import IntegrityError

from liveline.errors import N_, Conflict, Invalid, NotFound
from liveline.model import USER_NAME, USER_NAME_RULE, Limit, Role, Token, User
from liveline.service import passwords, sessions
from liveline.service.unit import Tx, UnitOfWork

TOKEN_PREFIX = "ll_"
NO_USER = N_("no user called %(name)r")
NO_USER_ADD = N_("no user called %(name)r; add one with `liveline user add`")


def hash_token(token: str) -> str:
    # API tokens are 256 random bits, so a fast hash is safe and keeps per-request auth cheap.
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    def __init__(self, unit: UnitOfWork) -> None:
        self._unit = unit

    # Reads

    def user_for_token(self, token: str) -> User | None:
        """The live user a token belongs to; None for an unknown or revoked token, or a
        disabled user (both stop working at once: this is read on every request)."""
        if not token.isascii() or len(token) > 200:
            return None
        digest = hash_token(token)
        return self._unit.read(
            lambda conn: self._unit.store.people.user_by_token_hash(conn, digest)
        )

    def user(self, name: str) -> User:
        found = self._unit.read(lambda conn: self._unit.store.people.user_by_name(conn, name))
        if found is None:
            raise NotFound(NO_USER_ADD, name=name)
        return found

    def users(self) -> list[User]:
        return self._unit.read(self._unit.store.people.list_users)

    def tokens(self, name: str | None = None) -> list[Token]:
        user_id = None if name is None else self.user(name).id
        return self._unit.read(lambda conn: self._unit.store.people.list_tokens(conn, user_id))

    # Writes (none of them is news to readers: no events)

    def add_user(self, name: str, role: Role, display_name: str | None = None) -> User:
        if not USER_NAME.fullmatch(name):
            raise Invalid(USER_NAME_RULE, field="name")
        if display_name is not None and not 0 < len(display_name.strip()) <= Limit.NAME:
            raise Invalid(
                N_("a display name is 1–%(most)s characters"),
                field="display_name",
                most=int(Limit.NAME),
            )

        def add(tx: Tx) -> User:
            return tx.store.people.insert_user(
                tx.conn, name, role, display_name and display_name.strip(), tx.now
            )

        try:
            return self._unit.write_quietly(add)
        except IntegrityError:
            raise Conflict(N_("there is already a user called %(name)r"), name=name) from None

    def ensure_user(self, name: str, role: Role, display_name: str | None = None) -> User:
        """The user of that name, made now if there is none (the demo desk's own account)."""
        try:
            return self.add_user(name, role, display_name)
        except Conflict:
            return self.user(name)

    def set_role(self, name: str, role: Role) -> User:
        return self._change_user(name, lambda tx, user: {"role": str(role)})

    def disable(self, name: str) -> User:
        """Their tokens stop working at once; their posts and their entries in the log stay."""
        return self._change_user(name, lambda tx, user: {"disabled_at": tx.now})

    def set_password(self, name: str, password: str, keep_session: int | None = None) -> User:
        """Give a person a new password (validated at the edge as values.NewPassword). Every
        session they have ends, but `keep_session` (the browser that changed it)."""
        password_hash = passwords.hash_password(password)  # slow on purpose: outside the lock

        def change(tx: Tx) -> User:
            user = tx.store.people.user_by_name(tx.conn, name)
            if user is None:
                raise NotFound(NO_USER, name=name)
            sessions.end_sessions(tx, user.id, keep=keep_session)
            return tx.store.people.update_user(tx.conn, user.id, {"password_hash": password_hash})

        return self._unit.write_quietly(change)

    def create_token(self, name: str, label: str | None = None) -> str:
        if label is not None and len(label) > Limit.TOKEN_LABEL:
            raise Invalid(
                N_("a token label is at most %(most)s characters"), most=int(Limit.TOKEN_LABEL)
            )
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)

        def create(tx: Tx) -> None:
            user = tx.store.people.user_by_name(tx.conn, name)
            if user is None:
                raise NotFound(NO_USER_ADD, name=name)
            if user.disabled:
                raise Conflict(
                    N_("%(name)s is disabled; a disabled user gets no new tokens"), name=name
                )
            tx.store.people.insert_token(tx.conn, user.id, hash_token(token), label, tx.now)

        self._unit.write_quietly(create)
        return token

    def revoke_token(self, token_id: int) -> None:
        def revoke(tx: Tx) -> None:
            if tx.store.people.revoke_token(tx.conn, token_id, tx.now):
                return
            if tx.store.people.token_exists(tx.conn, token_id):
                raise Conflict(N_("token %(id)s is already revoked"), id=token_id)
            raise NotFound(N_("no token %(id)s; `liveline token list` shows them"), id=token_id)

        self._unit.write_quietly(revoke)

    def _change_user(self, name: str, values: Callable[[Tx, User], dict[str, Any]]) -> User:
        def change(tx: Tx) -> User:
            user = tx.store.people.user_by_name(tx.conn, name)
            if user is None:
                raise NotFound(NO_USER, name=name)
            return tx.store.people.update_user(tx.conn, user.id, values(tx, user))

        return self._unit.write_quietly(change)
