"""Reader pages: server-rendered HTML that works without JavaScript."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from liveline.formats.jsonld import live_blog_posting
from liveline.web.caching import conditional
from liveline.web.render import blog_view, post_view

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
) -> Response:
    return await _page(request, slug, order, cursor, embed=False)


@router.get("/blogs/{slug}/embed")
async def blog_embed(
    slug: str,
    request: Request,
    order: Literal["newest", "oldest"] = "newest",
    cursor: str | None = None,
) -> Response:
    return await _page(request, slug, order, cursor, embed=True)


async def _page(
    request: Request, slug: str, order: str, cursor: str | None, *, embed: bool
) -> Response:
    state = request.app.state
    blog = await run_in_threadpool(state.service.blogs.get, slug)
    page = await run_in_threadpool(
        lambda: state.service.posts.page(
            blog, newest_first=order == "newest", cursor=cursor, limit=state.settings.page_size
        )
    )
    pinned, posts, next_cursor = page.pinned, page.posts, page.next_cursor
    views = [
        post_view(post.to_json(), blog.timezone, blog.organization) for post in (*pinned, *posts)
    ]
    html = state.templates.get_template("embed.html" if embed else "blog.html").render(
        blog=blog_view(blog),
        pinned=views[: len(pinned)],
        posts=views[len(pinned) :],
        order=order,
        cursor=cursor,
        next_cursor=next_cursor,
        embed=embed,
        # Already escaped for a <script> element (see formats.jsonld); Jinja must not re-escape.
        jsonld=Markup(
            live_blog_posting(blog, [*pinned, *posts], str(request.base_url).rstrip("/"))
        ),
    )
    return conditional(request, blog, protected(HTMLResponse(html), embeddable=embed))


def protected(response: HTMLResponse, *, embeddable: bool) -> HTMLResponse:
    """Pages run only our own script and styles; photos may come from anywhere over https.
    The embed page may be framed by any site; the others by none but ours."""
    frames = "*" if embeddable else "'self'"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' https: data:; object-src 'none'; "
        f"base-uri 'none'; form-action 'self'; frame-ancestors {frames}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response
