"""Backups: a consistent copy of the whole database, taken while the server runs, and back.

SQLite: the online backup API (sqlite3.Connection.backup) copies the database as one read
transaction sees it, so writers carry on (WAL) and the copy holds every committed write up to
its start and nothing half-done. It is written beside the target and renamed into place, so a
failed backup never leaves a file that looks whole. PostgreSQL: pg_dump's custom format
(itself one consistent snapshot) and pg_restore.

A restore checks the file first (a Liveline database of a schema this release knows), refuses
to overwrite a database that holds anything unless forced, and brings an older schema up to
date afterwards. Stop the servers on a database before restoring into it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from liveline.store.db import MIGRATIONS, make_engine, migrate

LIVELINE_TABLES = {"alembic_version", "blogs", "posts", "events", "users", "tokens"}
CONTENT_TABLES = ("blogs", "posts", "events", "users", "tokens")
# Bookkeeping that schema 0004 added: backups made before it lack it, and it holds no content.
BOOKKEEPING_TABLES = {"log_cursors"}
PG_ARCHIVE_MAGIC = b"PGDMP"  # the first bytes of a pg_dump custom-format archive


class BackupError(Exception):
    """Bad input or a refusal: the message says what to do."""

    @property
    def message(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Checked:
    """What a backup file holds."""

    revision: str
    blogs: int
    posts: int
    events: int


def known_revisions() -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def is_postgres(database_url: str) -> bool:
    return database_url.startswith(("postgresql://", "postgresql+psycopg://"))


def libpq_url(database_url: str) -> str:
    """The URL as pg_dump and psql take it (no SQLAlchemy driver name)."""
    return "postgresql://" + database_url.split("://", 1)[1]


def sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"{database_url}: only a SQLite database in a file can be backed up")
    return Path(database)


# Taking a backup.


def backup(database_url: str, path: Path) -> str:
    """Copy the database to `path` (which must not exist); returns what was done."""
    if path.exists():
        raise BackupError(f"{path}: already exists; choose a new file (a backup never overwrites)")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent}: no such directory")
    if is_postgres(database_url):
        return _pg_dump(database_url, path)
    return _sqlite_backup(sqlite_path(database_url), path)


def _sqlite_backup(source: Path, path: Path) -> str:
    if not source.is_file():
        raise BackupError(f"{source}: no such database (check LIVELINE_DATABASE_URL)")
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        with _open_read_only(source) as src, _close(sqlite3.connect(partial)) as dest:
            # All pages in one step: one read transaction, so one consistent moment, while
            # WAL lets the server go on writing.
            src.backup(dest)
            dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        checked = check_sqlite(partial)
        partial.rename(path)
    except sqlite3.Error as exc:
        raise BackupError(f"{source}: backup failed: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return (
        f"backed up {checked.blogs} blogs, {checked.posts} posts, {checked.events} events "
        f"(schema {checked.revision}) to {path}"
    )


def _pg_dump(database_url: str, path: Path) -> str:
    command = [
        "pg_dump",
        "--format=custom",
        "--file",
        str(path),
        "--dbname",
        libpq_url(database_url),
    ]
    if shutil.which("pg_dump") is None:
        raise BackupError(
            "pg_dump is not on PATH; install the PostgreSQL client tools, or run: "
            + " ".join(command)
        )
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        path.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return f"backed up the PostgreSQL database to {path} (pg_dump custom format)"


# Checking and restoring.


def check_sqlite(path: Path) -> Checked:
    """That `path` is a whole Liveline database of a schema this release knows."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with path.open("rb") as file:
        if file.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{path}: not a Liveline backup (not a SQLite database)")
    try:
        with _open_read_only(path) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            missing = LIVELINE_TABLES - tables
            if missing:
                raise BackupError(
                    f"{path}: not a Liveline database (no {', '.join(sorted(missing))} table)"
                )
            revision = db.execute("SELECT version_num FROM alembic_version").fetchone()
            if revision is None or revision[0] not in known_revisions():
                found = revision[0] if revision else "none"
                raise BackupError(
                    f"{path}: schema {found} is not one this Liveline knows; "
                    "restore it with the release that made it"
                )
            problem = db.execute("PRAGMA quick_check").fetchone()[0]
            if problem != "ok":
                raise BackupError(f"{path}: the database is damaged: {problem}")
            counts = [
                db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("blogs", "posts", "events")
            ]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a readable SQLite database: {exc}") from None
    return Checked(revision[0], *counts)


def restore(database_url: str, path: Path, *, force: bool = False) -> str:
    """Replace the database's contents with the backup at `path`; returns what was done."""
    if is_postgres(database_url):
        return _pg_restore(database_url, path, force=force)
    checked = check_sqlite(path)
    target = sqlite_path(database_url)
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent}: no such directory")
    if not force and _sqlite_holds_anything(target):
        raise BackupError(
            f"{target} is not empty; pass --force to replace everything in it with {path}"
        )
    try:
        with _open_read_only(path) as src, _close(sqlite3.connect(target, timeout=30)) as dest:
            src.backup(dest)  # page by page into the target, under its write lock
            dest.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as exc:
        raise BackupError(f"{target}: restore failed: {exc}") from None
    _bring_up_to_date(database_url)
    return (
        f"restored {checked.blogs} blogs, {checked.posts} posts, {checked.events} events "
        f"from {path} into {target}"
    )


def _pg_restore(database_url: str, path: Path, *, force: bool) -> str:
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with path.open("rb") as file:
        if file.read(5) != PG_ARCHIVE_MAGIC:
            raise BackupError(f"{path}: not a pg_dump custom-format archive")
    url = libpq_url(database_url)
    command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--dbname", url, str(path)]
    if shutil.which("pg_restore") is None:
        raise BackupError(
            "pg_restore is not on PATH; install the PostgreSQL client tools, or run: "
            + " ".join(command)
        )
    if not force and _postgres_holds_anything(url):
        raise BackupError("the PostgreSQL database is not empty; pass --force to replace it")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    _bring_up_to_date(database_url)
    return f"restored {path} into the PostgreSQL database"


def _sqlite_holds_anything(target: Path) -> bool:
    if not target.exists() or target.stat().st_size == 0:
        return False
    try:
        with _open_read_only(target) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            return any(
                db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
                for table in CONTENT_TABLES
                if table in tables
            ) or bool(tables - LIVELINE_TABLES - BOOKKEEPING_TABLES - {"sqlite_sequence"})
    except sqlite3.DatabaseError:
        return True  # something that is not a database: never overwrite it unasked


def _postgres_holds_anything(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            for table in CONTENT_TABLES:
                exists = conn.execute("SELECT to_regclass(%s)", (f"public.{table}",)).fetchone()
                if exists and exists[0] is not None:
                    row = conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
                    if row:
                        return True
    except psycopg.Error as exc:
        raise BackupError(f"cannot open the PostgreSQL database: {exc}") from None
    return False


def _bring_up_to_date(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()


class _close:
    """A sqlite3 connection that is closed on leaving (its own context manager only commits)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *_exc: object) -> None:
        self.connection.close()


def _open_read_only(path: Path) -> _close:
    return _close(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30))
