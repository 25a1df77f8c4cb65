"""What an imported text becomes in the store, and what it must fit before it gets there."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from liveline.errors import Invalid
from liveline.formats.richtext import paragraphs_to_markdown
from liveline.formats.textparse import ParsedBlog, ParsedPost
from liveline.model import PostStatus

# The longest text each column holds; PostgreSQL refuses more, SQLite would keep it silently.
LIMITS = {"title": 300, "headline": 500, "name": 200, "location": 200}


def check_fits(parsed: ParsedBlog) -> None:
    """An imported text is refused whole, with the line, rather than cut or half-stored."""
    texts = [("the title", "title", parsed.title)]
    texts += [("the byline", "name", name) for name in (*parsed.authors, parsed.organization or "")]
    for post in parsed.posts:
        where = f"the post at line {post.line}"
        texts += [(where, "headline", post.headline), (where, "location", post.location or "")]
        texts += [(where, "name", name) for name in (*post.authors, *post.contributors)]
    for where, what, text in texts:
        if len(text) > LIMITS[what]:
            raise Invalid(
                f"{where}: a {what} of {len(text)} characters is longer than the "
                f"{LIMITS[what]} Liveline keeps ({text[:40]}…)",
                field=what,
            )


def blog_values(parsed: ParsedBlog) -> dict[str, Any]:
    return {
        "title": parsed.title,
        "authors": list(parsed.authors),
        "organization": parsed.organization,
        "timezone": parsed.timezone,
    }


def post_values(parsed_post: ParsedPost, now: datetime) -> dict[str, Any]:
    return {
        "headline": parsed_post.headline,
        # Rich sources (lists, WordPress HTML) bring their own Markdown; plain text has paragraphs.
        "body": (
            parsed_post.body
            if parsed_post.body is not None
            else paragraphs_to_markdown(parsed_post.paragraphs)
        ),
        "authors": list(parsed_post.authors),
        "location": parsed_post.location,
        "contributors": list(parsed_post.contributors),
        "images": [
            {
                "url": image.url,
                "caption": image.caption,
                "credit": image.credit,
                "alt": image.caption,
            }
            for image in parsed_post.images
        ],
        "status": PostStatus.PUBLISHED,
        "pinned": False,
        "key_event": parsed_post.key_event,
        "published_at": parsed_post.published,
        "created_at": now,
        "updated_at": now,
    }
