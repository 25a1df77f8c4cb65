"""schema.org LiveBlogPosting for a reader page, so search engines can show the blog as live."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from html.parser import HTMLParser
from typing import Any

from liveline.formats import pictures
from liveline.formats.feeds import blog_url, post_url, utc
from liveline.formats.richtext import render_markdown
from liveline.model import Blog, Post

# Inside <script> the HTML parser ends the element at the first "</script", whatever JSON thinks.
# Escaping these as \u003c etc. is still the same JSON, and leaves no markup for HTML to see.
# U+2028/9 go too: harmless in JSON, but some tools feed JSON-LD through a JavaScript parser.
SCRIPT_UNSAFE = re.compile("[<>&\u2028\u2029]")

BLOCK_TAGS = {"p", "li", "h3", "h4", "blockquote"}
BREAK_TAGS = {"br", "hr"}  # void: they never close


def live_blog_posting(
    blog: Blog,
    posts: Sequence[Post],
    base_url: str,
    text: Callable[[Post], str] | None = None,
) -> str:
    """The page's JSON-LD, ready to sit between <script type="application/ld+json"> tags.
    `text` gives a post's body as plain text (a render cache); by default it is rendered."""
    url = blog_url(base_url, blog)
    body_text = text or (lambda post: plain_text(post.body))
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "@id": url,
        "headline": blog.title,
        "inLanguage": blog.language,
        "url": url,
        "datePublished": utc(blog.created_at).isoformat(),
        "dateModified": utc(blog.updated_at).isoformat(),
        "coverageStartTime": utc(blog.created_at).isoformat(),
        "author": _people(blog.authors),
        "liveBlogUpdate": [_update(blog, post, base_url, body_text(post)) for post in posts],
    }
    if not blog.is_open:  # closing the blog is its last change
        data["coverageEndTime"] = utc(blog.updated_at).isoformat()
    if blog.organization:
        data["publisher"] = {"@type": "Organization", "name": blog.organization}
    lead = pictures.lead_image(posts)
    if lead is not None:
        data["image"] = pictures.image_object(lead, base_url, blog.organization)
    return script_safe_json(data)


def script_safe_json(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return SCRIPT_UNSAFE.sub(lambda match: f"\\u{ord(match[0]):04x}", text)


def plain_text(markdown: str) -> str:
    """A body as the words a reader sees: sanitised HTML with the tags taken out."""
    return html_text(render_markdown(markdown))


def html_text(html: str) -> str:
    """Rendered (sanitised) body HTML as its words, block by block."""
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    return "\n\n".join(parser.blocks())


def _update(blog: Blog, post: Post, base_url: str, body_text: str) -> dict[str, Any]:
    update: dict[str, Any] = {
        "@type": "BlogPosting",
        "headline": post.headline,
        "url": post_url(base_url, blog, post),
        "articleBody": body_text,
        "author": _people(post.authors),
        "dateModified": utc(post.updated_at).isoformat(),
    }
    if post.published_at is not None:
        update["datePublished"] = utc(post.published_at).isoformat()
    shown = [image for image in post.images if image.url or image.renditions]
    if shown:
        update["image"] = [
            pictures.image_object(image, base_url, blog.organization) for image in shown
        ]
    return update


def _people(names: Sequence[str]) -> list[dict[str, str]]:
    return [{"@type": "Person", "name": name} for name in names]


class _TextOnly(HTMLParser):
    """Collects text block by block (entities come back decoded); a soft line break inside a
    paragraph is only a space, as a browser shows it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._done: list[str] = []
        self._current: list[str] = []

    def handle_data(self, data: str) -> None:
        self._current.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BREAK_TAGS:
            self._end_block()

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self._end_block()

    def blocks(self) -> list[str]:
        self._end_block()
        return self._done

    def _end_block(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self._done.append(text)
        self._current = []
