"""Reader pages: server-rendered HTML that works without JavaScript."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from liveline.formats.embeds import frame_origins, with_cards
from liveline.formats.jsonld import live_blog_posting
from liveline.formats.pictures import image_object, lead_image
from liveline.web.caching import conditional
from liveline.web.render import RenderCache, blog_view, first_image_eager, post_view
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
    # The ETag is the blog's last seq (plus the query): a matching If-None-Match is answered
    # before any post is loaded or rendered, as the feeds do.
    probe = conditional(request, blog, Response())
    if probe.status_code == 304:
        return probe if embed else vary_on_host(request, probe)
    pinned, posts, next_cursor = await run_in_threadpool(
        lambda: state.service.posts.page(
            blog, newest_first=order == "newest", cursor=cursor, limit=state.settings.page_size
        )
    )
    cache: RenderCache = state.render_post.cache
    providers = state.service.embeds.providers
    answers = await run_in_threadpool(
        lambda: state.service.embeds.answers(state.service.embeds.urls_of([*pinned, *posts]))
    )
    base_url = public_base_url(request)

    def render() -> str:
        # Bodies come from the render cache (each rendered once per version); the template
        # and JSON-LD are still CPU work, so all of it runs in the thread pool.
        views = [
            post_view(post.to_json(), blog.timezone, blog.organization, cache)
            for post in (*pinned, *posts)
        ]
        first_image_eager(views)
        for view in views:  # embeds' cards: after the cache, as their answers come later
            view["body_html"] = Markup(with_cards(str(view["body_html"]), providers, answers))
        jsonld = "" if embed else live_blog_posting(blog, [*pinned, *posts], base_url, cache.text)
        lead = lead_image([*pinned, *posts])
        return str(
            state.templates.get_template("embed.html" if embed else "blog.html").render(
                blog=blog_view(blog),
                pinned=views[: len(pinned)],
                posts=views[len(pinned) :],
                order=order,
                cursor=cursor,
                next_cursor=next_cursor,
                embed=embed,
                # Already escaped for a <script> element (see formats.jsonld); not re-escaped.
                jsonld=Markup(jsonld),
                lead=None if lead is None else image_object(lead, base_url),
                page_url=f"{base_url}/blogs/{blog.slug}",
            )
        )

    html = await run_in_threadpool(render)
    origin = state.settings.media_origin
    page = protected(
        HTMLResponse(html),
        embeddable=embed,
        media_origin=origin,
        frames_from=frame_origins(providers),
    )
    response = conditional(request, blog, page)
    return vary_on_host(request, response) if not embed else response


def protected(
    response: HTMLResponse,
    *,
    embeddable: bool,
    media_origin: str | None = None,
    frames_from: list[str] | None = None,
) -> HTMLResponse:
    """Pages run only our own script and styles; photos come from our /media/ ('self'), the
    CDN in front of it (LIVELINE_MEDIA_ORIGIN, which may be plain http in development), or
    anywhere over https. The embed page may be framed by any site; the others by ours."""
    frames = "*" if embeddable else "'self'"
    images = f"'self' {media_origin} https: data:" if media_origin else "'self' https: data:"
    # Embedded players, once a reader asks for one: only the configured providers' origins.
    frame_src = " ".join(frames_from or ()) or "'none'"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; img-src {images}; frame-src {frame_src}; object-src 'none'; "
        f"base-uri 'none'; form-action 'self'; frame-ancestors {frames}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response
