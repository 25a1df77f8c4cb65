"""Turns blogs and posts into HTML: whole pages, and the one-post fragments the stream carries."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from liveline.formats import aptime
from liveline.formats.richtext import render_markdown
from liveline.model import Blog

TEMPLATES = Path(__file__).parent / "templates"


def make_templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["names"] = aptime.join_names
    return env


def post_view(post: dict[str, Any], timezone: str, organization: str | None) -> dict[str, Any]:
    """A post's JSON plus what a page shows of it: the body as HTML and its time in words."""
    published = post.get("published_at")
    moment = datetime.fromisoformat(published) if published else None
    return {
        **post,
        "body_html": Markup(render_markdown(post["body"])),
        "time_text": aptime.post_time(moment, timezone) if moment else "",
        "byline": byline(post, organization),
    }


def byline(post: dict[str, Any], organization: str | None) -> str:
    """ "From CNN's Niamh Kennedy in London", or "From Ana Ruiz" for a blog with no outlet."""
    names = aptime.join_names(post.get("authors") or [])
    if not names:
        return ""
    who = f"{organization}'s {names}" if organization else names
    location = post.get("location")
    return f"From {who} in {location}" if location else f"From {who}"


def blog_view(blog: Blog) -> dict[str, Any]:
    return {
        **blog.to_json(),
        "updated_text": "Updated " + aptime.updated_time(blog.updated_at, blog.timezone),
        "byline": blog_byline(blog),
        "count_text": count_text(blog.post_count),
    }


def count_text(count: int) -> str:
    return f"{count} Post" if count == 1 else f"{count} Posts"


def blog_byline(blog: Blog) -> str:
    if not blog.authors:
        return ""
    text = "By " + aptime.join_names(blog.authors)
    return f"{text}, {blog.organization}" if blog.organization else text


class PostRenderer:
    """Renders one post's article fragment, for the page and for the stream alike."""

    def __init__(self, templates: Environment) -> None:
        self._template = templates.get_template("_post.html")

    def __call__(self, post: dict[str, Any], blog: Blog) -> str:
        view = post_view(post, blog.timezone, blog.organization)
        return self._template.render(post=view, blog=blog_view(blog))
