"""Feed routes: a blog's latest posts as Atom, RSS and JSON Feed, cacheable like the pages."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from liveline.formats import feeds
from liveline.model import Blog, Post
from liveline.web.caching import conditional
from liveline.web.render import RenderCache
from liveline.web.urls import public_base_url, vary_on_host

router = APIRouter(include_in_schema=False)

ATOM = "application/atom+xml"
RSS = "application/rss+xml"
JSON_FEED = "application/feed+json"

Build = Callable[[Blog, list[Post], str, feeds.BodyHtml], Response]


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


def render_cache(request: Request) -> RenderCache:
    cache: RenderCache = request.app.state.render_post.cache
    return cache


async def _feed(request: Request, slug: str, build: Build) -> Response:
    service = request.app.state.service
    blog = await run_in_threadpool(service.blogs.get, slug)  # NotFound → 404 by the error handlers
    # Feed readers and CDNs revalidate often; answer a matching If-None-Match before reading
    # any posts, since the blog's seq alone decides whether the feed changed.
    probe = conditional(request, blog, Response())
    if probe.status_code == 304:
        return vary_on_host(request, probe)
    page = await run_in_threadpool(
        lambda: service.posts.page(blog, newest_first=True, limit=feeds.MAX_ITEMS)
    )
    # Building the XML is CPU work on up to 50 bodies (each rendered once per version, then
    # taken from the cache): keep it off the event loop.
    shown = feeds.feed_posts([*page.pinned, *page.posts])
    response = await run_in_threadpool(
        build,
        blog,
        shown,
        public_base_url(request),
        render_cache(request).html,
    )
    return vary_on_host(request, conditional(request, blog, response, [p.id for p in shown]))
