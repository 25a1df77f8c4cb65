"""Signing in and out: sessions in the store, and a throttle on guessing.

A session is a random token the browser keeps in a cookie; the store keeps its hash, the
user it belongs to, and a CSRF token every form and cookie-authenticated write sends back.
Failed sign-ins are counted in the store per name tried and per address, so the throttle
holds across worker processes and restarts.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from liveline.errors import N_, Say, TooMany, Unauthorized
from liveline.model import Limit, User
from liveline.service import passwords
from liveline.service.unit import Tx, UnitOfWork
from liveline.store.sessions import SessionRows

SESSION_LIFETIME = timedelta(days=7)
WINDOW = timedelta(minutes=15)
KEEP_ENDED = timedelta(days=30)  # ended sessions are kept a while, for anyone looking into one
# Failures allowed in WINDOW before sign-in is refused: for one name (a guess at one
# person's password), and for one address (a guess at everyone's, from one place).
PER_NAME = 5
PER_ADDRESS = 30
WRONG = N_("that name and password do not match an account")
ROWS = SessionRows()


@dataclass(frozen=True)
class Session:
    id: int
    user: User
    csrf_token: str


@dataclass(frozen=True)
class SignedIn:
    session: Session
    token: str  # for the cookie; the store has only its hash


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _keys(name: str, address: str) -> tuple[str, str]:
    return "name:" + name.casefold()[: Limit.USER_NAME], "addr:" + address[:100]


class Sessions:
    def __init__(self, unit: UnitOfWork) -> None:
        self._unit = unit

    def sign_in(self, name: str, password: str, address: str) -> SignedIn:
        """A new session for the person with this name and password. Refused alike for an
        unknown name and a wrong password (same message, same hashing work), and with
        TooMany while the name or the address has failed too often."""
        keys = _keys(name, address)
        self._unit.read(lambda conn: self._check_throttle(conn, keys, self._unit.clock()))
        found = None
        if len(password) <= Limit.PASSWORD and len(name) <= Limit.USER_NAME:
            found = self._unit.read(
                lambda conn: self._unit.store.people.user_with_password(conn, name)
            )
        user, password_hash = found if found else (None, None)
        if user is not None and user.disabled:
            password_hash = None  # checked against the dummy: no hint that the name exists
        if not passwords.verify(password_hash, password[: Limit.PASSWORD]) or user is None:
            self._unit.write_quietly(lambda tx: self._fail(tx, keys))
            raise Unauthorized(WRONG)
        return self._unit.write_quietly(lambda tx: self._open(tx, user, keys[0]))

    def session(self, token: str) -> Session | None:
        """The live session this cookie token opens, or None."""
        if not token.isascii() or len(token) > 100:
            return None
        digest = _digest(token)
        row = self._unit.read(lambda conn: ROWS.live(conn, digest, self._unit.clock()))
        return None if row is None else Session(row.id, row.user, row.csrf_token)

    def end(self, session: Session) -> None:
        """End this one session (a browser signing in again, perhaps as someone else)."""
        self._unit.write_quietly(lambda tx: ROWS.end(tx.conn, session.id, tx.now))

    def sign_out(self, session: Session) -> None:
        """End this session and every other of its user's: signing out anywhere signs out
        everywhere, so a browser left signed in elsewhere is closed too."""
        self._unit.write_quietly(lambda tx: ROWS.end_all_of(tx.conn, session.user.id, tx.now))

    # Inside a transaction

    def _check_throttle(self, conn: Connection, keys: tuple[str, str], now: datetime) -> None:
        since = now - WINDOW
        waits = []
        for key, allowed in zip(keys, (PER_NAME, PER_ADDRESS), strict=True):
            count, earliest = ROWS.failures_since(conn, key, since)
            if count >= allowed:
                waits.append((earliest + WINDOW - now).total_seconds())
        if waits:
            seconds = max(1, math.ceil(max(waits)))
            raise TooMany(
                N_("too many sign-in attempts; try again in %(wait)s"),
                retry_after=seconds,
                wait=_minutes(seconds),
            )

    def _fail(self, tx: Tx, keys: tuple[str, str]) -> None:
        ROWS.forget_old(tx.conn, tx.now - WINDOW, tx.now - KEEP_ENDED)
        for key in keys:
            ROWS.add_failure(tx.conn, key, tx.now)

    def _open(self, tx: Tx, user: User, name_key: str) -> SignedIn:
        ROWS.forget_failures(tx.conn, name_key)  # the owner got in: the count starts again
        ROWS.forget_old(tx.conn, tx.now - WINDOW, tx.now - KEEP_ENDED)
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        session_id = ROWS.insert(
            tx.conn, user.id, _digest(token), csrf, tx.now, tx.now + SESSION_LIFETIME
        )
        return SignedIn(Session(session_id, user, csrf), token)


def end_sessions(tx: Tx, user_id: int, keep: int | None = None) -> int:
    """For accounts: a password change or a disabled user ends their sessions."""
    return ROWS.end_all_of(tx.conn, user_id, tx.now, keep)


def _minutes(seconds: int) -> Say:
    minutes = math.ceil(seconds / 60)
    return Say(N_("a minute")) if minutes <= 1 else Say(N_("%(minutes)s minutes"), minutes=minutes)
