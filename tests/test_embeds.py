"""Embeds against a real oEmbed provider that the test runs on loopback: nothing leaves."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from liveline.app import create_app
from liveline.config import Settings
from liveline.formats.embeds import embed_urls, load_providers
from liveline.formats.richtext import render_markdown
from tests.harness import auth, make_token

EVIL = (
    '<script>alert(1)</script><blockquote onclick="steal()">Quoted <b>post</b></blockquote>'
    '<iframe src="{origin}/player/1" onload="steal()" width="560" height="315"></iframe>'
    '<iframe src="https://evil.example/frame"></iframe><img src=x onerror="steal()">'
)


class Provider(ThreadingHTTPServer):
    asked: list[str]
    arrived: threading.Event


class Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        url = query.get("url", [""])[0]
        self.server.asked.append(url)  # type: ignore[attr-defined]
        origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        body = json.dumps(
            {
                "type": "video",
                "version": "1.0",
                "title": "Flood footage from the bridge",
                "author_name": "Riverton Gazette",
                "html": EVIL.format(origin=origin),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[Provider]:
    server = Provider(("127.0.0.1", 0), Answer)
    server.asked = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def providers_file(tmp_path: Path, port: int) -> Path:
    origin = f"http://127.0.0.1:{port}"
    path = tmp_path / "providers.json"
    data = {
        "providers": [
            {
                "name": "Loopback Video",
                "patterns": [rf"^http://127\.0\.0\.1:{port}/v/[0-9]+$"],
                "endpoint": f"{origin}/oembed",
                "frames": [origin],
            }
        ]
    }
    path.write_text(json.dumps(data))
    return path


def client_for(database_url: str, tmp_path: Path, port: int) -> TestClient:
    settings = Settings(
        database_url=database_url,
        media_dir=str(tmp_path / "media"),
        embed_providers=str(providers_file(tmp_path, port)),
        embed_timeout_seconds=20,  # a loaded machine can keep the loopback provider past 3 s
    )
    return TestClient(create_app(settings))


def publish(client: TestClient, body: str) -> tuple[float, int]:
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    headers = auth(make_token(settings, "ana", "editor"))
    assert client.post("/api/blogs", json={"title": "Floods", "slug": "floods"}, headers=headers)
    started = time.monotonic()
    answer = client.post(
        "/api/blogs/floods/posts", json={"headline": "Video", "body": body}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    return time.monotonic() - started, answer.json()["id"]


def page_when(client: TestClient, text: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while True:
        html = client.get("/blogs/floods").text
        if text in html or time.monotonic() > deadline:
            return html
        time.sleep(0.1)


def test_the_built_in_list_knows_the_usual_providers() -> None:
    providers = load_providers()
    names = {provider.name for provider in providers}
    assert {"X", "YouTube", "Vimeo", "Instagram", "Facebook", "TikTok", "Bluesky", "Mastodon",
            "Threads", "SoundCloud", "Spotify"} <= names  # fmt: skip
    body = (
        "Watch this:\n\nhttps://www.youtube.com/watch?v=abc123\n\n"
        "Inline https://vimeo.com/1 is a link, not an embed.\n\n"
        "https://example.com/not-a-provider\n\n<https://x.com/someone/status/123>\n"
    )
    found = embed_urls(render_markdown(body), providers)
    assert found == ["https://www.youtube.com/watch?v=abc123", "https://x.com/someone/status/123"]


def test_a_card_from_the_provider_with_its_html_sanitised(
    database_url: str, tmp_path: Path, provider: Provider
) -> None:
    port = provider.server_address[1]
    url = f"http://127.0.0.1:{port}/v/7"
    with client_for(database_url, tmp_path, port) as client:
        publish(client, f"The bridge this morning:\n\n{url}\n\nMore soon.")
        html = page_when(client, "Flood footage from the bridge")
        policy = client.get("/blogs/floods").headers["content-security-policy"]
    assert provider.asked == [url]
    assert "Flood footage from the bridge" in html and "Riverton Gazette" in html
    assert "Loopback Video" in html and f'href="{url}"' in html
    card = html[html.index('<aside class="embed-card"') : html.index("</aside>")]
    assert "<template>" in card and "embed-card__load" in card
    for bad in ("<script", "onload", "onerror", "onclick", "evil.example", "<img src=x"):
        assert bad not in card, bad
    assert f'<iframe src="http://127.0.0.1:{port}/player/1"' in card
    assert f"frame-src http://127.0.0.1:{port}" in policy


def test_with_the_provider_stopped_the_post_publishes_at_once_with_a_link_card(
    database_url: str, tmp_path: Path
) -> None:
    stopped = Provider(("127.0.0.1", 0), Answer)
    port = stopped.server_address[1]
    stopped.server_close()  # nothing listens there now
    url = f"http://127.0.0.1:{port}/v/9"
    with client_for(database_url, tmp_path, port) as client:
        took, _ = publish(client, f"{url}\n")
        assert took < 1.0
        time.sleep(0.5)  # the ask, refused at once, runs meanwhile
        html = client.get("/blogs/floods").text
    card = html[html.index('<aside class="embed-card"') : html.index("</aside>")]
    assert f'href="{url}"' in card and "Open on Loopback Video" in card
    assert "<template>" not in card  # nothing to load: a plain link card, never a blank box


def test_the_stream_fragment_shows_a_link_card_at_once(database_url: str, tmp_path: Path) -> None:
    with client_for(database_url, tmp_path, 9) as client:
        publish(client, "http://127.0.0.1:9/v/1\n")
        renderer = client.app.state.render_post  # type: ignore[attr-defined]
        blog = client.app.state.service.blogs.get("floods")  # type: ignore[attr-defined]
        post = client.get("/api/blogs/floods/posts").json()["posts"][0]
        html = renderer(post, blog)
    assert '<aside class="embed-card"' in html and "Open on Loopback Video" in html
