"""Feed routes: a blog's latest posts as Atom, RSS and JSON Feed, cacheable like the pages."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from liveline.formats import feeds
from liveline.model import Blog, Post
from liveline.web.caching import conditional

router = APIRouter(include_in_schema=False)

ATOM = "application/atom+xml"
RSS = "application/rss+xml"
JSON_FEED = "application/feed+json"

Build = Callable[[Blog, list[Post], str], Response]


@router.get("/blogs/{slug}/feed.atom")
async def atom_feed(slug: str, request: Request) -> Response:
    return await _feed(request, slug, lambda *args: Response(feeds.atom(*args), media_type=ATOM))


@router.get("/blogs/{slug}/feed.rss")
async def rss_feed(slug: str, request: Request) -> Response:
    return await _feed(request, slug, lambda *args: Response(feeds.rss(*args), media_type=RSS))


@router.get("/blogs/{slug}/feed.json")
async def json_feed(slug: str, request: Request) -> Response:
    return await _feed(
        request, slug, lambda *args: JSONResponse(feeds.json_feed(*args), media_type=JSON_FEED)
    )


async def _feed(request: Request, slug: str, build: Build) -> Response:
    service = request.app.state.service
    blog = await run_in_threadpool(service.blogs.get, slug)  # NotFound → 404 by the error handlers
    # Feed readers and CDNs revalidate often; answer a matching If-None-Match before reading
    # any posts, since the blog's seq alone decides whether the feed changed.
    probe = conditional(request, blog, Response())
    if probe.status_code == 304:
        return probe
    page = await run_in_threadpool(
        lambda: service.posts.page(blog, newest_first=True, limit=feeds.MAX_ITEMS)
    )
    base_url = str(request.base_url).rstrip("/")
    # Building the XML is CPU work on up to 50 rendered bodies: keep it off the event loop.
    response = await run_in_threadpool(
        build, blog, feeds.feed_posts([*page.pinned, *page.posts]), base_url
    )
    return conditional(request, blog, response)
