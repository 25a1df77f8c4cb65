"""What an import reads, whatever its source: a blog, its posts, their photos; and its errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

Line = tuple[int, str]  # (1-based line number, text stripped of surrounding whitespace)


class ParseError(ValueError):
    """The text is not a live blog this parser can read; says where and what was expected."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(line, message)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ParsedImage:
    caption: str | None
    credit: str | None
    url: str | None = None  # where the source has the picture itself (WordPress); text has none


@dataclass(frozen=True)
class ParsedPost:
    published: datetime
    headline: str
    authors: tuple[str, ...]
    location: str | None
    images: tuple[ParsedImage, ...]
    paragraphs: tuple[str, ...]
    contributors: tuple[str, ...]
    line: int  # of the post's time line (or first line), for messages about the post
    key_event: bool = False
    label: str | None = None  # "Breaking", "Analysis": shown beside the headline, not in it
    # Markdown, when the source is richer than paragraphs (lists, quotes, WordPress HTML);
    # when set it is stored instead of the paragraphs.
    body: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "published": self.published.isoformat(),
            "headline": self.headline,
            "authors": list(self.authors),
            "location": self.location,
            "images": [_image(image) for image in self.images],
            "paragraphs": list(self.paragraphs),
            "contributors": list(self.contributors),
        }
        # Extra keys only where set: a parse of a plain page keeps DESIGN.md's shape exactly.
        if self.key_event:
            data["key_event"] = True
        if self.label is not None:
            data["label"] = self.label
        if self.body is not None:
            data["body"] = self.body
        return data


@dataclass(frozen=True)
class ParsedBlog:
    title: str
    authors: tuple[str, ...]
    organization: str | None
    updated: datetime | None
    timezone: str
    stated_post_count: int | None
    posts: tuple[ParsedPost, ...]
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The `liveline parse` output described in DESIGN.md."""
        data: dict[str, Any] = {
            "title": self.title,
            "authors": list(self.authors),
            "organization": self.organization,
            "updated": self.updated.isoformat() if self.updated else None,
            "timezone": self.timezone,
            "stated_post_count": self.stated_post_count,
            "posts": [post.to_json() for post in self.posts],
        }
        if self.warnings:
            data["warnings"] = list(self.warnings)
        return data


def _image(image: ParsedImage) -> dict[str, Any]:
    data: dict[str, Any] = {"caption": image.caption, "credit": image.credit}
    if image.url is not None:
        data["url"] = image.url
    return data
