"""From Ctrl+Enter in the console to the post on a reader's screen, with other readers connected.

    python bench/console.py --posts 50 --readers 1000

Starts `liveline serve` on a fresh SQLite database, connects `--readers` idle SSE readers
(raw sockets in a process of their own), opens a reader page and a signed-in desk in
headless Chromium, and for each post types a headline and body and presses Ctrl+Enter;
the reader page notes (a MutationObserver, the browser's own clock) when the post appears.

Baseline, in the same run: the same posts published through the API (one HTTP POST, as a
script or another tool would) to the same reader page. The difference is the console's own
cost: its outbox, the fetch, and the desk reloading.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-for-the-desk"
SECRET = "bench-console-secret-key-0123456789abcdef"
CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"]  # fmt: skip

WATCH = """() => {
  window.arrivals = {};
  const posts = document.getElementById("posts");
  new MutationObserver(() => {
    for (const h of posts.querySelectorAll("article.post h2")) {
      if (!(h.textContent in window.arrivals)) window.arrivals[h.textContent] = Date.now();
    }
  }).observe(posts, {childList: true, subtree: true});
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def idle_readers(port: int, slug: str, count: int, pipe: Connection) -> None:
    """Hold `count` SSE connections open, reading and dropping what comes, until told."""
    import selectors

    selector = selectors.DefaultSelector()
    request = f"GET /blogs/{slug}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(request)
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        sockets.append(sock)
    pipe.send(len(sockets))
    while not pipe.poll():
        for key, _ in selector.select(timeout=0.2):
            try:
                key.fileobj.recv(65536)  # type: ignore[union-attr]
            except OSError:
                selector.unregister(key.fileobj)
    for sock in sockets:
        sock.close()


def pcts(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    at = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50": round(statistics.median(ordered), 1), "p99": round(at(0.99), 1),
            "max": round(ordered[-1], 1), "n": len(ordered)}  # fmt: skip


def start_server(tmp: Path) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    env = {**os.environ, "LIVELINE_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
           "LIVELINE_SECRET_KEY": SECRET, "LIVELINE_MAX_STREAMS_PER_ADDRESS": "0"}  # fmt: skip

    def cli(*argv: str, given: str | None = None) -> str:
        done = subprocess.run([sys.executable, "-m", "liveline", *argv], env=env, input=given,
                              capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
        return done.stdout

    cli("user", "add", "desk", "--role", "editor", "--display-name", "Bench Desk")
    cli("user", "passwd", "desk", given=PASSWORD + "\n")
    token = cli("token", "create", "desk").strip().splitlines()[-1]
    port = free_port()
    log = (tmp / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "liveline", "serve", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    headers = {"Authorization": f"Bearer {token}"}
    made = httpx.post(f"{base}/api/blogs", json={"slug": "bench", "title": "Bench"},
                      headers=headers)  # fmt: skip
    made.raise_for_status()
    return server, base, headers


def arrival(reader: Page, headline: str, timeout: float = 30) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        at = reader.evaluate("(h) => window.arrivals[h]", headline)
        if at is not None:
            return float(at)
        reader.wait_for_timeout(5)
    raise TimeoutError(f"{headline!r} never reached the reader page")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--readers", type=int, default=1000)
    a = parser.parse_args()
    with tempfile.TemporaryDirectory() as where:
        server, base, headers = start_server(Path(where))
        port = int(base.rsplit(":", 1)[1])
        ours, theirs = mp.get_context("fork").Pipe()
        crowd = mp.get_context("fork").Process(
            target=idle_readers, args=(port, "bench", a.readers, theirs), daemon=True
        )
        crowd.start()
        connected = ours.recv()
        results: dict[str, Any] = {"readers": connected, "posts": a.posts}
        try:
            with sync_playwright() as play:
                browser = play.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM)
                reader = browser.new_page()
                reader.goto(f"{base}/blogs/bench")
                reader.evaluate(WATCH)
                # Baseline: the API's own publish, to the same page.
                api = []
                for n in range(a.posts):
                    headline = f"API post {n}"
                    sent = time.time() * 1000
                    body = {"headline": headline, "body": "Gusts."}
                    made = httpx.post(f"{base}/api/blogs/bench/posts", headers=headers, json=body)
                    made.raise_for_status()
                    api.append(arrival(reader, headline) - sent)
                desk = browser.new_page()
                desk.goto(f"{base}/login")
                desk.fill("#name", "desk")
                desk.fill("#password", PASSWORD)
                desk.press("#password", "Enter")
                desk.wait_for_url(f"{base}/edit")
                desk.goto(f"{base}/edit/bench")
                console = []
                for n in range(a.posts):
                    headline = f"Console post {n}"
                    desk.fill("#compose-headline", headline)
                    desk.fill("#compose-body", "Gusts of **60 mph**.")
                    sent = float(desk.evaluate("Date.now()"))
                    desk.press("#compose-body", "Control+Enter")
                    console.append(arrival(reader, headline) - sent)
                    desk.wait_for_url("**/edit/bench?saved=*")
                browser.close()
            results["api_to_reader_ms"] = pcts(api)
            results["console_to_reader_ms"] = pcts(console)
        finally:
            ours.send("stop")
            crowd.join(timeout=10)
            server.terminate()
            server.wait(timeout=30)
    print(f"{connected} other readers connected; {a.posts} posts each way")
    print(f"API publish -> reader page (baseline): {results['api_to_reader_ms']}")
    print(f"console Ctrl+Enter -> reader page:     {results['console_to_reader_ms']}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
