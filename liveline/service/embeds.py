"""Embeds: after a post is published, ask each new embed's provider about it, in the
background, and keep the answer. Publishing never waits on a provider; one that is slow or
unreachable leaves a plain link card (its answer is kept as null, and asked again later).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
from anyio import to_thread

from liveline.formats import embeds
from liveline.formats.richtext import render_markdown
from liveline.model import Post
from liveline.service.unit import Tx, UnitOfWork
from liveline.store import embeds as rows

log = logging.getLogger(__name__)


class Embeds:
    def __init__(
        self, unit: UnitOfWork, providers: tuple[embeds.Provider, ...], timeout: float = 3.0
    ) -> None:
        self._unit = unit
        self.providers = providers
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 2.0))
        self._tasks: set[asyncio.Task[None]] = set()
        # Bumped as each answer is kept: pages rendered before it show a link card where a
        # full card can now go, so the page cache keys on it. (Another process's answers
        # reach this one's pages at the blog's next change.)
        self.generation = 0

    def answers(self, urls: list[str]) -> dict[str, dict[str, Any] | None]:
        return self._unit.read(lambda conn: rows.answers(conn, urls))

    def urls_of(self, posts: list[Post]) -> list[str]:
        found: list[str] = []
        for post in posts:
            found += embeds.embed_urls(render_markdown(post.body), self.providers)
        return found

    def fetch_later(self, post: Post) -> None:
        """Ask the providers of the post's embeds, in the background (call on the loop)."""
        urls = embeds.embed_urls(render_markdown(post.body), self.providers)
        if urls:
            task = asyncio.create_task(self._fetch_all(urls))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def settled(self) -> None:
        """Wait for the background asks (tests; shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _fetch_all(self, urls: list[str]) -> None:
        known = await to_thread.run_sync(self.answers, urls)
        async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client:
            for url in urls:
                if known.get(url) is not None:
                    continue
                provider = embeds.provider_of(url, self.providers)
                if provider is None:
                    continue
                answer = await _ask(client, provider, url)

                def save(
                    tx: Tx, url: str = url, name: str = provider.name, answer: Any = answer
                ) -> None:
                    rows.save(tx.conn, url, name, answer, tx.now)

                await to_thread.run_sync(self._unit.write_quietly, save)
                self.generation += 1


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
