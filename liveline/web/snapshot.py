"""`liveline export-html SLUG DIR`: a closed blog's archive as static files (one HTML page and
its stylesheet) that any plain file server can serve, with no Liveline and no script behind
it: every post on one page, newest first, key events linking to their posts."""

from __future__ import annotations

import shutil
from pathlib import Path

from liveline.formats.language import language
from liveline.model import Post
from liveline.service import Service
from liveline.web.landing import key_event_views
from liveline.web.render import RenderCache, blog_view, make_templates, post_view

STATIC = Path(__file__).parent / "static"
BATCH = 200  # posts read at a time


def write_snapshot(service: Service, slug: str, directory: Path) -> int:
    """Write index.html and liveline.css into `directory`; the number of posts written."""
    blog = service.blogs.get(slug)
    pinned, posts = _everything(service, slug)
    cache = RenderCache()
    keys = [post for post in (*pinned, *posts) if post.key_event]
    keys.sort(key=lambda post: (post.published_at, post.id), reverse=True)
    views = [
        post_view(p.to_json(), blog.timezone, blog.organization, cache, blog.language)
        for p in (*pinned, *posts)
    ]
    html = (
        make_templates()
        .get_template("snapshot.html")
        .render(
            blog=blog_view(blog),
            pinned=views[: len(pinned)],
            posts=views[len(pinned) :],
            key_events=key_event_views(keys, blog, cache),
            snapshot=True,
            language=language(blog.language),
        )
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "index.html").write_text(html, encoding="utf-8")
    shutil.copyfile(STATIC / "liveline.css", directory / "liveline.css")
    return len(views)


def _everything(service: Service, slug: str) -> tuple[list[Post], list[Post]]:
    blog = service.blogs.get(slug)
    pinned, posts, cursor = service.posts.page(blog, limit=BATCH)
    while cursor is not None:
        _, more, cursor = service.posts.page(blog, cursor=cursor, limit=BATCH)
        posts.extend(more)
    return pinned, posts
