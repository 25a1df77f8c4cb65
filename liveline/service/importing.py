"""A live blog read from text (`formats.textparse`) or another system, stored whole."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from liveline.errors import Invalid
from liveline.formats.richtext import paragraphs_to_markdown
from liveline.formats.textparse import ParsedBlog, ParsedPost
from liveline.model import Blog, PostStatus
from liveline.service.replacing import WholeBlog, store_whole_blog
from liveline.service.unit import UnitOfWork
from liveline.values import BlogIn, Moment, PostIn, Slug, validate_one


class Importing:
    def __init__(self, unit: UnitOfWork, default_language: str = "en-US") -> None:
        self._unit = unit
        self.default_language = default_language

    async def import_blog(
        self, parsed: ParsedBlog, slug: str, *, replace: bool = False, language: str | None = None
    ) -> Blog:
        """Store a parsed blog under `slug`; refused whole, naming the post's line, if any
        of it does not fit. Without a `language` a new blog takes the instance's default and
        a replaced one keeps its own."""
        slug = validate_one(Slug, slug, "slug")
        blog = _checked(
            lambda: BlogIn(
                title=parsed.title,
                authors=list(parsed.authors),
                organization=parsed.organization,
                timezone=parsed.timezone,
                language=language,
            ),
            "the title or byline",
        )
        posts = [
            _checked(lambda post=post: _post_in(post), f"the post at line {post.line}")
            for post in parsed.posts
        ]
        now = self._unit.clock()
        rows = [{**post_in.model_dump(), "created_at": now, "updated_at": now} for post_in in posts]
        meta = blog.model_dump(
            exclude={"slug", "status"} | ({"language"} if not language else set())
        )
        updated = (
            None if parsed.updated is None else validate_one(Moment, parsed.updated, "updated")
        )
        newest = max((row["published_at"] for row in rows), default=now)

        def times(existed: bool) -> Mapping[str, Any]:
            # A fresh import keeps the story's own "Updated" time; a replacement happened now.
            return {"updated_at": now if existed else (updated or newest)}

        whole = WholeBlog(slug, meta, rows, times, defaults={"language": self.default_language})
        return await store_whole_blog(self._unit, whole, replace=replace)


def _post_in(post: ParsedPost) -> PostIn:
    return PostIn(
        headline=post.headline,
        # Rich sources (lists, WordPress HTML) bring their own Markdown; plain text has paragraphs.
        body=post.body if post.body is not None else paragraphs_to_markdown(post.paragraphs),
        authors=list(post.authors),
        location=post.location,
        contributors=list(post.contributors),
        images=[
            {
                "url": image.url,
                "caption": image.caption,
                "credit": image.credit,
                "alt": image.caption,
            }
            for image in post.images
        ],
        label=post.label,
        key_event=post.key_event,
        status=PostStatus.PUBLISHED,
        published_at=post.published,
    )


def _checked(make: Any, where: str) -> Any:
    try:
        return make()
    except ValidationError as exc:
        raise Invalid(f"{where}: {describe(exc)}") from None


def describe(exc: ValidationError) -> str:
    """The first problem, as 'field: what is wrong'."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])
