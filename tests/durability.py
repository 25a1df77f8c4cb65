"""Helpers for the backup and crash tests: a publisher that retries with Idempotency-Key, an
SSE follower that reconnects with Last-Event-ID, and an audit of what the database holds."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx
from sqlalchemy import text

from liveline.store.db import make_engine

SLUG = "durable"


def open_blog(url: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    created = httpx.post(
        f"{url}/api/blogs", json={"title": "Durable", "slug": SLUG}, headers=headers, timeout=10
    )
    assert created.status_code == 201, created.text


@dataclass
class Publisher:
    """Publishes posts one after another as fast as the server answers. A post whose answer is
    lost (connection refused or cut: the server was killed) is sent again with the same
    Idempotency-Key until some answer comes, so it is stored at most once."""

    url: str
    token: str
    acked: dict[str, int] = field(default_factory=dict)  # headline -> post id, on 201
    replayed: int = 0  # retries answered with the post made the first time
    attempts: int = 0
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 60) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            assert not self._thread.is_alive(), "the publisher never got an answer"

    def acknowledged(self) -> dict[str, int]:
        with self._lock:
            return dict(self.acked)

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(timeout=httpx.Timeout(10, connect=2)) as client:
            number = 0
            while not self._stop.is_set():
                number += 1
                headline = f"post {number}"
                key = uuid.uuid4().hex
                while True:  # until this post gets an answer, even across restarts
                    self.attempts += 1
                    try:
                        response = client.post(
                            f"{self.url}/api/blogs/{SLUG}/posts",
                            json={"headline": headline, "body": f"Body of {headline}."},
                            headers={**headers, "Idempotency-Key": key},
                        )
                    except httpx.TransportError:
                        time.sleep(0.02)
                        continue
                    if response.status_code == 201:
                        with self._lock:
                            self.acked[headline] = response.json()["id"]
                        if response.headers.get("idempotent-replayed") == "true":
                            self.replayed += 1
                        break
                    if response.status_code in (502, 503, 504):  # shutting down
                        time.sleep(0.02)
                        continue
                    self.errors.append(f"{headline}: {response.status_code} {response.text}")
                    break


@dataclass
class Follower:
    """Reads the blog's SSE stream, reconnecting with Last-Event-ID whenever it is cut."""

    url: str
    events: list[tuple[int, str, int | None]] = field(default_factory=list)  # seq, type, post
    reconnects: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    @property
    def last_seq(self) -> int:
        return self.events[-1][0] if self.events else 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def wait_for(self, seq: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.last_seq < seq and time.monotonic() < deadline:
            time.sleep(0.05)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(15)
        assert self.last_seq >= seq, f"the follower reached seq {self.last_seq}, not {seq}"

    def _run(self) -> None:
        timeout = httpx.Timeout(5, connect=2, read=3)
        while not self._stop.is_set():
            headers = {"Last-Event-ID": str(self.last_seq)}  # 0 at first: from the start
            try:
                with httpx.stream(
                    "GET", f"{self.url}/blogs/{SLUG}/events", headers=headers, timeout=timeout
                ) as response:
                    if response.status_code != 200:
                        time.sleep(0.1)
                        continue
                    self._read(response)
            except (httpx.TransportError, httpx.StreamError):
                pass
            self.reconnects += 1
            time.sleep(0.05)

    def _read(self, response: httpx.Response) -> None:
        seq: int | None = None
        data: list[str] = []
        for line in response.iter_lines():
            if self._stop.is_set():
                return
            if line.startswith("id:"):
                seq = int(line[3:].strip())
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif line == "" and seq is not None and data:
                message = json.loads("\n".join(data))
                post = message.get("post_id") or (message.get("post") or {}).get("id")
                self.events.append((seq, message.get("type", ""), post))
                seq, data = None, []
            elif line == "":
                seq, data = None, []


@dataclass
class Audit:
    posts: dict[int, str]  # id -> headline
    seqs: list[int]
    last_seq: int
    published_events: Counter[int]  # post id -> post.published events
    event_posts_missing: set[int]

    def assert_consistent(self) -> None:
        """Seqs gap-free from 1, the blog's last_seq the newest, posts and events agree."""
        assert self.seqs == list(range(1, len(self.seqs) + 1)), "event seqs have gaps"
        assert self.last_seq == len(self.seqs)
        assert not self.event_posts_missing, "events name posts that are not stored"
        assert set(self.published_events) == set(self.posts), "posts and events disagree"
        assert all(count == 1 for count in self.published_events.values())
        headlines = Counter(self.posts.values())
        assert all(count == 1 for count in headlines.values()), "a post was stored twice"


def audit(database_url: str) -> Audit:
    engine = make_engine(database_url)
    try:
        with engine.connect() as db:
            (blog_id, last_seq) = db.execute(
                text("SELECT id, last_seq FROM blogs WHERE slug = :slug"), {"slug": SLUG}
            ).one()
            posts = {
                row.id: row.headline
                for row in db.execute(
                    text("SELECT id, headline FROM posts WHERE blog_id = :b"), {"b": blog_id}
                )
            }
            events = db.execute(
                text("SELECT seq, type, post_id FROM events WHERE blog_id = :b ORDER BY seq"),
                {"b": blog_id},
            ).all()
    finally:
        engine.dispose()
    published = Counter(row.post_id for row in events if row.type == "post.published")
    missing = {row.post_id for row in events if row.post_id is not None} - set(posts)
    return Audit(posts, [row.seq for row in events], last_seq, published, missing)
