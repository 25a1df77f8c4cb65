"""Leases: one process at a time holds a duty (purging the CDN, publishing to GRIP).

On PostgreSQL a duty is a session-level advisory lock (`pg_try_advisory_lock`) held on a
connection of the lease's own, in autocommit (no transaction stays open). When the
holding process dies, its connection closes and PostgreSQL lets the lock go at once; the
next process to ask takes it. On SQLite (one machine) it is an exclusive `flock` on a file
beside the database, which the kernel lets go when the process dies; an in-memory database
has one process, which always holds.

A holder confirms it still holds before each batch of work (`hold()` again): a lost
connection is a lost lock, and the holder stops before another has started. What a duty
does must still be idempotent across a takeover: the old holder may have handed a batch
over and died before it moved the cursor, and the new one hands that batch over again.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import zlib
from typing import IO

from sqlalchemy import Connection, Engine, text

# Advisory lock keys are one bigint space for the whole database: ours are (namespace, duty).
NAMESPACE = 0x4C4C  # "LL"


def lock_key(duty: str) -> int:
    return (NAMESPACE << 32) | zlib.crc32(duty.encode())


class Lease:
    def __init__(self, engine: Engine, duty: str) -> None:
        self.duty = duty
        self._engine = engine
        self._conn: Connection | None = None
        self._file: IO[bytes] | None = None
        self._mutex = threading.Lock()  # hold() and release() run in worker threads

    @property
    def held(self) -> bool:
        return self._conn is not None or self._file is not None or self._in_memory()

    def hold(self) -> bool:
        """Take the duty, or confirm it is still ours; False when another process holds it
        (or the database cannot say). Blocking: call it from a worker thread."""
        with self._mutex:
            if self._engine.dialect.name == "postgresql":
                return self._hold_postgres()
            return self._hold_file()

    def release(self) -> None:
        with self._mutex:
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    self._conn.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(self.duty)}
                    )
                self._drop_connection()
            if self._file is not None:
                self._file.close()  # closing the descriptor lets the flock go
                self._file = None

    def _hold_postgres(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                return True
            except Exception:  # the session, and with it the lock, is gone
                self._drop_connection()
        try:
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except Exception:
            return False
        try:
            got = conn.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(self.duty)}
            ).scalar()
        except Exception:
            conn.invalidate()
            conn.close()
            return False
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.invalidate()  # never back to the pool: its session may hold the lock
            with contextlib.suppress(Exception):
                conn.close()

    def _in_memory(self) -> bool:
        database = self._engine.url.database
        return self._engine.dialect.name == "sqlite" and database in (None, "", ":memory:")

    def _hold_file(self) -> bool:
        if self._file is not None or self._in_memory():
            return True
        database = self._engine.url.database or ""
        path = f"{database}.{self.duty}.lease"
        try:
            handle = open(path, "ab")  # noqa: SIM115  # kept open while held
        except OSError:
            return False
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        os.set_inheritable(handle.fileno(), False)
        self._file = handle
        return True
