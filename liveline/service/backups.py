"""Backups of a whole database: taken while the servers run, restored while they are stopped.

The work is the store's (`store/backup.py`); this is the edges' door to it, so that a bad
path or file reaches them as the service's own refusal, with its reason.
"""

from __future__ import annotations

from pathlib import Path

from liveline.errors import Invalid
from liveline.store import backup as store_backup


def backup(database_url: str, path: Path) -> str:
    """Copy the database to `path` (which must not exist); says what was written."""
    try:
        return store_backup.backup(database_url, path)
    except store_backup.BackupError as exc:
        raise Invalid(exc.message) from None


def restore(database_url: str, path: Path, *, force: bool = False) -> str:
    """Put a backup in place of the database's contents (refused over a database that holds
    anything unless forced); says what was restored."""
    try:
        return store_backup.restore(database_url, path, force=force)
    except store_backup.BackupError as exc:
        raise Invalid(exc.message) from None
