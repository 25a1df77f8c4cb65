from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from tests.harness import LiveServer, auth, make_token


def test_empty_store_lists_no_blogs(client: TestClient) -> None:
    assert client.get("/api/blogs").json() == {"blogs": []}


def test_an_editor_opens_a_blog_and_publishes(client: TestClient, settings) -> None:
    token = make_token(settings, "ed", "editor")
    created = client.post("/api/blogs", json={"title": "Storm watch"}, headers=auth(token))
    assert created.status_code == 201, created.text
    assert created.json()["slug"] == "storm-watch"
    post = client.post(
        "/api/blogs/storm-watch/posts",
        json={"headline": "Winds pick up", "body": "Gusts of **60 mph**."},
        headers=auth(token),
    )
    assert post.status_code == 201, post.text
    assert post.headers["etag"] == '"1"'
    page = client.get("/blogs/storm-watch")
    assert "Winds pick up" in page.text
    assert "<strong>60 mph</strong>" in page.text
    assert "1 Post<" in page.text


def test_serve_demo_from_nothing_serves_the_demo_blog_and_plain_serve_makes_none(
    tmp_path: Path, live_server: LiveServer
) -> None:
    # `python -m liveline serve --demo`, a process started from nothing (not forked): `make
    # run`. Its empty database gets the demo blog, and the desk is there to publish.
    demo = LiveServer(
        f"sqlite:///{tmp_path / 'demo.db'}", tmp_path / "demo.log",
        extra_args=("--demo", "--demo-interval", "3600"), forked=False,
    )  # fmt: skip
    demo.start()
    try:
        page = httpx.get(f"{demo.url}/blogs/demo")
        assert page.status_code == 200
        assert "<h1" in page.text
    finally:
        demo.stop()
    # A plain `serve` on an empty database leaves it empty: a newsroom's new instance does
    # not open with our fictional story public on its site.
    assert httpx.get(f"{live_server.url}/api/blogs").json() == {"blogs": []}
    assert httpx.get(f"{live_server.url}/blogs/demo").status_code == 404


def test_pages_run_only_our_own_script_and_only_the_embed_may_be_framed(
    client: TestClient, settings
) -> None:
    token = make_token(settings, "ed", "editor")
    client.post("/api/blogs", json={"title": "Storm watch"}, headers=auth(token))
    page = client.get("/blogs/storm-watch")
    embed = client.get("/blogs/storm-watch/embed")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text  # nothing inline for the policy to have to allow


def test_a_stream_opened_while_the_server_shuts_down_is_told_to_come_back(
    client: TestClient,
) -> None:
    client.app.state.fanout.close()
    response = client.get("/blogs/demo/events", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert "shutting down" in response.json()["error"]["message"]
