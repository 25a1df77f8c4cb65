"""The domain: blogs, posts, the events that change them, and the people who write them."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

# A blog's address: readers' links and embeds carry it, so it is plain and never changes.
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")
SLUG_RULE = "a slug is 1–100 lower-case letters, digits and inner hyphens, such as 'ukraine-live'"


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    REPORTER = "reporter"


class PostStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    DELETED = "deleted"


class EventType(StrEnum):
    POST_PUBLISHED = "post.published"
    POST_UPDATED = "post.updated"
    POST_DELETED = "post.deleted"
    POST_PINNED = "post.pinned"
    POST_UNPINNED = "post.unpinned"
    BLOG_UPDATED = "blog.updated"
    BLOG_CLOSED = "blog.closed"

    @property
    def is_blog_event(self) -> bool:
        return self.value.startswith("blog.")


@dataclass(frozen=True)
class Image:
    url: str | None = None
    caption: str | None = None
    credit: str | None = None
    alt: str | None = None


@dataclass(frozen=True)
class Blog:
    id: int
    slug: str
    title: str
    authors: tuple[str, ...]
    organization: str | None
    timezone: str
    status: str
    created_at: datetime
    updated_at: datetime
    last_seq: int
    post_count: int = 0

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def with_state(self, state: dict[str, Any]) -> Blog:
        """This blog as a blog event's payload describes it."""
        return replace(
            self,
            title=state["title"],
            authors=tuple(state["authors"]),
            organization=state["organization"],
            timezone=state["timezone"],
            status=state["status"],
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "authors": list(self.authors),
            "organization": self.organization,
            "timezone": self.timezone,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "last_seq": self.last_seq,
            "post_count": self.post_count,
        }


@dataclass(frozen=True)
class Post:
    id: int
    blog_id: int
    headline: str
    body: str
    authors: tuple[str, ...]
    location: str | None
    contributors: tuple[str, ...]
    images: tuple[Image, ...]
    status: PostStatus
    pinned: bool
    key_event: bool
    published_at: datetime | None
    publish_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    author_user_id: int | None = None

    @property
    def is_visible(self) -> bool:
        return self.status == PostStatus.PUBLISHED

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "headline": self.headline,
            "body": self.body,
            "authors": list(self.authors),
            "location": self.location,
            "contributors": list(self.contributors),
            "images": [asdict(image) for image in self.images],
            "status": str(self.status),
            "pinned": self.pinned,
            "key_event": self.key_event,
            "published_at": _iso(self.published_at),
            "publish_at": _iso(self.publish_at),
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "version": self.version,
        }


@dataclass(frozen=True)
class Event:
    """One entry of a blog's log. `seq` is per blog, gap-free and increasing."""

    blog_id: int
    seq: int
    type: EventType
    post_id: int | None
    payload: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "type": str(self.type),
            "post_id": self.post_id,
            **self.payload,
            "created_at": _iso(self.created_at),
        }


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
