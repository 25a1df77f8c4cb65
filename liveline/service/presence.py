"""Who is editing what: "Ana is editing" beside a post another person has open.

Presence, not a lock: anyone may still save, and the version check settles who saved first.
An open edit page says it is there every PING seconds; after FRESH without a word, the
person is taken to have gone (a closed tab says nothing)."""

from __future__ import annotations

from datetime import timedelta

from liveline.model import Post, User
from liveline.service.unit import Tx, UnitOfWork
from liveline.store.desk import PresenceRows

PING = timedelta(seconds=15)
FRESH = timedelta(seconds=40)
ROWS = PresenceRows()


class Presence:
    def __init__(self, unit: UnitOfWork) -> None:
        self._unit = unit

    def here(self, user: User, post: Post) -> None:
        def seen(tx: Tx) -> None:
            ROWS.forget_before(tx.conn, tx.now - FRESH * 3)  # the table holds only the present
            ROWS.seen(tx.conn, post.id, user.id, tx.now)

        self._unit.write_quietly(seen)

    def gone(self, user: User, post: Post) -> None:
        self._unit.write_quietly(lambda tx: ROWS.left(tx.conn, post.id, user.id))

    def others(self, user: User, posts: list[Post]) -> dict[int, list[str]]:
        """For each post someone else has open: their bylines."""
        ids = [post.id for post in posts]
        since = self._unit.clock() - FRESH
        return self._unit.read(lambda conn: ROWS.editing(conn, ids, since, user.id))
