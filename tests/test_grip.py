"""GRIP mode in-process: what a stream request through the proxy is answered with."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from liveline.app import create_app
from liveline.config import Settings
from tests.conftest import auth, make_token

PROXIED = {"Grip-Sig": "signed-by-the-proxy"}


@pytest.fixture
def grip_settings(database_url: str) -> Settings:
    # Nothing listens there: the publisher retries in the background, the holds are ours.
    return Settings(database_url=database_url, grip_url="http://127.0.0.1:9/publish/")


@pytest.fixture
def grip_client(grip_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(grip_settings)) as client:
        editor = auth(make_token(grip_settings, "ed", "editor"))
        assert client.post("/api/blogs", json={"title": "Storm"}, headers=editor).is_success
        for headline in ("one", "two", "three"):
            posted = client.post(
                "/api/blogs/storm/posts", json={"headline": headline, "body": "."}, headers=editor
            )
            assert posted.status_code == 201
        yield client


def ids(body: str) -> list[int]:
    return [int(line[4:]) for line in body.splitlines() if line.startswith("id: ")]


def test_a_proxied_stream_is_held_after_the_replay_of_what_it_missed(
    grip_client: TestClient,
) -> None:
    held = grip_client.get("/blogs/storm/events", headers={**PROXIED, "Last-Event-ID": "1"})
    assert held.status_code == 200
    assert held.headers["grip-hold"] == "stream"
    channel = held.headers["grip-channel"]
    assert channel.startswith("liveline-blog-") and channel.endswith("; prev-id=3")
    assert held.headers["grip-link"] == "</blogs/storm/events>; rel=next"
    assert "format=cstring" in held.headers["grip-keep-alive"]
    assert "content-length" not in held.headers  # or the browser's stream ends here
    assert held.text.startswith("retry: ") and ids(held.text) == [2, 3]


def test_the_proxy_recovering_a_gap_says_where_it_is_with_grip_last(
    grip_client: TestClient,
) -> None:
    first = grip_client.get("/blogs/storm/events?since=0", headers=PROXIED)
    channel = first.headers["grip-channel"].split(";")[0]
    recovered = grip_client.get(
        "/blogs/storm/events",
        headers={**PROXIED, "Grip-Last": f"other-channel; last-id=0, {channel}; last-id=2"},
    )
    assert ids(recovered.text) == [3]
    assert recovered.headers["grip-channel"] == f"{channel}; prev-id=3"


def test_a_new_reader_is_held_from_now(grip_client: TestClient) -> None:
    held = grip_client.get("/blogs/storm/events", headers=PROXIED)
    assert ids(held.text) == [] and held.headers["grip-channel"].endswith("; prev-id=3")
