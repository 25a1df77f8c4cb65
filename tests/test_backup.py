"""`liveline backup` and `liveline restore`: a backup taken while the server publishes restores
to a consistent database holding every post acknowledged before the backup began.

The commands run in this process (`invoke_cli`): what they print, refuse and exit with is
the same as in a process of their own, where each would first spend a second importing."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from tests.durability import Publisher, audit, open_blog
from tests.harness import CliResult, LiveServer, emptied, invoke_cli
from tests.record import record


def refused(result: CliResult, needle: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert needle in result.stderr, result.stderr


def sqlite_env(path: Path) -> dict[str, str]:
    return {"LIVELINE_DATABASE_URL": f"sqlite:///{path}"}


def test_restore_refuses_a_database_that_holds_anything(tmp_path: Path) -> None:
    source = sqlite_env(tmp_path / "source.db")
    invoke_cli("user", "add", "ana", "--role", "editor", env=source)
    invoke_cli("backup", str(tmp_path / "b.db"), env=source)
    target = sqlite_env(tmp_path / "target.db")
    invoke_cli("user", "add", "other", "--role", "editor", env=target)
    refused(invoke_cli("restore", str(tmp_path / "b.db"), env=target, check=False), "--force")
    invoke_cli("restore", str(tmp_path / "b.db"), "--force", env=target)
    names = [
        row[0] for row in sqlite3.connect(tmp_path / "target.db").execute("SELECT name FROM users")
    ]
    assert names == ["ana"]


def test_backup_and_restore_refuse_bad_input(tmp_path: Path) -> None:
    env = sqlite_env(tmp_path / "live.db")
    refused(invoke_cli("backup", str(tmp_path / "b.db"), env=env, check=False), "no such database")
    invoke_cli("user", "add", "ana", "--role", "editor", env=env)
    (tmp_path / "taken.db").write_text("x")
    taken = invoke_cli("backup", str(tmp_path / "taken.db"), env=env, check=False)
    refused(taken, "already exists")
    refused(invoke_cli("backup", str(tmp_path / "no/dir.db"), env=env, check=False), "no such dir")

    fresh = sqlite_env(tmp_path / "fresh.db")
    refused(invoke_cli("restore", str(tmp_path / "missing.db"), env=fresh, check=False), "no such")
    refused(invoke_cli("restore", str(tmp_path / "taken.db"), env=fresh, check=False), "not a")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE notes (x)").connection.commit()
    refused(invoke_cli("restore", str(other), env=fresh, check=False), "not a Liveline database")

    invoke_cli("backup", str(tmp_path / "b.db"), env=env)
    future = sqlite3.connect(tmp_path / "b.db")
    future.execute("UPDATE alembic_version SET version_num = '9999'")
    future.commit()
    future.close()
    refused(invoke_cli("restore", str(tmp_path / "b.db"), env=fresh, check=False), "schema 9999")
    assert not (tmp_path / "fresh.db").exists() or (tmp_path / "fresh.db").stat().st_size == 0


@pytest.mark.postgres
def test_postgres_backup_and_restore(postgres_database: str, tmp_path: Path) -> None:
    env = {"LIVELINE_DATABASE_URL": emptied(postgres_database)}
    invoke_cli("user", "add", "ana", "--role", "editor", env=env)
    dump = tmp_path / "pg.dump"
    assert "pg_dump" in invoke_cli("backup", str(dump), env=env).stdout
    assert dump.read_bytes().startswith(b"PGDMP")
    refused(invoke_cli("restore", str(dump), env=env, check=False), "--force")
    invoke_cli("user", "add", "later", "--role", "editor", env=env)
    invoke_cli("restore", str(dump), "--force", env=env)
    listed = invoke_cli("token", "create", "ana", env=env)  # ana is back
    assert listed.returncode == 0
    assert invoke_cli("token", "create", "later", env=env, check=False).returncode != 0
    refused(invoke_cli("restore", str(tmp_path / "nope"), env=env, check=False), "no such file")


# Last in the file: its server starts in the background while the tests above run.
def test_a_backup_taken_while_publishing_restores_consistently(
    live_server: LiveServer, tmp_path: Path
) -> None:
    token = live_server.token("desk")
    open_blog(live_server.url, token)
    publisher = Publisher(live_server.url, token)
    publisher.start()
    try:
        while len(publisher.acknowledged()) < 20:
            time.sleep(0.05)
        before = publisher.acknowledged()
        backup = tmp_path / "backup.db"
        result = live_server.cli("backup", str(backup))
        assert "backed up" in result.stdout
        time.sleep(0.3)  # publishing goes on after the backup, too
    finally:
        publisher.stop()
    assert not publisher.errors
    after = publisher.acknowledged()
    assert len(after) > len(before)

    restored = tmp_path / "restored.db"
    result = invoke_cli("restore", str(backup), env=sqlite_env(restored))
    assert "restored" in result.stdout
    found = audit(f"sqlite:///{restored}")
    found.assert_consistent()
    assert set(before.values()) <= set(found.posts), "an acknowledged post is not in the backup"
    assert set(found.posts) <= set(after.values())  # nothing but acknowledged posts
    # The server's own database is whole too, and holds every post.
    live = audit(live_server.database_url)
    live.assert_consistent()
    assert set(live.posts) == set(after.values())
    record(
        "An online backup taken while publishing, restored into a new database (SQLite)",
        tried=f"{len(after)} posts published around the backup, {len(found.posts)} in it",
        lost="nothing: every post acknowledged before the backup is in it, seqs gap-free",
        test="tests/test_backup.py",
    )
