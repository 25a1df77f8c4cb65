"""Reader pages: server-rendered HTML that works without JavaScript."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from liveline.formats.jsonld import live_blog_posting
from liveline.web import landing
from liveline.web.caching import conditional
from liveline.web.render import RenderCache, blog_view, post_view
from liveline.web.urls import public_base_url, vary_on_host

router = APIRouter(include_in_schema=False)


@router.get("/")
async def index(request: Request) -> HTMLResponse:
    blogs = await run_in_threadpool(request.app.state.service.blogs.all)
    html = request.app.state.templates.get_template("index.html").render(
        blogs=[blog_view(blog) for blog in blogs]
    )
    return protected(HTMLResponse(html), embeddable=False)


@router.get("/blogs/{slug}")
async def blog_page(
    slug: str,
    request: Request,
    order: Literal["newest", "oldest"] = "newest",
    cursor: str | None = None,
    post: int | None = Query(default=None, ge=1, lt=2**31),
    filter: Literal["key"] | None = None,
) -> Response:
    return await _page(request, slug, order, cursor, embed=False, post=post, only=filter)


@router.get("/blogs/{slug}/embed")
async def blog_embed(
    slug: str,
    request: Request,
    order: Literal["newest", "oldest"] = "newest",
    cursor: str | None = None,
    post: int | None = Query(default=None, ge=1, lt=2**31),
    filter: Literal["key"] | None = None,
) -> Response:
    return await _page(request, slug, order, cursor, embed=True, post=post, only=filter)


async def _page(
    request: Request,
    slug: str,
    order: str,
    cursor: str | None,
    *,
    embed: bool,
    post: int | None = None,
    only: str | None = None,
) -> Response:
    state = request.app.state
    blog = await run_in_threadpool(state.service.blogs.get, slug)
    # The ETag is the blog's last seq (plus the query): a matching If-None-Match is answered
    # before any post is loaded or rendered, as the feeds do.
    probe = conditional(request, blog, Response())
    if probe.status_code == 304:
        return probe if embed else vary_on_host(request, probe)
    key_only = only == "key"
    if post is not None:  # a link to a post: the page that holds it (see landing.py)
        cursor = await landing.cursor_for(
            request, blog, post, newest_first=order == "newest", key_only=key_only
        )
    key_events = await landing.key_events(request, blog)
    pinned, posts, next_cursor = await run_in_threadpool(
        lambda: state.service.posts.page(
            blog,
            newest_first=order == "newest",
            cursor=cursor,
            limit=state.settings.page_size,
            key_only=key_only,
        )
    )
    cache: RenderCache = state.render_post.cache
    base_url = public_base_url(request)

    def render() -> str:
        # Bodies come from the render cache (each rendered once per version); the template
        # and JSON-LD are still CPU work, so all of it runs in the thread pool.
        views = [
            post_view(post.to_json(), blog.timezone, blog.organization, cache)
            for post in (*pinned, *posts)
        ]
        jsonld = "" if embed else live_blog_posting(blog, [*pinned, *posts], base_url, cache.text)
        return str(
            state.templates.get_template("embed.html" if embed else "blog.html").render(
                blog=blog_view(blog),
                pinned=views[: len(pinned)],
                posts=views[len(pinned) :],
                order=order,
                cursor=cursor,
                next_cursor=next_cursor,
                embed=embed,
                key_events=key_events,
                filter=only,
                focus=post,
                # Already escaped for a <script> element (see formats.jsonld); not re-escaped.
                jsonld=Markup(jsonld),
            )
        )

    html = await run_in_threadpool(render)
    ancestors = state.settings.embed_origins if embed else None
    response = conditional(
        request, blog, protected(HTMLResponse(html), embeddable=embed, ancestors=ancestors)
    )
    return vary_on_host(request, response) if not embed else response


def protected(
    response: HTMLResponse, *, embeddable: bool, ancestors: str | None = None
) -> HTMLResponse:
    """Pages run only our own script and styles; photos may come from anywhere over https.
    The embed page may be framed by the sites LIVELINE_EMBED_ORIGINS names (any, unset);
    the others by none but ours."""
    frames = (ancestors or "*") if embeddable else "'self'"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' https: data:; object-src 'none'; "
        f"base-uri 'none'; form-action 'self'; frame-ancestors {frames}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response
