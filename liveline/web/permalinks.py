"""Links that land: a post's own page, and the live page opened at the page holding a post.

`GET /blogs/{slug}/posts/{id}` is what a share button hands out: a page of its own (title,
canonical URL, Open Graph, JSON-LD) that a social network can preview and a reader can read,
with a way into the live blog at that post. `GET /blogs/{slug}?post={id}` is that way in:
the live page cut where the post falls (see `landing.cursor_for`), scrolled to it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from liveline.formats.embeds import with_cards
from liveline.formats.feeds import blog_url
from liveline.formats.jsonld import script_safe_json
from liveline.formats.language import language
from liveline.model import Blog, Post
from liveline.web.branding import site_for
from liveline.web.caching import conditional
from liveline.web.landing import live_path, post_path
from liveline.web.reader import protected
from liveline.web.render import RenderCache, blog_view, post_view
from liveline.web.urls import public_base_url, vary_on_host

router = APIRouter(include_in_schema=False)
DESCRIPTION_CHARS = 200


@router.get("/blogs/{slug}/posts/{post_id}")
async def post_page(slug: str, request: Request, post_id: int = Path(ge=1, lt=2**31)) -> Response:
    state = request.app.state
    blog = await run_in_threadpool(state.service.blogs.get, slug)
    probe = conditional(request, blog, Response())
    if probe.status_code == 304:
        return vary_on_host(request, probe)
    post = await run_in_threadpool(state.service.posts.published, blog, post_id)
    cache: RenderCache = state.render_post.cache
    base_url = public_base_url(request)
    embeds = state.service.embeds

    def render() -> str:
        view = post_view(post.to_json(), blog.timezone, blog.organization, cache, blog.language)
        # Embeds' cards, as on the blog's page (a player only once the reader asks for it).
        answers = embeds.answers(embeds.urls_of([post]))
        view["body_html"] = Markup(with_cards(str(view["body_html"]), embeds.providers, answers))
        text = cache.text(post)
        canonical = base_url + post_path(blog, post.id)
        return str(
            state.templates.get_template("post.html").render(
                blog=blog_view(blog),
                post=view,
                canonical=canonical,
                description=summary(text),
                live_url=live_path(blog.slug, post.id),
                image=og_image(post, base_url),
                jsonld=Markup(post_jsonld(blog, post, canonical, base_url, text)),
                site=site_for(state.templates.globals["site"], blog),
                language=language(blog.language),
            )
        )

    html = await run_in_threadpool(render)
    return vary_on_host(
        request,
        conditional(request, blog, protected(request, HTMLResponse(html), embeddable=False)),
    )


def og_image(post: Post, base_url: str) -> str | None:
    """The post's first photo as an absolute URL (a preview card needs one), if it has one."""
    url = next((image.url for image in post.images if image.url), None)
    return base_url + url if url and url.startswith("/") else url


def summary(text: str) -> str:
    """The first words of a post, for link previews: whole words, an ellipsis if cut."""
    words = " ".join(text.split())
    if len(words) <= DESCRIPTION_CHARS:
        return words
    return words[:DESCRIPTION_CHARS].rsplit(" ", 1)[0] + "…"


def post_jsonld(blog: Blog, post: Post, canonical: str, base_url: str, text: str) -> str:
    """schema.org BlogPosting for one post, part of its blog's LiveBlogPosting."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "@id": canonical,
        "url": canonical,
        "headline": post.headline,
        "inLanguage": blog.language,
        "articleBody": text,
        "author": [{"@type": "Person", "name": name} for name in post.authors],
        "dateModified": post.updated_at.isoformat(),
        "isPartOf": {
            "@type": "LiveBlogPosting",
            "@id": blog_url(base_url, blog),
            "headline": blog.title,
        },
    }
    if post.published_at is not None:
        data["datePublished"] = post.published_at.isoformat()
    images = [image.url for image in post.images if image.url]
    if images:
        data["image"] = images
    if blog.organization:
        data["publisher"] = {"@type": "Organization", "name": blog.organization}
    return script_safe_json(data)
