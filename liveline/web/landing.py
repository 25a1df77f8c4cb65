"""The live page opened at a post, and its key-events box: what the reader page adds for
links that land (`?post=`) and for key events (`?filter=key`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from liveline.errors import NotFound
from liveline.model import Blog, Post
from liveline.web.render import RenderCache, post_view

KEY_EVENTS_SHOWN = 50  # a long day's key events; older ones are a "Key events only" page away


def post_path(blog: Blog | dict[str, Any], post_id: int) -> str:
    """A post's own page: the link a share button hands out."""
    slug = blog["slug"] if isinstance(blog, dict) else blog.slug
    return f"/blogs/{slug}/posts/{post_id}"


def live_path(slug: str, post_id: int) -> str:
    """The live page at this post: the link a key event or a post's own page gives."""
    return f"/blogs/{slug}?post={post_id}#post-{post_id}"


async def cursor_for(
    request: Request, blog: Blog, post_id: int, *, newest_first: bool, key_only: bool
) -> str | None:
    """The cursor of the live page holding this post (None: the first page, which is also
    where a link to a post since taken down, or one the key-events filter hides, lands)."""
    service = request.app.state.service
    limit = request.app.state.settings.page_size

    def find() -> str | None:
        try:
            post = service.posts.published(blog, post_id)
        except NotFound:  # taken down since the link was shared: the blog is still there
            return None
        if key_only and not post.key_event:  # not on any page of the filter: its first page
            return None
        cursor: str | None = service.posts.cursor_holding(
            blog, post.id, newest_first=newest_first, key_only=key_only, limit=limit
        )
        return cursor

    return await run_in_threadpool(find)


def key_event_list(state: Any, blog: Blog) -> list[dict[str, Any]]:
    """The key-events box (read from the store: run it in the thread pool, as pages render)."""
    posts = state.service.posts.key_events(blog, KEY_EVENTS_SHOWN)
    return key_event_views(posts, blog, state.render_post.cache)


def key_event_views(posts: list[Post], blog: Blog, cache: RenderCache) -> list[dict[str, Any]]:
    """The key-events box: each key post's time (the clock, without the date) and headline."""
    views = []
    for post in posts:
        view = post_view(post.to_json(), blog.timezone, blog.organization, cache, blog.language)
        views.append({**view, "clock": short_time(view["time_text"])})
    return views


def short_time(time_text: str) -> str:
    """ "2:20 p.m. ET" of "2:20 p.m. ET, February 7, 2022" (live.js cuts it the same way)."""
    return time_text.split(",", 1)[0]
