"""The `liveline` command as a newsroom uses it: parse, import, accounts; errors say what to fix.

Commands run in the test's process (`invoke_cli`), where an unhandled exception fails the
test; the few tests about the process itself (`python -m liveline`: its exit status, and
that stderr holds one line and no traceback) run it as one (`run_cli`).
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from liveline.config import Settings
from tests.harness import (
    SEED,
    SEED_FIXTURE,
    LiveServer,
    auth,
    invoke_cli,
    needs_seed,
    run_cli,
)

SMALL_BLOG = """\
Storm watch

By Ana Ruiz, Liveline Desk

9:05 p.m. ET, July 1, 2023

Shelters open across the county

From Liveline Desk's Ana Ruiz in Calder Bay

Twelve shelters opened on Saturday evening.

8:40 p.m. ET, July 1, 2023

Winds pick up

Gusts reached 60 mph on the coast.
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"LIVELINE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}


def stored(env: dict[str, str]) -> dict[str, list[dict]]:
    """Every row of the tables that hold what readers see, read with plain sqlite3."""
    db = sqlite3.connect(env["LIVELINE_DATABASE_URL"].removeprefix("sqlite:///"))
    db.row_factory = sqlite3.Row
    try:
        return {
            table: [dict(row) for row in db.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
            for table in ("blogs", "posts", "events")
        }
    finally:
        db.close()


def refused(result, code: int = 2) -> str:
    """A refusal: the exit code, nothing on stdout, one clear message and no traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    return result.stderr


# liveline parse


@needs_seed
def test_parse_prints_the_seed_as_json_and_stores_nothing(env, tmp_path: Path) -> None:
    result = invoke_cli("parse", str(SEED), env=env)

    assert json.loads(result.stdout) == json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    assert not (tmp_path / "cli.db").exists()


BAD_FILES = {
    "empty": (b"", 1),
    "blank lines only": (b"\n\n   \n", 1),
    "binary": (b"Storm watch\n\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", 3),
    "no time line": (b"Storm watch\n\nBy Ana Ruiz, Liveline Desk\n\nThe mayor spoke.\n", 5),
    "bad date": (b"Storm watch\n\n9:05 p.m. ET, February 30, 2023\n\nShelters open\n", 3),
    "bad time": (b"Storm watch\n\n29:05 p.m. ET, July 1, 2023\n\nShelters open\n", 3),
}


@pytest.mark.parametrize(("content", "line"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_parse_names_the_file_and_line_it_cannot_read(
    env, tmp_path: Path, content: bytes, line: int
) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes(content)

    result = invoke_cli("parse", str(path), env=env, check=False)

    message = refused(result)
    assert message.startswith(f"error: {path}:{line}: ")
    assert "expected" in message  # and what it expected there
    assert result.stdout == ""


def test_parse_of_a_missing_file_says_so(env, tmp_path: Path) -> None:
    # A real `python -m liveline`: its exit status, and one line on stderr, no traceback.
    missing = tmp_path / "nowhere.txt"

    message = refused(run_cli("parse", str(missing), env=env, check=False))

    assert str(missing) in message
    assert "No such file" in message
    # A folder is refused the same way; in this process (the exit and stderr of one are
    # checked above), where an unhandled exception would fail the test.
    assert "cannot read" in refused(invoke_cli("parse", str(tmp_path), env=env, check=False))


# liveline import


@needs_seed
def test_import_refuses_a_taken_slug_and_leaves_it_as_it_was(env) -> None:
    first = invoke_cli("import", str(SEED), "--slug", "seed", env=env)
    assert "imported 9 posts into /blogs/seed" in first.stdout
    before = stored(env)

    again = invoke_cli("import", str(SEED), "--slug", "seed", env=env, check=False)

    assert again.returncode != 0
    assert "--replace" in refused(again, again.returncode)
    assert stored(env) == before


@needs_seed
def test_import_with_replace_replaces_the_posts(env, tmp_path: Path) -> None:
    invoke_cli("import", str(SEED), "--slug", "seed", env=env)
    old_ids = {post["id"] for post in stored(env)["posts"]}
    small = tmp_path / "small.txt"
    small.write_text(SMALL_BLOG, encoding="utf-8")

    invoke_cli("import", str(small), "--slug", "seed", "--replace", env=env)

    rows = stored(env)
    [blog] = rows["blogs"]
    assert (blog["slug"], blog["title"]) == ("seed", "Storm watch")
    old = [post for post in rows["posts"] if post["id"] in old_ids]
    assert {post["status"] for post in old} == {"deleted"}  # soft: the rows remain
    new = [post for post in rows["posts"] if post["id"] not in old_ids]
    assert [(post["headline"], post["status"]) for post in new] == [
        ("Shelters open across the county", "published"),
        ("Winds pick up", "published"),
    ]
    assert [event["seq"] for event in rows["events"]] == list(range(1, 9 + 9 + 2 + 1))


@needs_seed
def test_a_bad_file_never_changes_what_was_stored(env, tmp_path: Path) -> None:
    invoke_cli("import", str(SEED), "--slug", "seed", env=env)
    before = stored(env)
    broken = tmp_path / "broken.txt"
    broken.write_text(SMALL_BLOG.replace("July 1, 2023", "Julember 1, 2023"), encoding="utf-8")

    result = invoke_cli("import", str(broken), "--slug", "seed", "--replace", env=env, check=False)

    assert refused(result).startswith(f"error: {broken}:5: ")
    assert stored(env) == before


# Accounts


def test_a_new_token_is_printed_alone_on_the_last_line_and_works(
    settings: Settings, client: TestClient
) -> None:
    env = {"LIVELINE_DATABASE_URL": settings.database_url}
    invoke_cli("user", "add", "ana", "--role", "editor", env=env)

    result = invoke_cli("token", "create", "ana", "--label", "laptop", env=env)

    token = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"ll_[A-Za-z0-9_-]{40,}", token), result.stdout
    assert "shown once" in result.stderr
    created = client.post("/api/blogs", json={"title": "Storm watch"}, headers=auth(token))
    assert created.status_code == 201, created.text
    other = invoke_cli("token", "create", "ana", env=env).stdout.strip().splitlines()[-1]
    assert other != token


def test_accounts_are_refused_with_a_reason(env) -> None:
    bad_role = invoke_cli("user", "add", "ana", "--role", "chief", env=env, check=False)
    assert bad_role.returncode != 0
    assert "Traceback" not in bad_role.stderr
    assert "reporter" in bad_role.stderr  # names the roles there are

    invoke_cli("user", "add", "ana", env=env)
    assert "already" in refused(invoke_cli("user", "add", "ana", env=env, check=False), 1)
    assert "user add" in refused(invoke_cli("token", "create", "bob", env=env, check=False), 1)
    assert "letters" in refused(invoke_cli("user", "add", "a b!", env=env, check=False), 1)


# Configuration


@needs_seed
@pytest.mark.parametrize(
    "command",
    [
        ("import", str(SEED)),
        ("user", "add", "ana"),
        ("token", "create", "ana"),
    ],
    ids=["import", "user add", "token create"],
)
@pytest.mark.parametrize(
    "url", ["mysql://x", "sqlite:////no/such/directory/liveline.db"], ids=["mysql", "unreachable"]
)
def test_a_bad_database_url_is_named_not_a_traceback(command: tuple[str, ...], url: str) -> None:
    result = invoke_cli(*command, env={"LIVELINE_DATABASE_URL": url}, check=False)

    assert "LIVELINE_DATABASE_URL" in refused(result)


@pytest.mark.parametrize(
    "url", ["mysql://x", "sqlite:////no/such/directory/liveline.db"], ids=["mysql", "unreachable"]
)
def test_a_bad_database_url_stops_the_process_with_one_line(url: str) -> None:
    result = run_cli("user", "add", "ana", env={"LIVELINE_DATABASE_URL": url}, check=False)

    assert "LIVELINE_DATABASE_URL" in refused(result)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_several_workers_without_a_shared_broker_are_refused(tmp_path: Path) -> None:
    env = {"LIVELINE_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}", "LIVELINE_CONSOLE": "false"}
    result = run_cli("serve", "--port", "0", "--workers", "2", env=env, check=False)
    assert result.returncode == 2
    assert "LIVELINE_BROKER_URL=redis://" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_import_with_a_headline_too_long_to_keep_is_refused_whole(tmp_path: Path) -> None:
    env = {"LIVELINE_DATABASE_URL": f"sqlite:///{tmp_path / 'long.db'}"}
    text = tmp_path / "long.txt"
    text.write_text(
        "Storm watch\n\n2:20 p.m. ET, October 3, 2026\n\nShort headline\n\nFirst post.\n\n"
        "2:30 p.m. ET, October 3, 2026\n\n" + "Very long headline " * 40 + "\n\nSecond post.\n",
        encoding="utf-8",
    )
    result = invoke_cli("import", str(text), "--slug", "long", env=env, check=False)
    assert result.returncode == 2
    assert f"{text}: the post at line 9: headline: " in result.stderr
    assert "at most 500 characters" in result.stderr
    assert "Traceback" not in result.stderr
    with sqlite3.connect(tmp_path / "long.db") as db:
        assert db.execute("SELECT count(*) FROM posts").fetchone() == (0,)


# liveline parse: --as-of, --explain, the default time zone

RELATIVE_BLOG = """\
Storm watch

By Ana Ruiz, Liveline Desk

36 min ago

Shelters open across the county

Twelve shelters opened on Saturday evening.
"""


def test_parse_refuses_relative_times_without_as_of_with_the_line(env, tmp_path: Path) -> None:
    path = tmp_path / "relative.txt"
    path.write_text(RELATIVE_BLOG, encoding="utf-8")

    message = refused(invoke_cli("parse", str(path), env=env, check=False))

    assert message.startswith(f"error: {path}:5: ")
    assert "--as-of" in message


def test_parse_with_as_of_in_the_default_time_zone(env, tmp_path: Path) -> None:
    path = tmp_path / "relative.txt"
    path.write_text(RELATIVE_BLOG, encoding="utf-8")
    env = {**env, "LIVELINE_DEFAULT_TIMEZONE": "Europe/Paris"}

    result = invoke_cli("parse", str(path), "--as-of", "2024-07-06T21:00", env=env)

    parsed = json.loads(result.stdout)
    assert parsed["timezone"] == "Europe/Paris"
    assert parsed["posts"][0]["published"] == "2024-07-06T20:24:00+02:00"
    overridden = invoke_cli(
        "parse", str(path), "--as-of", "2024-07-06T21:00", "--timezone", "Asia/Tokyo", env=env
    )
    assert json.loads(overridden.stdout)["posts"][0]["published"] == "2024-07-06T20:24:00+09:00"
    assert "unknown" in refused(
        invoke_cli("parse", str(path), "--timezone", "Mars/Olympus", env=env, check=False)
    )
    assert "--as-of" in refused(
        invoke_cli("parse", str(path), "--as-of", "soon", env=env, check=False)
    )


def test_parse_explain_shows_every_line_and_what_it_became(env, tmp_path: Path) -> None:
    path = tmp_path / "small.txt"
    path.write_text(SMALL_BLOG, encoding="utf-8")

    result = invoke_cli("parse", "--explain", str(path), env=env)

    rows = result.stdout.splitlines()
    assert len(rows) == len(SMALL_BLOG.split("\n"))
    roles = [row.split("|")[0].split(None, 1) for row in rows]
    assert [int(number) for number, *_ in roles] == list(range(1, len(rows) + 1))
    by_text = {row.split("| ", 1)[1] if "| " in row else "": row.split("|")[0] for row in rows}
    assert "title" in by_text["Storm watch"]
    assert "byline" in by_text["By Ana Ruiz, Liveline Desk"]
    assert "time" in by_text["9:05 p.m. ET, July 1, 2023"]
    assert "headline" in by_text["Winds pick up"]
    assert "paragraph" in by_text["Gusts reached 60 mph on the coast."]
    assert all(len(role) == 2 and role[1].strip() != "?" for role in roles)  # all accounted for


def test_import_stores_lists_as_markdown_and_key_events(env, tmp_path: Path) -> None:
    path = tmp_path / "lists.txt"
    path.write_text(
        "Storm watch\n\nBy Ana Ruiz, Liveline Desk\n\n10 min ago\n\nKey event\n\n"
        "Roads closed\n\n- Elm Street\n- Bay Road\n\nDrive with care.\n",
        encoding="utf-8",
    )

    invoke_cli("import", str(path), "--slug", "lists", "--as-of", "2024-07-06T21:00", env=env)

    [post] = stored(env)["posts"]
    assert post["headline"] == "Roads closed"
    assert post["body"] == "- Elm Street\n- Bay Road\n\nDrive with care."
    assert post["key_event"] == 1
    assert post["published_at"] == "2024-07-07 00:50:00.000000"  # 20:50 New York, in UTC


def test_serve_without_a_secret_key_refuses_to_start_the_console(tmp_path: Path) -> None:
    env = {"LIVELINE_DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}"}
    result = run_cli("serve", "--port", "0", env=env, check=False)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()  # one line: what to set, and how to make it
    assert "LIVELINE_SECRET_KEY" in line and "secrets.token_urlsafe" in line
    assert "LIVELINE_CONSOLE=false" in line
    assert not (tmp_path / "k.db").exists()  # refused before the database is touched


def test_a_read_only_replica_serves_readers_with_the_console_turned_off(tmp_path: Path) -> None:
    server = LiveServer(
        f"sqlite:///{tmp_path / 'replica.db'}",
        tmp_path / "replica.log",
        {"LIVELINE_SECRET_KEY": "", "LIVELINE_CONSOLE": "false"},
    )
    server.start()
    try:
        assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200
        for path in ("/login", "/edit", "/edit/x/events"):
            off = httpx.get(server.url + path, timeout=10)
            assert off.status_code == 404, path
            assert "LIVELINE_CONSOLE" in off.text
    finally:
        server.stop()
