"""Upgrading a database that newsrooms already use: every migration keeps every row."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from liveline.store.db import MIGRATIONS, make_engine, migrate
from tests.harness import invoke_cli

OLD_ROWS = """
INSERT INTO users (id, name, role, created_at) VALUES (1, 'ana', 'editor', '2026-01-01');
INSERT INTO blogs (id, slug, title, authors, timezone, status, created_at, updated_at, last_seq)
  VALUES (1, 'storm', 'Storm watch', '[]', 'UTC', 'open', '2026-01-01', '2026-01-01', 2);
INSERT INTO posts (id, blog_id, headline, body, authors, contributors, images, status, pinned,
  key_event, published_at, created_at, updated_at, version, author_user_id)
  VALUES (1, 1, 'Winds pick up', 'Gusts.', '[]', '[]', '[]', 'published', 0, 0,
  '2026-01-01', '2026-01-01', '2026-01-01', 2, 1);
INSERT INTO events (blog_id, seq, type, post_id, payload, created_at)
  VALUES (1, 1, 'post.published', 1, '{}', '2026-01-01'),
         (1, 2, 'post.updated', 1, '{}', '2026-01-01');
"""


def test_a_database_from_the_first_release_upgrades_with_its_posts_and_log(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        for statement in filter(str.strip, OLD_ROWS.split(";")):
            connection.execute(text(statement))

    migrate(engine)  # events point at posts: rebuilding posts must not trip over them

    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, headline, version FROM posts")).all() == [
            (1, "Winds pick up", 2)
        ]
        assert connection.execute(text("SELECT seq, post_id FROM events")).all() == [
            (1, 1),
            (2, 1),
        ]
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_a_database_from_a_newer_release_is_refused_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    engine = make_engine(url)
    migrate(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    result = invoke_cli("user", "add", "ana", env={"LIVELINE_DATABASE_URL": url}, check=False)
    assert result.returncode == 2
    assert "newer Liveline" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_migrations_make_exactly_the_tables_tables_py_defines(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from liveline.store.tables import metadata

    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []


def test_a_database_already_at_the_newest_schema_is_checked_with_one_read(
    tmp_path: Path,
) -> None:
    """Every command and every app start migrates: on a current database that is one read of
    its stamp, not Alembic loading every migration to find nothing to do."""
    from sqlalchemy import event

    engine = make_engine(f"sqlite:///{tmp_path / 'current.db'}")
    migrate(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    migrate(engine)
    assert [s for s in statements if not s.startswith(("BEGIN", "PRAGMA"))] == [
        "SELECT version_num FROM alembic_version"
    ]
    engine.dispose()
