"""Input that once reached `int()` or the database unchecked (issue 8, defect 4): every such
value gets a 4xx that names it, never a 500, on SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from liveline.app import create_app
from liveline.cli import serviced
from liveline.config import Settings
from liveline.model import Role
from tests.harness import auth, emptied

# Digits that str.isdigit() takes and int() reads (or cannot): superscript two, Arabic-Indic
# three, a fullwidth one; and forms FastAPI's int would take but no seq is written as.
NOT_ASCII_DIGITS = ["²", "٣", "１", "+5", " 5", "5_000", "5.0", "-1", "2147483648", "9" * 4301]


@pytest.fixture(scope="module")
def migrated_postgres(postgres_database: str) -> str:
    """The session's PostgreSQL database, emptied and migrated once for this module."""
    url = emptied(postgres_database)
    with serviced(Settings(database_url=url)):  # as every command does: it migrates
        pass
    return url


def without_rows(postgres_url: str) -> str:
    """The migrated database as migrating an empty one leaves it: every table but alembic's
    emptied, and every id counting from 1 again (each sequence is its table's own). DELETE,
    in one transaction with the foreign keys' triggers off, is a tenth of TRUNCATE's time
    on tables this small."""
    with psycopg.connect(postgres_url) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables"
            " WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        ).fetchall()
        sequences = conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall()
        conn.execute("SET LOCAL session_replication_role = replica")
        for (table,) in tables:
            conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
        for (sequence,) in sequences:
            conn.execute(sql.SQL("ALTER SEQUENCE {} RESTART").format(sql.Identifier(sequence)))
    return postgres_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app_client(request: pytest.FixtureRequest, database_url: str) -> Iterator[TestClient]:
    """The app on a fresh database: a copy of a migrated SQLite file, or PostgreSQL migrated
    once for the module and emptied of rows for each test (migrating it again from nothing
    took seconds a test)."""
    url = database_url
    if request.param == "postgresql":
        url = without_rows(request.getfixturevalue("migrated_postgres"))
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield client


@pytest.fixture
def editor(app_client: TestClient) -> dict[str, str]:
    service = app_client.app.state.service  # type: ignore[attr-defined]
    service.accounts.add_user("ed", Role.EDITOR)
    return auth(service.accounts.create_token("ed"))


@pytest.fixture
def blog(app_client: TestClient, editor: dict[str, str]) -> str:
    made = app_client.post("/api/blogs", json={"slug": "storm", "title": "Storm"}, headers=editor)
    assert made.status_code == 201, made.text
    return "storm"


@pytest.fixture
def post(app_client: TestClient, editor: dict[str, str], blog: str) -> int:
    made = app_client.post(
        f"/api/blogs/{blog}/posts", json={"headline": "Winds", "body": "Gusts."}, headers=editor
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def refused(response: object, status: int, field: str) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["status"] == status
    assert error.get("field") == field, error


@pytest.mark.parametrize("raw", NOT_ASCII_DIGITS)
def test_since_and_last_event_id_take_only_ascii_digits(
    app_client: TestClient, blog: str, raw: str
) -> None:
    refused(app_client.get(f"/api/blogs/{blog}/events", params={"since": raw}), 422, "since")
    accept = {"Accept": "application/json"}
    stream = f"/blogs/{blog}/events"
    refused(app_client.get(stream, params={"since": raw}, headers=accept), 422, "since")
    if raw.isascii() and raw == raw.strip():  # HTTP strips a header's outer spaces
        got = app_client.get(stream, headers={**accept, "Last-Event-ID": raw})
        refused(got, 422, "Last-Event-ID")


def test_non_ascii_bytes_in_last_event_id_are_refused_by_name(
    app_client: TestClient, blog: str
) -> None:
    for raw in ("²".encode(), "٣".encode(), b"\xb2"):
        got = app_client.get(
            f"/blogs/{blog}/events",
            headers=[(b"Accept", b"application/json"), (b"Last-Event-ID", raw)],
        )
        refused(got, 422, "Last-Event-ID")


def test_a_seq_at_the_bound_is_still_taken(app_client: TestClient, blog: str) -> None:
    got = app_client.get(f"/api/blogs/{blog}/events", params={"since": str(2**31 - 1)})
    assert got.status_code == 200, got.text
    assert got.json()["events"] == []


@pytest.mark.parametrize("if_match", ['"²"', "²", "٣", '"' + "9" * 4301 + '"', "9" * 4301, ""])
def test_if_match_that_is_no_version_is_refused_by_name(
    app_client: TestClient, editor: dict[str, str], blog: str, post: int, if_match: str
) -> None:
    path = f"/api/blogs/{blog}/posts/{post}"
    headers = [*editor.items(), ("If-Match", if_match)]
    encoded = [(k.encode(), v.encode()) for k, v in headers]
    refused(app_client.patch(path, json={"headline": "x"}, headers=encoded), 422, "If-Match")
    refused(app_client.delete(path, headers=encoded), 422, "If-Match")


def test_a_cursor_of_deeply_nested_json_is_refused_by_name(
    app_client: TestClient, blog: str
) -> None:
    for text in ("[" * 3000, '["' + "[" * 140, '[[[[[["a",1]]]]]]', '{"a":' * 30):
        cursor = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
        got = app_client.get(f"/api/blogs/{blog}/posts", params={"cursor": cursor})
        refused(got, 422, "cursor")
    refused(app_client.get(f"/api/blogs/{blog}/posts", params={"cursor": ""}), 422, "cursor")


@pytest.mark.parametrize("zone", ["America", "Etc", "America/", "/etc/passwd", "..", "Etc/../UTC"])
def test_a_folder_of_the_zone_database_is_no_time_zone(
    app_client: TestClient, editor: dict[str, str], blog: str, zone: str
) -> None:
    made = app_client.post("/api/blogs", json={"title": "T", "timezone": zone}, headers=editor)
    refused(made, 422, "timezone")
    refused(app_client.patch(f"/api/blogs/{blog}", json={"timezone": zone}, headers=editor),
            422, "timezone")  # fmt: skip


@pytest.mark.parametrize("field", ["headline", "body", "location"])
def test_a_nul_in_a_text_field_is_refused_by_name(
    app_client: TestClient, editor: dict[str, str], blog: str, field: str
) -> None:
    fields = {"headline": "Winds", "body": "Gusts.", field: "before\x00after"}
    refused(app_client.post(f"/api/blogs/{blog}/posts", json=fields, headers=editor), 422, field)


def test_a_nul_in_a_blog_field_or_name_list_is_refused_by_name(
    app_client: TestClient, editor: dict[str, str]
) -> None:
    for fields, name in (
        ({"title": "A\x00B"}, "title"),
        ({"title": "T", "organization": "\x00"}, "organization"),
        ({"title": "T", "authors": ["Ana\x00"]}, "authors.0"),
        ({"title": "T", "slug": "a\x00b"}, "slug"),
    ):
        refused(app_client.post("/api/blogs", json=fields, headers=editor), 422, name)


@pytest.mark.parametrize(
    "path",
    ["/api/blogs/a%00b", "/api/blogs/a%00b/posts", "/api/blogs/a%00b/events", "/blogs/a%00b",
     "/blogs/a%00b/events", "/blogs/a%00b/feed.atom", "/api/blogs/%00/posts/1"],
)  # fmt: skip
def test_a_nul_in_a_slug_in_the_url_is_a_404(app_client: TestClient, path: str) -> None:
    got = app_client.get(path, headers={"Accept": "application/json"})
    assert got.status_code == 404, got.text


def test_a_poll_reads_the_log_in_small_batches_and_stops_past_its_byte_budget(
    database_url: str,
) -> None:
    settings = Settings(database_url=database_url, poll_max_bytes=20_000)
    with TestClient(create_app(settings)) as client:
        service = client.app.state.service  # type: ignore[attr-defined]
        service.accounts.add_user("ed", Role.EDITOR)
        editor = auth(service.accounts.create_token("ed"))
        client.post("/api/blogs", json={"slug": "storm", "title": "Storm"}, headers=editor)
        for n in range(12):
            body = {"headline": f"Dispatch {n}", "body": "word " * 1_000}  # ~5 KB, ~10 KB framed
            assert (
                client.post("/api/blogs/storm/posts", json=body, headers=editor).status_code == 201
            )
        asked: list[int] = []
        events_since = service.events_since

        def counting(blog_id: int, since: int, limit: int = 500) -> object:
            asked.append(limit)
            return events_since(blog_id, since, limit)

        service.events_since = counting
        seqs: list[int] = []
        since = 0
        while True:
            poll = client.get("/api/blogs/storm/events", params={"since": since, "limit": 500})
            page = poll.json()
            assert len(page["events"]) < 12  # more than one poll it takes
            assert len(poll.content) < 20_000 + 12_000  # the budget, and the header around it
            seqs += [event["seq"] for event in page["events"]]
            if page["last_seq"] == page["head_seq"]:
                break
            since = page["last_seq"]
        assert seqs == list(range(1, 13))
        assert max(asked) <= 20  # never 500 big events in memory at once
