"""Embeds: after a post is published (or edited while published), ask each new embed's
provider about it, in the background, and keep the answer. Publishing never waits on a
provider. One that is slow or unreachable leaves a plain link card, and is asked again a few
times, waiting longer each time (`retry_delays`); an ask still to come is kept in the
database, so a restart takes it up again (`resume`). When an answer arrives for a published
post, the post is announced again (a public post.updated event, in one unit of work), so
open reader pages replace its link card with the full card, and caches are purged as for
any change.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any

import httpx
from anyio import to_thread

from liveline.formats import embeds
from liveline.formats.richtext import render_markdown
from liveline.model import Event, EventType, Post, PostStatus
from liveline.service.unit import Tx, UnitOfWork
from liveline.store import embeds as rows

log = logging.getLogger(__name__)
RETRY_DELAYS = (10.0, 60.0, 300.0)  # seconds before the 2nd, 3rd and 4th asks; then no more


class Embeds:
    def __init__(
        self,
        unit: UnitOfWork,
        providers: tuple[embeds.Provider, ...],
        timeout: float = 3.0,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> None:
        self._unit = unit
        self.providers = providers
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 2.0))
        self._claim_seconds = timeout + 1.0  # an ask that takes longer has been given up
        self.retry_delays = retry_delays
        self._tasks: set[asyncio.Task[None]] = set()
        # Bumped as each answer is kept: pages rendered before it show a link card where a
        # full card can now go, so the page cache keys on it (the post.updated event that
        # follows moves the blog's seq too, on every node).
        self.generation = 0
        unit.after_events.append(self._published)

    def answers(self, urls: list[str]) -> dict[str, dict[str, Any] | None]:
        return self._unit.read(lambda conn: rows.answers(conn, urls))

    def urls_of(self, posts: list[Post]) -> list[str]:
        found: list[str] = []
        for post in posts:
            found += embeds.embed_urls(render_markdown(post.body), self.providers)
        return found

    def _published(self, events: list[Event]) -> None:
        """Every write's events: a post readers now see, with embeds, has them asked about."""
        for event in events:
            post = event.payload.get("post")
            if event.type not in (EventType.POST_PUBLISHED, EventType.POST_UPDATED) or not post:
                continue
            if post.get("status") == PostStatus.PUBLISHED and event.post_id is not None:
                self._ask_later(event.blog_id, event.post_id, str(post.get("body") or ""))

    def fetch_later(self, post: Post) -> None:
        """Ask the providers of the post's embeds, in the background (call on the loop)."""
        self._ask_later(post.blog_id, post.id, post.body)

    def _ask_later(self, blog_id: int, post_id: int, body: str) -> None:
        urls = embeds.embed_urls(render_markdown(body), self.providers)
        if urls:
            self._spawn(self._fetch_all(blog_id, post_id, urls))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(work)
        except RuntimeError:  # no loop (the command line): the server asks at its start
            work.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settled(self) -> None:
        """Wait for the background asks (tests; shutdown). Retries waiting are included."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def resume(self) -> None:
        """At start: the asks a stopped server still owed (call on the loop)."""
        waiting = self._unit.read(rows.waiting)
        now = self._unit.clock()
        for row in waiting:
            delay = max(0.0, (row["retry_at"] - now).total_seconds())
            self._spawn(self._retry(row["url"], delay))

    def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def _fetch_all(self, blog_id: int, post_id: int, urls: list[str]) -> None:
        known = await to_thread.run_sync(lambda: self._unit.read(lambda c: rows.states(c, urls)))
        answered = False
        async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client:
            for url in urls:
                state = known.get(url)
                if state is not None and (state["answer"] is not None or state["retry_at"]):
                    continue  # answered, or an ask is already on its way
                answered |= await self._ask_and_keep(client, url, 1, blog_id, post_id)
        if answered:
            await self._announce(blog_id, post_id)

    async def _retry(self, url: str, delay: float) -> None:
        await asyncio.sleep(delay)
        state = await to_thread.run_sync(
            lambda: self._unit.read(lambda c: rows.states(c, [url])).get(url)
        )
        if state is None or state["answer"] is not None or not state["retry_at"]:
            return
        async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client:
            answered = await self._ask_and_keep(
                client, url, state["attempts"] + 1, state["blog_id"], state["post_id"]
            )
        if answered and state["blog_id"] is not None and state["post_id"] is not None:
            await self._announce(state["blog_id"], state["post_id"])

    async def _ask_and_keep(
        self,
        client: httpx.AsyncClient,
        url: str,
        attempt: int,
        blog_id: int | None,
        post_id: int | None,
    ) -> bool:
        """Ask once and keep what was said; a failure schedules the next ask, if any is left.
        True when the provider answered."""
        provider = embeds.provider_of(url, self.providers)
        if provider is None:
            return False

        def claim(tx: Tx) -> None:
            # Kept before asking: a server that stops mid-ask asks again when it starts.
            again = tx.now + timedelta(seconds=self._claim_seconds)
            rows.save(
                tx.conn, url, provider.name, None, tx.now,
                attempts=attempt - 1, retry_at=again, blog_id=blog_id, post_id=post_id,
            )  # fmt: skip

        await to_thread.run_sync(self._unit.write_quietly, claim)
        answer = await _ask(client, provider, url)
        delay = None
        if answer is None and attempt <= len(self.retry_delays):
            delay = self.retry_delays[attempt - 1]

        def save(tx: Tx) -> None:
            retry_at: datetime | None = None if delay is None else tx.now + timedelta(seconds=delay)
            rows.save(
                tx.conn, url, provider.name, answer, tx.now,
                attempts=attempt, retry_at=retry_at, blog_id=blog_id, post_id=post_id,
            )  # fmt: skip

        await to_thread.run_sync(self._unit.write_quietly, save)
        self.generation += 1
        if delay is not None:
            self._spawn(self._retry(url, delay))
        elif answer is None:
            log.info("embed provider %s gave no answer for %s after %d asks", provider.name,
                     url, attempt)  # fmt: skip
        return answer is not None

    async def _announce(self, blog_id: int, post_id: int) -> None:
        """The post again, to open pages and caches, now that its card can be shown whole:
        only if it is still published (a draft or a deleted post is no one's business)."""

        def again(tx: Tx) -> None:
            tx.lock_blog(blog_id)
            post = tx.store.find_post(tx.conn, blog_id, post_id)
            if post is not None and post.is_visible:
                tx.record_post(post, EventType.POST_UPDATED)

        try:
            await self._unit.write(again)
        except Exception:  # the blog was deleted meanwhile: nothing to tell anyone
            log.exception("could not announce the embed answer for post %s", post_id)


async def _ask(
    client: httpx.AsyncClient, provider: embeds.Provider, url: str
) -> dict[str, Any] | None:
    """The provider's oEmbed answer, or None: no more than MAX_ANSWER_BYTES is read."""
    try:
        async with client.stream(
            "GET", provider.endpoint, params={"url": url, "format": "json", "maxwidth": 640}
        ) as response:
            if response.status_code != 200:
                return None
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > embeds.MAX_ANSWER_BYTES:
                    return None
        answer = json.loads(body)
    except (httpx.HTTPError, ValueError) as exc:
        log.info("embed provider %s did not answer for %s: %s", provider.name, url, exc)
        return None
    return answer if isinstance(answer, dict) else None
