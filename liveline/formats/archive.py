"""The lossless JSON archive of one live blog: every post, drafts and deleted ones included.

An archive is untrusted input when it comes back in (it may have been edited by hand or
come from another newsroom), so `from_archive` validates all of it before anything is
stored, and names the JSON path of the first problem, such as `posts[3].published_at`.
"""

from __future__ import annotations

import json
import zoneinfo
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)

from liveline.importing import LIMITS
from liveline.model import SLUG, Blog, Image, Post, PostStatus

VERSION = 1


class ArchiveError(ValueError):
    """What is wrong with an archive, and where: `path` is a JSON path such as `posts[0].body`."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class ArchivedPost:
    source_id: int  # the id it had where it was exported; a new store gives it a new one
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

    @property
    def is_visible(self) -> bool:
        return self.status == PostStatus.PUBLISHED


@dataclass(frozen=True)
class ArchivedBlog:
    slug: str
    title: str
    authors: tuple[str, ...]
    organization: str | None
    timezone: str
    status: str
    created_at: datetime
    updated_at: datetime
    posts: tuple[ArchivedPost, ...]
    exported_at: datetime


# Writing


def to_archive(blog: Blog, posts: list[Post], exported_at: datetime | None = None) -> dict:
    """The archive as JSON-ready data. Fields are listed here, not taken from `to_json`,
    so the format changes only when this module (and VERSION) does."""
    return {
        "liveline_archive": VERSION,
        "exported_at": (exported_at or datetime.now(UTC)).isoformat(),
        "blog": {
            "slug": blog.slug,
            "title": blog.title,
            "authors": list(blog.authors),
            "organization": blog.organization,
            "timezone": blog.timezone,
            "status": blog.status,
            "created_at": blog.created_at.isoformat(),
            "updated_at": blog.updated_at.isoformat(),
        },
        "posts": [_post_json(post) for post in posts],
    }


def _post_json(post: Post) -> dict[str, Any]:
    return {
        "id": post.id,
        "headline": post.headline,
        "body": post.body,
        "authors": list(post.authors),
        "location": post.location,
        "contributors": list(post.contributors),
        "images": [asdict(image) for image in post.images],
        "status": str(post.status),
        "pinned": post.pinned,
        "key_event": post.key_event,
        "published_at": _iso(post.published_at),
        "publish_at": _iso(post.publish_at),
        "created_at": post.created_at.isoformat(),
        "updated_at": post.updated_at.isoformat(),
        "version": post.version,
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# Reading: the schema an archive must meet


def _in_utc(value: datetime) -> datetime:
    # The store keeps UTC; a time that has no UTC equivalent (year 1 at +01:00) stops here.
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range once converted to UTC") from None


def _known_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {value!r}") from None
    return value


Time = Annotated[AwareDatetime, AfterValidator(_in_utc)]
Name = Annotated[StrictStr, Field(max_length=LIMITS["name"])]


class _Model(BaseModel):
    # Strict where coercion would hide a mistake ("true" is not a bool, "3" not a version).
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Image(_Model):
    url: StrictStr | None = None
    caption: StrictStr | None = None
    credit: StrictStr | None = None
    alt: StrictStr | None = None


class _Post(_Model):
    id: Annotated[StrictInt, Field(ge=1)]
    headline: Annotated[StrictStr, Field(max_length=LIMITS["headline"])]
    body: StrictStr
    authors: list[Name]
    location: Annotated[StrictStr, Field(max_length=LIMITS["location"])] | None
    contributors: list[Name]
    images: list[_Image]
    status: Literal["draft", "scheduled", "published", "deleted"]
    pinned: StrictBool
    key_event: StrictBool
    published_at: Time | None
    publish_at: Time | None
    created_at: Time
    updated_at: Time
    version: Annotated[StrictInt, Field(ge=1, lt=2**31)]


class _Blog(_Model):
    slug: Annotated[StrictStr, Field(pattern=SLUG.pattern)]
    title: Annotated[StrictStr, Field(min_length=1, max_length=LIMITS["title"])]
    authors: list[Name]
    organization: Name | None
    timezone: Annotated[StrictStr, Field(max_length=64), AfterValidator(_known_zone)]
    status: Literal["open", "closed"]
    created_at: Time
    updated_at: Time


class _Archive(_Model):
    liveline_archive: Literal[1]
    exported_at: Time
    blog: _Blog
    posts: list[_Post]


def loads(raw: bytes) -> ArchivedBlog:
    """An archive file's bytes, decoded and validated."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ArchiveError(
            f"line {exc.lineno} column {exc.colno}", f"not JSON: {exc.msg}"
        ) from None
    except UnicodeDecodeError:
        raise ArchiveError("(file)", "not JSON: the file is not UTF-8 text") from None
    except RecursionError:  # nesting deep enough to exhaust the parser is no archive
        raise ArchiveError("(file)", "not JSON this importer reads: nested too deeply") from None
    return from_archive(data)


def from_archive(data: Any) -> ArchivedBlog:
    if not isinstance(data, dict):
        raise ArchiveError("(top level)", "expected a JSON object, the Liveline archive")
    # The version first: an archive from a newer Liveline deserves that answer, not a list
    # of fields this one does not know.
    version = data.get("liveline_archive")
    if version != VERSION or isinstance(version, bool):
        found = "missing" if "liveline_archive" not in data else f"version {version!r}"
        raise ArchiveError(
            "liveline_archive", f"{found}; this Liveline reads Liveline archive version {VERSION}"
        )
    try:
        archive = _Archive.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        problem = {
            "extra_forbidden": "unknown field",
            "value_error": str(error.get("ctx", {}).get("error", error["msg"])),
        }.get(error["type"], error["msg"])
        raise ArchiveError(_path(error["loc"]), problem) from None
    for index, post in enumerate(archive.posts):
        _check_consistent(post, f"posts[{index}]")
    return ArchivedBlog(
        slug=archive.blog.slug,
        title=archive.blog.title,
        authors=tuple(archive.blog.authors),
        organization=archive.blog.organization,
        timezone=archive.blog.timezone,
        status=archive.blog.status,
        created_at=archive.blog.created_at,
        updated_at=archive.blog.updated_at,
        posts=tuple(_archived_post(post) for post in archive.posts),
        exported_at=archive.exported_at,
    )


def _check_consistent(post: _Post, where: str) -> None:
    """Rules across fields, the ones the service keeps for posts written through it."""
    if post.status == "published" and post.published_at is None:
        raise ArchiveError(f"{where}.published_at", "a published post needs published_at")
    if post.status == "scheduled" and post.publish_at is None:
        raise ArchiveError(f"{where}.publish_at", "a scheduled post needs publish_at")


def _archived_post(post: _Post) -> ArchivedPost:
    return ArchivedPost(
        source_id=post.id,
        headline=post.headline,
        body=post.body,
        authors=tuple(post.authors),
        location=post.location,
        contributors=tuple(post.contributors),
        images=tuple(Image(**image.model_dump()) for image in post.images),
        status=PostStatus(post.status),
        pinned=post.pinned,
        key_event=post.key_event,
        published_at=post.published_at,
        publish_at=post.publish_at,
        created_at=post.created_at,
        updated_at=post.updated_at,
        version=post.version,
    )


def _path(loc: tuple[int | str, ...]) -> str:
    """('posts', 3, 'published_at') -> 'posts[3].published_at'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"
