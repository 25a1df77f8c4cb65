"""GRIP mode in-process: what a stream request through the proxy is answered with."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from liveline.app import create_app
from liveline.config import Settings
from tests.harness import auth, make_token

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
    assert re.fullmatch(r"</blogs/storm/events>; rel=next; timeout=\d+", held.headers["grip-link"])
    assert "format=cstring" in held.headers["grip-keep-alive"]
    assert "content-length" not in held.headers  # or the browser's stream ends here
    assert held.text.startswith("retry: ") and ids(held.text) == [2, 3]


def test_held_streams_are_not_asked_again_together(grip_client: TestClient) -> None:
    # Without a timeout Pushpin re-asks the next link of every stream that had no publish
    # for 120 s, all of a (timeout, path) at once: 10,000 readers of a quiet blog, one burst.
    timeouts = set()
    for _ in range(30):
        link = grip_client.get("/blogs/storm/events", headers=PROXIED).headers["grip-link"]
        timeouts.add(int(link.rpartition("; timeout=")[2]))
    assert min(timeouts) >= 600 and max(timeouts) < 1200  # seldom: the next publish heals
    assert len(timeouts) >= 10  # spread: each hold draws its own


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


class PublishEndpoint:
    """A loopback GRIP publish endpoint that takes a publish only with the right key header
    (as Fastly Fanout or a Pushpin with auth would), and remembers what it was sent."""

    def __init__(self, header: str, value: str) -> None:
        self.header, self.value = header, value
        self.items: list[dict[str, Any]] = []
        self.refused: list[dict[str, str]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get(endpoint.header) != endpoint.value:
                    endpoint.refused.append(dict(self.headers))
                    self.send_response(401)
                else:
                    endpoint.items.extend(json.loads(body)["items"])
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/publish/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 10
        while len(self.items) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.items) >= count, f"published {len(self.items)}, refused {self.refused}"


@pytest.mark.parametrize(
    ("style", "header", "value"),
    [("fastly", "Fastly-Key", "fastly-token-123"), ("bearer", "Authorization", "Bearer pp-456")],
)
def test_each_event_is_published_with_the_key_the_endpoint_asks_for(
    database_url: str, style: str, header: str, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    key = value.removeprefix("Bearer ")
    endpoint = PublishEndpoint(header, value)
    settings = Settings(
        database_url=database_url, grip_url=endpoint.url, grip_key=key, grip_key_header=style
    )
    assert key not in repr(settings) and key not in str(settings.model_dump())
    caplog.set_level(logging.DEBUG)
    try:
        with TestClient(create_app(settings)) as client:
            editor = auth(make_token(settings, "ed", "editor"))
            assert client.post("/api/blogs", json={"title": "Keyed"}, headers=editor).is_success
            posted = client.post(
                "/api/blogs/keyed/posts", json={"headline": "h", "body": "b"}, headers=editor
            )
            assert posted.status_code == 201
            endpoint.wait_for(1)
    finally:
        endpoint.close()
    assert endpoint.refused == []
    assert [item["id"] for item in endpoint.items] == ["1"]
    assert "event: post.published" in endpoint.items[0]["formats"]["http-stream"]["content"]
    assert key not in caplog.text


def test_a_wrong_key_is_refused_and_the_events_wait_in_the_log(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    endpoint = PublishEndpoint("Fastly-Key", "the-right-one")
    settings = Settings(
        database_url=database_url, grip_url=endpoint.url, grip_key="wrong-secret",
        grip_key_header="fastly",
    )  # fmt: skip
    try:
        with TestClient(create_app(settings)) as client:
            editor = auth(make_token(settings, "ed", "editor"))
            assert client.post("/api/blogs", json={"title": "Shut"}, headers=editor).is_success
            posted = client.post(
                "/api/blogs/shut/posts", json={"headline": "h", "body": "b"}, headers=editor
            )
            assert posted.status_code == 201
            deadline = time.monotonic() + 10
            while not endpoint.refused and time.monotonic() < deadline:
                time.sleep(0.05)
            assert endpoint.refused and endpoint.refused[0]["Fastly-Key"] == "wrong-secret"
            assert endpoint.items == []
            assert client.app.state.service.grip.pending()  # type: ignore[attr-defined]
    finally:
        endpoint.close()
    assert "wrong-secret" not in caplog.text
