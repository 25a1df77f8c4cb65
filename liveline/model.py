"""The domain: blogs, posts, the events that change them, and the people who write them.

Each type is defined once, here. The tables (`store/tables.py`) take their column sizes from
`Limit`, the validated inputs (`values.py`) take their bounds from it too, and the row
mapping and JSON forms are derived from the dataclass fields; `tests/test_definitions.py`
fails when one of them names a field the others do not.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any


def N_(message: str) -> str:  # gettext's name for "translated where shown" (errors.Say)
    return message


# A blog's address: readers' links and embeds carry it, so it is plain and never changes.
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")
SLUG_RULE = N_(
    "a slug is 1–100 lower-case letters, digits and inner hyphens, such as 'ukraine-live'"
)
USER_NAME = re.compile(r"^[\w.@-]{1,100}$", re.ASCII)
USER_NAME_RULE = N_("a user name is 1–100 letters, digits, '.', '@', '-' or '_'")


class Limit(IntEnum):
    """The longest text each field holds, in characters: the columns are made this size, and
    every edge refuses longer input with the field's name (PostgreSQL would refuse it with a
    server error, SQLite would keep it silently)."""

    SLUG = 100
    TITLE = 300
    HEADLINE = 500
    NAME = 200  # a person's or an organisation's name, in a byline
    LOCATION = 200
    LABEL = 40  # "Breaking", "Analysis"
    TIMEZONE = 64
    LANGUAGE = 35  # a BCP 47 tag such as "en-US" (35 characters is what RFC 5646 asks to hold)
    BODY = 200_000
    URL = 2_000
    CAPTION = 2_000
    CREDIT = 300
    USER_NAME = 100
    CLIENT_KEY = 100
    TOKEN_LABEL = 100
    NAMES = 50  # authors or contributors of one post or blog
    IMAGES = 20  # images of one post
    NOTE = 2_000  # an editor's note on a contribution sent back
    PASSWORD = 1_000  # longer is no safer, and hashing it would cost the server
    MEDIA_ID = 32  # an upload's id: the first 32 hex digits of the SHA-256 of its bytes
    MEDIA_KEY = 60  # a stored file's name: its own hash and an extension
    SUMMARY = 10_000  # a blog's "What we know": a short Markdown list
    COLOR = 7  # an accent colour, #rrggbb


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    REPORTER = "reporter"
    CONTRIBUTOR = "contributor"

    @property
    def edits_anything(self) -> bool:
        """Editors and admins open blogs, pin, correct times and change anyone's post."""
        return self in (Role.ADMIN, Role.EDITOR)

    @property
    def publishes(self) -> bool:
        """A contributor's posts wait for an editor (status "submitted"); everyone else's go out."""
        return self is not Role.CONTRIBUTOR


class BlogStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class PostStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    DELETED = "deleted"
    # A contribution waiting in the blog's queue: an editor publishes it, or returns it to
    # its author as a draft with a note.
    SUBMITTED = "submitted"


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
class Rendition:
    """One size of an uploaded picture in one format, as the reader's browser may fetch it."""

    url: str
    width: int
    type: str  # a MIME type: image/webp, image/jpeg, image/png, image/gif


@dataclass(frozen=True)
class Image:
    """A post's picture: an uploaded one (`media`, with its sizes, filled in by the server
    from the upload) or one elsewhere (`url` alone, as imported posts and older ones have)."""

    url: str | None = None
    caption: str | None = None
    credit: str | None = None
    alt: str | None = None
    media: str | None = None  # the upload's id (POST /api/media)
    width: int | None = None
    height: int | None = None
    renditions: tuple[Rendition, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Image:
        """An image as stored or archived; images from before uploads have only the first four."""
        values = dict(data)
        values["renditions"] = tuple(Rendition(**item) for item in values.get("renditions", ()))
        return cls(**values)


# What a writer sends for an image; the server fills in the rest from the upload.
IMAGE_WRITABLE = ("url", "caption", "credit", "alt", "media")


@dataclass(frozen=True)
class Blog:
    id: int
    slug: str
    title: str
    authors: tuple[str, ...]
    organization: str | None
    timezone: str
    status: BlogStatus
    created_at: datetime
    updated_at: datetime
    last_seq: int
    # A BCP 47 tag ("en-US", "de-DE", "de"): the page's `lang`, its words and how it writes
    # times (formats/language.py). Blogs from before languages are "en-US", as they were shown.
    language: str = "en-US"
    post_count: int = 0  # kept in the same transaction as every change
    # "What we know": the editors' Markdown summary, versioned (service/summaries.py).
    summary: str = ""
    summary_version: int = 0  # 0: never written
    # The blog's own marks, over the instance's (web/branding.py); None: the instance's.
    brand_name: str | None = None
    logo_url: str | None = None
    accent_color: str | None = None
    favicon_url: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status == BlogStatus.OPEN

    def with_state(self, state: dict[str, Any]) -> Blog:
        """This blog as a blog event's payload describes it (older payloads lack the later
        fields: those stay as they are)."""
        later = {name: state[name] for name in BLOG_STATE_LATER if name in state}
        return replace(
            self,
            title=state["title"],
            authors=tuple(state["authors"]),
            organization=state["organization"],
            timezone=state["timezone"],
            language=state.get("language", self.language),
            status=BlogStatus(state["status"]),
            **later,
        )

    def to_json(self) -> dict[str, Any]:
        data = _json_fields(self, skip={"id"})
        data["status"] = str(self.status)
        return data


# Fields a writer may set on a blog; the rest are the server's. (The summary is written on
# its own, with its version: service/summaries.py.)
BRAND_FIELDS = ("brand_name", "logo_url", "accent_color", "favicon_url")
BLOG_WRITABLE = (
    "slug",
    "title",
    "authors",
    "organization",
    "timezone",
    "language",
    "status",
    *BRAND_FIELDS,
)
BLOG_STATE_LATER = ("summary", "summary_version", *BRAND_FIELDS)


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
    label: str | None
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
        data = _json_fields(self, skip={"blog_id", "author_user_id"})
        data["status"] = str(self.status)
        return data


# What a writer sends for a post (DESIGN.md's write body); the rest is the server's.
POST_WRITABLE = (
    "headline", "body", "authors", "location", "contributors", "images", "label", "key_event",
    "pinned", "status", "publish_at", "published_at",
)  # fmt: skip
# Kept by the server, never written by hand: the archive carries them, the API does not take them.
POST_SERVER_FIELDS = ("id", "blog_id", "created_at", "updated_at", "version", "author_user_id")


@dataclass(frozen=True)
class Event:
    """One entry of a blog's log. `seq` is per blog, gap-free and increasing."""

    blog_id: int
    seq: int
    type: EventType
    post_id: int | None
    payload: dict[str, Any]
    created_at: datetime

    @property
    def revision(self) -> int:
        """0 as logged; the seq of the later change that rewrote it, if one did."""
        return int(self.payload.get("revision", 0))

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "type": str(self.type),
            "post_id": self.post_id,
            **self.payload,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class DeskNotice:
    """A post changed, told only to the console (never to readers): which post, and enough
    to decide who may hear of it. No words: each console stream reads the post itself."""

    blog_id: int
    post_id: int
    status: PostStatus
    author_user_id: int | None
    version: int
    public: bool  # readers were told of this change too (its event is in the public log)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "status": str(self.status)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DeskNotice:
        author = data["author_user_id"]
        return cls(
            blog_id=int(data["blog_id"]),
            post_id=int(data["post_id"]),
            status=PostStatus(data["status"]),
            author_user_id=None if author is None else int(author),
            version=int(data["version"]),
            public=bool(data["public"]),
        )


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role
    display_name: str | None = None
    disabled: bool = False

    @property
    def byline(self) -> str:
        return self.display_name or self.name


@dataclass(frozen=True)
class Token:
    id: int
    user_name: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


def _json_fields(value: Any, skip: set[str]) -> dict[str, Any]:
    """A dataclass as JSON-ready data, field by field, so a new field is never left out."""
    data: dict[str, Any] = {}
    for item in fields(value):
        if item.name in skip:
            continue
        data[item.name] = _json_value(getattr(value, item.name))
    return data


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [image_json(item) if isinstance(item, Image) else item for item in value]
    return value


def image_json(image: Image) -> dict[str, Any]:
    data = asdict(image)
    data["renditions"] = [asdict(item) for item in image.renditions]
    return data
