"""Fuzzing: schemathesis against the app's own OpenAPI document, with a valid token, and
hypothesis on every query parameter and header the server reads. Nothing may answer 5xx,
and every answer must be what the document says (issue 8: the proof that stays).

Examples are bounded so that the module runs in well under a minute on a shared machine.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from liveline.app import create_app
from liveline.config import Settings
from liveline.model import Role
from tests.conftest import COLLECTED
from tests.harness import auth

SLUG = "storm"
FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,  # the same bounded examples each run, nothing kept between runs
)


# schemathesis reads the document when the module is collected, so its app is made then
# (making one touches no database). It starts and stops that app around every call it
# makes: the hypothesis tests get an app of their own on the same database.
WORKDIR = tempfile.TemporaryDirectory(prefix="liveline-fuzz-")
SETTINGS = Settings(database_url=f"sqlite:///{Path(WORKDIR.name) / 'liveline.db'}")
APP = create_app(SETTINGS)
# The stream never ends on its own: its inputs are fuzzed below, through HEAD.
schema = schemathesis.openapi.from_dict(APP.openapi()).exclude(path="/blogs/{slug}/events")
schema.app = APP


@pytest.fixture(scope="module")
def fuzz_client() -> Iterator[TestClient]:
    """The app, started, with an editor whose token every request carries, and a blog and a
    post to aim at."""
    app = create_app(SETTINGS)
    with WORKDIR, TestClient(app) as client:
        service = app.state.service
        service.accounts.add_user("fuzzer", Role.EDITOR)
        token = service.accounts.create_token("fuzzer")
        client.headers.update(auth(token))
        made = client.post("/api/blogs", json={"slug": SLUG, "title": "Storm"})
        assert made.status_code == 201, made.text
        post = client.post(f"/api/blogs/{SLUG}/posts", json={"headline": "Winds", "body": "Gusts"})
        assert post.status_code == 201, post.text
        yield client


@schema.parametrize()
@FUZZ
def test_the_api_never_fails_and_answers_as_documented(case: Any, fuzz_client: TestClient) -> None:
    case.call_and_validate(
        headers=dict(fuzz_client.headers.items()),
        checks=[not_a_server_error, response_schema_conformance],
    )


# What a client may put in a header: any Latin-1 text without line breaks, or raw bytes.
HEADER_TEXT = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60
)
HEADER_VALUE = st.one_of(
    HEADER_TEXT.map(lambda text: text.encode("latin-1")),
    st.binary(max_size=40).filter(lambda raw: not set(raw) & set(b"\r\n\x00")),
    st.sampled_from(["²", "٣", "１", "9" * 4301, '"' + "9" * 20 + '"', 'W/"3"']).map(str.encode),
)
QUERY_VALUE = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["²", "٣", "+5", "-1", "0", "2147483647", "2147483648", "9" * 4301, "", " "]),
)


def no_5xx(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:300])


@given(since=QUERY_VALUE, limit=QUERY_VALUE)
@FUZZ
def test_polling_takes_any_since_and_limit(fuzz_client: TestClient, since: str, limit: str) -> None:
    no_5xx(fuzz_client.get(f"/api/blogs/{SLUG}/events", params={"since": since}))
    no_5xx(fuzz_client.get(f"/api/blogs/{SLUG}/events", params={"since": "0", "limit": limit}))


@given(since=QUERY_VALUE, last_event_id=HEADER_VALUE)
@FUZZ
def test_the_stream_takes_any_since_and_last_event_id(
    fuzz_client: TestClient, since: str, last_event_id: bytes
) -> None:
    # HEAD reads both as GET does, and answers at once instead of streaming.
    stream = f"/blogs/{SLUG}/events"
    no_5xx(fuzz_client.head(stream, params={"since": since}))
    no_5xx(fuzz_client.head(stream, headers=[(b"Last-Event-ID", last_event_id)]))


@given(cursor=QUERY_VALUE, order=QUERY_VALUE, limit=QUERY_VALUE)
@FUZZ
def test_the_post_list_takes_any_cursor_order_and_limit(
    fuzz_client: TestClient, cursor: str, order: str, limit: str
) -> None:
    posts = f"/api/blogs/{SLUG}/posts"
    for params in ({"cursor": cursor}, {"order": order}, {"limit": limit}):
        no_5xx(fuzz_client.get(posts, params=params))


@given(if_match=HEADER_VALUE, if_none_match=HEADER_VALUE, key=HEADER_VALUE)
@FUZZ
def test_writes_and_reads_take_any_if_match_if_none_match_and_idempotency_key(
    fuzz_client: TestClient, if_match: bytes, if_none_match: bytes, key: bytes
) -> None:
    post = fuzz_client.get(f"/api/blogs/{SLUG}/posts").json()["posts"][0]
    path = f"/api/blogs/{SLUG}/posts/{post['id']}"
    no_5xx(fuzz_client.patch(path, json={"pinned": False}, headers=[(b"If-Match", if_match)]))
    for read in (f"/api/blogs/{SLUG}", f"/blogs/{SLUG}", f"/api/blogs/{SLUG}/events"):
        no_5xx(fuzz_client.get(read, headers=[(b"If-None-Match", if_none_match)]))
    made = fuzz_client.post(
        f"/api/blogs/{SLUG}/posts",
        json={"headline": "Retry", "body": "Once"},
        headers=[(b"Idempotency-Key", key)],
    )
    no_5xx(made)


def test_every_operation_is_fuzzed_as_a_test_of_its_own() -> None:
    """Each operation's test has an id of its own: under xdist, which hands tests out by id,
    operations that shared one were run once between them (conftest's `_one_id_per_test`)."""
    prefix = f"tests/test_fuzz.py::{test_the_api_never_fails_and_answers_as_documented.__name__}"
    fuzzed = [node_id for node_id in COLLECTED if node_id.startswith(prefix)]
    operations = [operation for operation in schema.get_all_operations() if operation.ok()]
    assert len(set(fuzzed)) == len(fuzzed) == len(operations) > 10, fuzzed
