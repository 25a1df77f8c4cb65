"""Where uploaded pictures live: their rows, and their files behind one small interface.

Files are named by the hash of their bytes (`formats.images.Encoded.key`), so a name is never
reused for other bytes: putting a file twice is a no-op, and a name can be cached forever.
Two places to keep them: a directory (the default, one node or a shared disk) and the
database (several nodes with no shared disk).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from liveline.store.tables import media, media_blobs

# A file's name: hex hash, one extension. Checked before any path or query is made of it.
KEY = re.compile(r"[0-9a-f]{16,64}\.(jpg|png|webp|gif)")
TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}


class Blob(NamedTuple):
    data: bytes
    type: str


class Blobs(Protocol):
    def put(self, key: str, type: str, data: bytes) -> None: ...
    def get(self, key: str) -> Blob | None: ...
    def keys(self) -> set[str]: ...


class DirectoryBlobs:
    """Files in a folder, fanned out by the first two characters of their names."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not KEY.fullmatch(key):
            raise ValueError(f"not a media file name: {key!r}")
        return self.root / key[:2] / key

    def put(self, key: str, type: str, data: bytes) -> None:
        path = self._path(key)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Whole or not at all: a reader never gets half a file under a name cached forever.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> Blob | None:
        if not KEY.fullmatch(key):
            return None
        try:
            data = self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        return Blob(data, TYPES[key.rsplit(".", 1)[1]])

    def keys(self) -> set[str]:
        if not self.root.exists():
            return set()
        return {path.name for path in self.root.glob("*/*") if KEY.fullmatch(path.name)}


class DatabaseBlobs:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, key: str, type: str, data: bytes) -> None:
        if not KEY.fullmatch(key):
            raise ValueError(f"not a media file name: {key!r}")
        try:
            with self.engine.begin() as conn:
                if conn.execute(select(media_blobs.c.key).where(media_blobs.c.key == key)).first():
                    return
                conn.execute(insert(media_blobs).values(key=key, type=type, data=data))
        except IntegrityError:
            pass  # the same file, put by another upload at the same moment

    def get(self, key: str) -> Blob | None:
        if not KEY.fullmatch(key):
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(media_blobs.c.data, media_blobs.c.type).where(media_blobs.c.key == key)
            ).first()
        return None if row is None else Blob(bytes(row.data), row.type)

    def keys(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(select(media_blobs.c.key)).scalars())


def make_blobs(storage: str, directory: Path, engine: Engine) -> Blobs:
    return DatabaseBlobs(engine) if storage == "database" else DirectoryBlobs(directory)


# Rows


def find_media(conn: Connection, media_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(media).where(media.c.id == media_id)).mappings().first()
    return None if row is None else dict(row)


def find_many(conn: Connection, ids: set[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    rows = conn.execute(select(media).where(media.c.id.in_(ids))).mappings()
    return {row["id"]: dict(row) for row in rows}


def insert_media(conn: Connection, row: Mapping[str, Any], now: datetime) -> bool:
    """False when a row of that id is there already (the same file, uploaded before)."""
    if find_media(conn, row["id"]) is not None:
        return False
    conn.execute(insert(media).values(**row, created_at=now))
    return True
