"""A reader page costs one render per change of its blog, and none for a matching ETag."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from liveline.app import create_app
from liveline.config import Settings
from liveline.model import Blog
from liveline.web.pagecache import PageCache
from tests.harness import auth, make_token


def blog_at(seq: int, blog_id: int = 1) -> Blog:
    blog = Blog.__new__(Blog)
    object.__setattr__(blog, "id", blog_id)
    object.__setattr__(blog, "last_seq", seq)
    return blog


def test_concurrent_misses_wait_for_one_render() -> None:
    cache = PageCache(max_bytes=1 << 20)
    renders = 0

    async def render() -> bytes:
        nonlocal renders
        renders += 1
        await asyncio.sleep(0.05)
        return b"<html>"

    async def main() -> list[bytes]:
        return await asyncio.gather(*(cache.page(blog_at(3), "v", render) for _ in range(100)))

    assert asyncio.run(main()) == [b"<html>"] * 100
    assert renders == cache.renders == 1


def test_a_newer_seq_replaces_the_blogs_older_pages_and_the_bound_holds() -> None:
    cache = PageCache(max_bytes=100)

    async def main() -> None:
        async def page(size: int) -> bytes:
            return b"x" * size

        await cache.page(blog_at(1), "a", lambda: page(40))
        await cache.page(blog_at(1), "b", lambda: page(40))
        assert len(cache) == 2
        await cache.page(blog_at(2), "a", lambda: page(40))
        assert len(cache) == 1 and cache.size == 40  # seq 1's pages are gone
        await cache.page(blog_at(2, blog_id=2), "a", lambda: page(70))
        assert cache.size <= 100
        await cache.page(blog_at(2, blog_id=3), "a", lambda: page(500))  # too big to keep
        assert cache.size <= 100

    asyncio.run(main())


def test_a_failed_render_fails_its_waiters_and_is_not_kept() -> None:
    cache = PageCache(max_bytes=1 << 20)

    async def broken() -> bytes:
        await asyncio.sleep(0.01)
        raise ValueError("bad cursor")

    async def main() -> list[object]:
        return await asyncio.gather(
            *(cache.page(blog_at(1), "v", broken) for _ in range(3)), return_exceptions=True
        )

    assert all(isinstance(r, ValueError) for r in asyncio.run(main()))
    assert len(cache) == 0


@pytest.fixture
def app_settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url)


def test_100_concurrent_requests_for_an_unchanged_blog_render_it_once(
    app_settings: Settings,
) -> None:
    token = make_token(app_settings, "maria", "editor")
    app = create_app(app_settings)

    async def main() -> None:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                made = await client.post(
                    "/api/blogs", json={"slug": "storm", "title": "Storm"}, headers=auth(token)
                )
                assert made.status_code == 201
                for n in range(3):
                    await client.post(
                        "/api/blogs/storm/posts",
                        json={"headline": f"Update {n}", "body": "Winds **rise**."},
                        headers=auth(token),
                    )
                pages = app.state.page_cache
                before = pages.renders
                answers = await asyncio.gather(*(client.get("/blogs/storm") for _ in range(100)))
                assert {a.status_code for a in answers} == {200}
                assert len({a.text for a in answers}) == 1
                assert pages.renders == before + 1
                etag = answers[0].headers["etag"]
                again = await client.get("/blogs/storm", headers={"If-None-Match": etag})
                assert again.status_code == 304 and pages.renders == before + 1
                # A publish moves the seq: the next request renders the page anew, with it.
                await client.post(
                    "/api/blogs/storm/posts",
                    json={"headline": "Landfall", "body": "It is here."},
                    headers=auth(token),
                )
                fresh = await client.get("/blogs/storm", headers={"If-None-Match": etag})
                assert fresh.status_code == 200 and "Landfall" in fresh.text
                assert pages.renders == before + 2

    asyncio.run(main())


def test_a_bad_order_is_refused_and_head_answers_like_get(client: TestClient) -> None:
    token = make_token_for(client)
    client.post("/api/blogs", json={"slug": "calm", "title": "Calm"}, headers=auth(token))
    refused = client.get("/blogs/calm?order=sideways")
    assert refused.status_code == 422 and "order" in refused.text
    got, head = client.get("/blogs/calm/embed?order=oldest"), client.head("/blogs/calm/embed")
    assert got.status_code == head.status_code == 200 and head.content == b""
    assert client.get("/blogs/nowhere").status_code == 404


def make_token_for(client: TestClient) -> str:
    return make_token(client.app.state.settings, "ed", "editor")  # type: ignore[attr-defined]
