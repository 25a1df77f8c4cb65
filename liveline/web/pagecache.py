"""A reader page rendered once per change of its blog, and the blog's head read once a while.

A page request needs two things: the blog's row (its last seq says whether anything changed)
and, unless the reader's If-None-Match matches, the page's HTML. Neither should cost work
for each request of a big story's thousands:

- `BlogHeads` keeps each blog's row for a moment (`HEAD_SECONDS`), and drops it as soon as
  this process hears of an event of the blog (the broker's doorbell, which for a write made
  in this process rings before its response is sent). The moment is the safety net for a
  doorbell that does not ring, such as a write from the command line or a late message from
  another node: a page is then at most that much behind, well within `Cache-Control`.
- `PageCache` keeps rendered pages by (blog, last seq, variant), bounded in bytes. Concurrent
  misses of one key wait for a single render (single flight): a hundred readers arriving at
  once for a page that just changed cost one render, not a hundred.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

from liveline.broker import Broker
from liveline.model import Blog, Event

HEAD_SECONDS = 1.0  # how long a blog's row may serve requests without a look at the store
MAX_HEADS = 4096  # blogs whose rows are kept (each holds one broker subscription)


class BlogHeads:
    """Blogs by slug, as recently read, forgotten on their next event."""

    def __init__(
        self, broker: Broker, read: Callable[[str], Awaitable[Blog]], seconds: float = HEAD_SECONDS
    ) -> None:
        self._broker = broker
        self._read = read
        self._seconds = seconds
        self._heads: OrderedDict[str, tuple[Blog, float]] = OrderedDict()
        self._slugs: dict[int, str] = {}  # blog id -> slug, for the doorbell
        self._unsubscribe: dict[int, Callable[[], None]] = {}

    async def get(self, slug: str) -> Blog:
        found = self._heads.get(slug)
        if found is not None and found[1] > time.monotonic():
            return found[0]
        blog = await self._read(slug)  # raises NotFound for a blog that is not there
        self._keep(blog)
        return blog

    def _keep(self, blog: Blog) -> None:
        self._heads[blog.slug] = (blog, time.monotonic() + self._seconds)
        self._heads.move_to_end(blog.slug)
        if blog.id not in self._unsubscribe:
            self._slugs[blog.id] = blog.slug
            self._unsubscribe[blog.id] = self._broker.subscribe(blog.id, self._on_event)
        while len(self._heads) > MAX_HEADS:
            _, (dropped, _) = self._heads.popitem(last=False)
            self._slugs.pop(dropped.id, None)
            self._unsubscribe.pop(dropped.id, lambda: None)()

    def _on_event(self, event: Event) -> None:
        slug = self._slugs.get(event.blog_id)
        if slug is not None:
            self._heads.pop(slug, None)

    def close(self) -> None:
        for unsubscribe in self._unsubscribe.values():
            unsubscribe()
        self._unsubscribe.clear()
        self._heads.clear()


READY_RESPONSES = 256
ReadyKey = tuple[int, int, Hashable, bytes]  # blog id, seq, variant, raw query string
Ready = tuple[bytes, list[tuple[bytes, bytes]]]  # body, encoded headers


class PageCache:
    """Rendered pages, `max_bytes` at most (least recently used go first; 0 keeps none).
    A page is kept under its blog's id and last seq: a later change makes a new key, and the
    first page stored at a newer seq drops the blog's older ones."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.renders = 0  # pages actually rendered: what tests and metrics watch
        self._pages: OrderedDict[tuple[int, int, Hashable], bytes] = OrderedDict()
        self._bytes = 0
        self._rendering: dict[tuple[int, int, Hashable], asyncio.Future[bytes]] = {}
        self._seqs: dict[int, int] = {}  # blog id -> the newest seq stored
        # Whole responses (body and encoded headers) by (blog, seq, variant, raw query): a
        # reader's request for an unchanged page is then a look-up. Bounded by its count.
        self._ready: dict[ReadyKey, Ready] = {}

    @property
    def size(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._pages)

    async def page(
        self, blog: Blog, variant: Hashable, render: Callable[[], Awaitable[bytes]]
    ) -> bytes:
        if self.max_bytes == 0:  # no cache: every request renders (what benchmarks measure)
            self.renders += 1
            return await render()
        key = (blog.id, blog.last_seq, variant)
        found = self._pages.get(key)
        if found is not None:
            self._pages.move_to_end(key)
            return found
        waiting = self._rendering.get(key)
        if waiting is not None:
            return await asyncio.shield(waiting)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._rendering[key] = future
        try:
            html = await render()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when no one waits
            raise
        finally:
            del self._rendering[key]
        self.renders += 1
        future.set_result(html)
        self._store(key, html)
        return html

    def ready(self, key: ReadyKey) -> Ready | None:
        """The response made for this (blog id, seq, variant, query) before, if any."""
        return self._ready.get(key)

    def keep_ready(self, key: ReadyKey, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
        if self.max_bytes == 0:
            return
        if len(self._ready) >= READY_RESPONSES:
            self._ready.clear()  # the pages of blogs that changed since go with the rest
        self._ready[key] = (body, headers)

    def forget(self, blog_id: int) -> None:
        """Drop a blog's pages: one of them shows something not final yet."""
        for old in [k for k in self._pages if k[0] == blog_id]:
            self._bytes -= len(self._pages.pop(old))
        for done in [k for k in self._ready if k[0] == blog_id]:
            del self._ready[done]

    def _store(self, key: tuple[int, int, Hashable], html: bytes) -> None:
        blog_id, seq, _ = key
        if len(html) > self.max_bytes or seq < self._seqs.get(blog_id, 0):
            return
        if seq > self._seqs.get(blog_id, 0):
            self._seqs[blog_id] = seq
            for old in [k for k in self._pages if k[0] == blog_id and k[1] < seq]:
                self._bytes -= len(self._pages.pop(old))
        self._pages[key] = html
        self._bytes += len(html)
        while self._bytes > self.max_bytes:
            _, dropped = self._pages.popitem(last=False)
            self._bytes -= len(dropped)
