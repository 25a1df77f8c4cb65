"""The lossless JSON archive of one live blog: every post, drafts and deleted ones included.

An archive is untrusted input when it comes back in (it may have been edited by hand or
come from another newsroom), so `from_archive` validates all of it before anything is
stored, and names the JSON path of the first problem, such as `posts[3].published_at`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)

from liveline.model import SLUG, Blog, Limit, Post
from liveline.values import AccentColor, BrandImage, Moment, json_path, known_language, known_zone

VERSION = 4
# Version 1 had no post labels, 2 no uploaded images, 3 no blog language, summary or branding.
READS = (1, 2, 3, 4)


class ArchiveError(ValueError):
    """What is wrong with an archive, and where: `path` is a JSON path such as `posts[0].body`."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


# Writing


def to_archive(
    blog: Blog,
    posts: list[Post],
    exported_at: datetime | None = None,
    media: list[dict[str, Any]] | None = None,
    summary_versions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The archive as JSON-ready data: the blog's and each post's own JSON, less what only
    makes sense inside one database (the blog's log position, whose account wrote a post),
    and the uploads its posts show, files and all (`media`), so their URLs work elsewhere."""
    blog_json = blog.to_json()
    for name in ("last_seq", "post_count"):
        del blog_json[name]
    return {
        "liveline_archive": VERSION,
        "exported_at": (exported_at or datetime.now(UTC)).isoformat(),
        "blog": blog_json,
        "posts": [post.to_json() for post in posts],
        "media": media or [],
        # Every version of the summary, oldest first (version 4 on): its history moves too.
        "summary_versions": summary_versions or [],
    }


# Reading: the schema an archive must meet


Time = Moment  # aware, within the window every zone can show, as UTC
Name = Annotated[StrictStr, Field(max_length=Limit.NAME)]


class _Model(BaseModel):
    # Strict where coercion would hide a mistake ("true" is not a bool, "3" not a version).
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArchivedRendition(_Model):
    url: Annotated[StrictStr, Field(max_length=Limit.URL)]
    width: Annotated[StrictInt, Field(ge=1, le=100_000)]
    type: Literal["image/jpeg", "image/png", "image/webp", "image/gif"]


class ArchivedImage(_Model):
    url: StrictStr | None = None
    caption: StrictStr | None = None
    credit: StrictStr | None = None
    alt: StrictStr | None = None
    # An upload (version 3 on): its id, size and renditions, as the site that exported it
    # served them. The files themselves travel beside the archive (`media` folder) or not.
    media: Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{32}$")] | None = None
    width: Annotated[StrictInt, Field(ge=1, le=100_000)] | None = None
    height: Annotated[StrictInt, Field(ge=1, le=100_000)] | None = None
    renditions: list[ArchivedRendition] = Field(default_factory=list)


class ArchivedPost(_Model):
    """A post as archived; its fields are the model's, checked by tests/test_definitions.py."""

    id: Annotated[StrictInt, Field(ge=1)]  # where it was exported; a new store gives a new one
    headline: Annotated[StrictStr, Field(max_length=Limit.HEADLINE)]
    body: StrictStr
    authors: list[Name]
    location: Annotated[StrictStr, Field(max_length=Limit.LOCATION)] | None
    contributors: list[Name]
    images: list[ArchivedImage]
    label: Annotated[StrictStr, Field(max_length=Limit.LABEL)] | None = None
    status: Literal["draft", "scheduled", "published", "deleted", "submitted"]
    pinned: StrictBool
    key_event: StrictBool
    published_at: Time | None
    publish_at: Time | None
    created_at: Time
    updated_at: Time
    version: Annotated[StrictInt, Field(ge=1, lt=2**31)]

    @property
    def is_visible(self) -> bool:
        return self.status == "published"


class ArchivedBlog(_Model):
    slug: Annotated[StrictStr, Field(pattern=SLUG.pattern)]
    title: Annotated[StrictStr, Field(min_length=1, max_length=Limit.TITLE)]
    authors: list[Name]
    organization: Name | None
    timezone: Annotated[StrictStr, Field(max_length=Limit.TIMEZONE), AfterValidator(known_zone)]
    # Before version 4 every blog was shown in American English, and is read back so.
    language: Annotated[
        StrictStr, Field(max_length=Limit.LANGUAGE), AfterValidator(known_language)
    ] = "en-US"
    status: Literal["open", "closed"]
    created_at: Time
    updated_at: Time
    # Version 4 on; older archives have none of these.
    summary: Annotated[StrictStr, Field(max_length=Limit.SUMMARY)] = ""
    summary_version: Annotated[StrictInt, Field(ge=0, lt=2**31)] = 0
    brand_name: Name | None = None
    logo_url: BrandImage | None = None
    accent_color: AccentColor | None = None
    favicon_url: BrandImage | None = None


class ArchivedSummaryVersion(_Model):
    """One saved version of the blog's summary (version 4 on)."""

    version: Annotated[StrictInt, Field(ge=1, lt=2**31)]
    saved_by: Name | None
    saved_at: Time
    summary: Annotated[StrictStr, Field(max_length=Limit.SUMMARY)]


MediaType = Literal["image/jpeg", "image/png", "image/webp", "image/gif"]
MediaKey = Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{16,64}\.(jpg|png|webp|gif)$")]


class ArchivedFile(_Model):
    key: MediaKey  # the hash of its bytes: checked on import
    type: MediaType
    data: StrictStr  # base64


class ArchivedUploadRendition(_Model):
    key: MediaKey
    width: Annotated[StrictInt, Field(ge=1, le=100_000)]
    type: MediaType


class ArchivedUpload(_Model):
    """An upload a post shows, with its files (version 3 on)."""

    id: Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{32}$")]
    type: MediaType
    width: Annotated[StrictInt, Field(ge=1, le=100_000)]
    height: Annotated[StrictInt, Field(ge=1, le=100_000)]
    original_key: MediaKey
    renditions: list[ArchivedUploadRendition]
    caption: Annotated[StrictStr, Field(max_length=Limit.CAPTION)] | None = None
    credit: Annotated[StrictStr, Field(max_length=Limit.CREDIT)] | None = None
    alt: Annotated[StrictStr, Field(max_length=Limit.CAPTION)] | None = None
    files: list[ArchivedFile]


class Archive(_Model):
    liveline_archive: Literal[1, 2, 3, 4]
    exported_at: Time
    blog: ArchivedBlog
    posts: list[ArchivedPost]
    media: list[ArchivedUpload] = Field(default_factory=list)
    summary_versions: list[ArchivedSummaryVersion] = Field(default_factory=list)


def loads(raw: bytes) -> Archive:
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


def from_archive(data: Any) -> Archive:
    if not isinstance(data, dict):
        raise ArchiveError("(top level)", "expected a JSON object, the Liveline archive")
    # The version first: an archive from a newer Liveline deserves that answer, not a list
    # of fields this one does not know.
    version = data.get("liveline_archive")
    if version not in READS or isinstance(version, bool):
        found = "missing" if "liveline_archive" not in data else f"version {version!r}"
        raise ArchiveError(
            "liveline_archive",
            f"{found}; this Liveline reads Liveline archive versions {READS[0]}–{READS[-1]}",
        )
    try:
        archive = Archive.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        problem = {
            "extra_forbidden": "unknown field",
            "value_error": str(error.get("ctx", {}).get("error", error["msg"])),
        }.get(error["type"], error["msg"])
        raise ArchiveError(json_path(error["loc"]), problem) from None
    for index, post in enumerate(archive.posts):
        _check_consistent(post, f"posts[{index}]")
    _check_summary(archive)
    return archive


def _check_summary(archive: Archive) -> None:
    """The versions count up from 1, and the blog's summary is the last of them."""
    versions = archive.summary_versions
    for index, item in enumerate(versions):
        if item.version != index + 1:
            raise ArchiveError(
                f"summary_versions[{index}].version", f"expected version {index + 1}, oldest first"
            )
    if versions and (
        archive.blog.summary_version != versions[-1].version
        or archive.blog.summary != versions[-1].summary
    ):
        raise ArchiveError(
            "blog.summary_version", "the blog's summary must be the last of summary_versions"
        )
    if not versions and archive.blog.summary_version != 0:
        raise ArchiveError("summary_versions", "a summary with a version needs its versions")


def _check_consistent(post: ArchivedPost, where: str) -> None:
    """Rules across fields, the ones the service keeps for posts written through it."""
    if post.status == "published" and post.published_at is None:
        raise ArchiveError(f"{where}.published_at", "a published post needs published_at")
    if post.status == "scheduled" and post.publish_at is None:
        raise ArchiveError(f"{where}.publish_at", "a scheduled post needs publish_at")
