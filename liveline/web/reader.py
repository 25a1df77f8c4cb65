"""Reader pages: server-rendered HTML that works without JavaScript."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from liveline.errors import N_, Invalid
from liveline.formats.embeds import frame_origins, with_cards
from liveline.formats.jsonld import live_blog_posting
from liveline.formats.language import language
from liveline.formats.pictures import image_object, lead_image
from liveline.values import parse_seq
from liveline.web import landing
from liveline.web.branding import site_for
from liveline.web.caching import cache_headers, etag, none_match
from liveline.web.pagecache import PageCache
from liveline.web.render import (
    RenderCache,
    blog_view,
    first_image_eager,
    post_view,
    summary_html,
)
from liveline.web.urls import public_base_url, vary_on_host

router = APIRouter(include_in_schema=False)


@router.get("/")
async def index(request: Request) -> HTMLResponse:
    blogs = await run_in_threadpool(request.app.state.service.blogs.all)
    html = request.app.state.templates.get_template("index.html").render(
        blogs=[blog_view(blog) for blog in blogs],
        language=language(request.app.state.settings.default_language),
    )
    return protected(request, HTMLResponse(html), embeddable=False)


# The reader's page and its embed are the requests a big story gets most of: plain routes,
# their two query parameters read by hand, so they skip FastAPI's dependency solving (about a
# third of a cached page's cost). They take no part in the API docs anyway.
async def blog_page(request: Request) -> Response:
    return await _page(request, request.path_params["slug"], *_query(request), embed=False)


async def blog_embed(request: Request) -> Response:
    return await _page(request, request.path_params["slug"], *_query(request), embed=True)


def _query(request: Request) -> tuple[str, str | None, int | None, str | None]:
    """order, cursor, post (?post=ID: the page that holds it) and filter (?filter=key)."""
    query = request.query_params
    order = query.get("order", "newest")
    if order not in ("newest", "oldest"):
        raise Invalid(N_("order must be newest or oldest"), field="order")
    post = query.get("post")
    post_id = None if post is None else parse_seq(post, "post")  # digits, within a row id
    if post_id is not None and post_id < 1:
        raise Invalid(N_("post must be a post's id"), field="post")
    only = query.get("filter")
    if only not in (None, "key"):
        raise Invalid(N_("filter must be key"), field="filter")
    return order, query.get("cursor"), post_id, only


router.add_route("/blogs/{slug}", blog_page, methods=["GET"], include_in_schema=False)
router.add_route("/blogs/{slug}/embed", blog_embed, methods=["GET"], include_in_schema=False)


async def _page(
    request: Request,
    slug: str,
    order: str,
    cursor: str | None,
    post: int | None,
    only: str | None,
    *,
    embed: bool,
) -> Response:
    state = request.app.state
    blog = await state.blog_heads.get(slug)  # see pagecache.BlogHeads: no store read per request
    # The ETag is the blog's last seq (plus the query): a matching If-None-Match is answered
    # before any post is loaded or rendered, as the feeds do.
    query = request.scope.get("query_string", b"")
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and none_match(if_none_match, etag(blog, query)):
        not_modified = Response(status_code=304, headers=cache_headers(request, blog))
        return not_modified if embed else vary_on_host(request, not_modified)
    key_only = only == "key"
    if post is not None:  # a link to a post: the page that holds it (see landing.py)
        cursor = await landing.cursor_for(
            request, blog, post, newest_first=order == "newest", key_only=key_only
        )
    base_url = public_base_url(request)
    embeds = state.service.embeds

    def render() -> bytes:
        # Bodies come from the render cache (each rendered once per version); the template
        # and JSON-LD are still CPU work, so all of it runs in the thread pool.
        pinned, posts, next_cursor = state.service.posts.page(
            blog,
            newest_first=order == "newest",
            cursor=cursor,
            limit=state.settings.page_size,
            key_only=key_only,
        )
        cache: RenderCache = state.render_post.cache
        key_events = landing.key_event_list(state, blog)
        urls = embeds.urls_of([*pinned, *posts])
        answers = embeds.answers(urls)
        pending = any(url not in answers for url in urls)  # asked, not yet answered
        views = [
            post_view(post.to_json(), blog.timezone, blog.organization, cache, blog.language)
            for post in (*pinned, *posts)
        ]
        first_image_eager(views)
        for view in views:  # embeds' cards: after the cache, as their answers come later
            view["body_html"] = Markup(
                with_cards(str(view["body_html"]), embeds.providers, answers)
            )
        jsonld = "" if embed else live_blog_posting(blog, [*pinned, *posts], base_url, cache.text)
        lead = lead_image([*pinned, *posts])
        template = state.templates.get_template("embed.html" if embed else "blog.html")
        html: str = template.render(
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
            lead=None if lead is None else image_object(lead, base_url),
            page_url=f"{base_url}/blogs/{blog.slug}",
            summary=summary_html(blog.summary),
            site=site_for(state.templates.globals["site"], blog),
            quiet_ms=quiet_ms(state.settings.stream_heartbeat_seconds),
            language=language(blog.language),
        )
        return _pack([post.id for post in (*pinned, *posts)], html, pending)

    # The page once per change of the blog, whatever the number of readers asking for it.
    pages: PageCache = state.page_cache
    variant = (embed, order, cursor, base_url, only, post, embeds.generation)
    # The same page for the same query: the response made for the first reader, as it was.
    ready_key = (blog.id, blog.last_seq, variant, query)
    ready = pages.ready(ready_key)
    if ready is not None:
        return ReadyResponse(*ready)
    shown, pending, html = _unpack(
        await pages.page(blog, variant, lambda: run_in_threadpool(render))
    )
    if pending:  # an embed's card is still to come: the next reader gets a fresh render
        pages.forget(blog.id)
    # The blog's key and each shown post's: any change purges the blog's (service.purging).
    tags = cache_headers(request, blog, shown)
    response = HTMLResponse(html, headers={**tags, **security_headers(request, embed)})
    if not embed:
        vary_on_host(request, response)
    if not pending:
        pages.keep_ready(ready_key, html, response.raw_headers)
    return response


class ReadyResponse(Response):
    """A page's response made before: its body and encoded headers, sent as they are."""

    def __init__(self, body: bytes, raw_headers: list[tuple[bytes, bytes]]) -> None:
        self.status_code = 200
        self.body = body
        self.background = None
        self.raw_headers = list(raw_headers)  # a middleware may add to its own copy


# A stream that shows no heartbeat for this many of the server's intervals after opening is
# held back by something on the way (a buffering proxy): the page polls instead (live.js).
QUIET_BEATS = 3


def quiet_ms(heartbeat_seconds: float) -> int:
    return int(heartbeat_seconds * QUIET_BEATS * 1000) + 1000  # and a second for the wire


def _pack(shown: list[int], html: str, pending: bool) -> bytes:
    """A rendered page as the page cache keeps it: whether an embed's answer is still to come
    and the ids of the posts it shows (for its surrogate keys) on a first line, then the HTML."""
    head = ("P" if pending else "F") + ",".join(map(str, shown))
    return head.encode() + b"\n" + html.encode()


def _unpack(packed: bytes) -> tuple[list[int], bool, bytes]:
    head, _, html = packed.partition(b"\n")
    return [int(n) for n in head[1:].split(b",") if n], head[:1] == b"P", html


def protected(request: Request, response: HTMLResponse, *, embeddable: bool) -> HTMLResponse:
    """Pages run only our own script and styles; photos come from our /media/ ('self'), the
    CDN in front of it (LIVELINE_MEDIA_ORIGIN, which may be plain http in development), or
    anywhere over https. The embed page may be framed by the sites LIVELINE_EMBED_ORIGINS
    names (any, unset); the others by ours."""
    response.headers.update(security_headers(request, embeddable))
    return response


def security_headers(request: Request, embeddable: bool) -> dict[str, str]:
    """Made once per app: a cached page is answered with a few dictionary look-ups."""
    state = request.app.state
    made: dict[bool, dict[str, str]] | None = getattr(state, "security_headers", None)
    if made is None:
        origin = state.settings.media_origin
        frames_from = frame_origins(state.service.embeds.providers)
        ancestors = state.settings.embed_origins
        made = {e: _security_headers(e, origin, frames_from, ancestors) for e in (False, True)}
        state.security_headers = made
    return made[embeddable]


def _security_headers(
    embeddable: bool, media_origin: str | None, frames_from: list[str], ancestors: str = "*"
) -> dict[str, str]:
    frames = ancestors if embeddable else "'self'"  # the embed: LIVELINE_EMBED_ORIGINS
    images = f"'self' {media_origin} https: data:" if media_origin else "'self' https: data:"
    # Embedded players, once a reader asks for one: only the configured providers' origins.
    frame_src = " ".join(frames_from) or "'none'"
    return {
        "Content-Security-Policy": (
            f"default-src 'self'; img-src {images}; frame-src {frame_src}; object-src 'none'; "
            f"base-uri 'none'; form-action 'self'; frame-ancestors {frames}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }
