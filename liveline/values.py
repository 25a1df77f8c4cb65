"""Validated inputs: what every edge (API, console, importers, archive) turns outside data into.

Validation happens once, at the edge, into these types; the service takes them and does
not check by hand again what a type already says. Bounds come from `model.Limit`, so the
columns, the API schema and the archive agree on every size.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from babel import Locale, UnknownLocaleError
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from liveline.errors import AT, N_, Invalid, Refusal, Say, why
from liveline.model import SLUG, SLUG_RULE, Limit

# Text that a database column can hold: PostgreSQL refuses NUL in text, and other C0
# controls (bar tab and newlines) are never meant; refusing them here keeps them out of
# every page, feed and log.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Times every zone can show, with room for a story's history and its schedule. Beyond
# this, a time converted to some reader's zone could leave the calendar.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _no_controls(value: str) -> str:
    if CONTROL.search(value):
        raise Refusal(N_("contains a control character (such as NUL), which text cannot hold"))
    return value


def known_zone(value: str) -> str:
    """An IANA zone name such as 'America/New_York' (not a folder of the database, such
    as 'America', which zoneinfo may open but is no zone)."""
    if not re.fullmatch(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*", value) or value.startswith("/"):
        raise Refusal(
            N_("%(value)r is not an IANA time zone name such as 'America/New_York'"), value=value
        )
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, IsADirectoryError, OSError):
        raise Refusal(
            N_("unknown time zone %(value)r; use an IANA name such as 'America/New_York'"),
            value=value,
        ) from None
    return value


# A BCP 47 tag as people write them: a language, then a script, region or variant.
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def known_language(value: str) -> str:
    """A BCP 47 tag that Babel (CLDR) knows, in its usual spelling: 'de-de' -> 'de-DE'."""
    if not LANGUAGE_TAG.fullmatch(value):
        raise Refusal(
            N_("%(value)r is not a BCP 47 tag such as 'en-US', 'de-DE' or 'de'"), value=value
        )
    try:
        locale = Locale.parse(value, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        raise Refusal(
            N_(
                "unknown language %(value)r; a language is a BCP 47 tag such as 'en-US', "
                "'de-DE' or 'de'"
            ),
            value=value,
        ) from None
    parts = (locale.language, locale.script, locale.territory, locale.variant)
    return "-".join(part for part in parts if part)


def _in_window(value: datetime) -> datetime:
    try:
        moment = value.astimezone(UTC)
    except OverflowError:
        raise Refusal(N_("the time is out of range once converted to UTC")) from None
    if not EARLIEST <= moment < LATEST:
        raise Refusal(
            N_("must be between %(first)s and %(last)s, with a UTC offset"),
            first=EARLIEST.year,
            last=LATEST.year - 1,
        )
    return moment


Slug = Annotated[str, StringConstraints(pattern=SLUG.pattern, max_length=Limit.SLUG)]
# Text fields: stripped where surrounding spaces are never meant, bounded, no controls.
NoControls = AfterValidator(_no_controls)
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=Limit.TITLE), NoControls
]
Headline = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=Limit.HEADLINE),
    NoControls,
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=Limit.NAME), NoControls
]
Location = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=Limit.LOCATION),
    NoControls,
]
Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=Limit.LABEL), NoControls
]
Body = Annotated[str, StringConstraints(max_length=Limit.BODY), NoControls]
Caption = Annotated[str, StringConstraints(max_length=Limit.CAPTION), NoControls]
Credit = Annotated[str, StringConstraints(max_length=Limit.CREDIT), NoControls]
TimeZone = Annotated[str, StringConstraints(max_length=Limit.TIMEZONE), AfterValidator(known_zone)]
Language = Annotated[
    str, StringConstraints(max_length=Limit.LANGUAGE), AfterValidator(known_language)
]
# An aware time within the window, as UTC.
Moment = Annotated[AwareDatetime, AfterValidator(_in_window)]
Names = Annotated[list[Name], Field(max_length=Limit.NAMES)]
Note = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=Limit.NOTE), NoControls
]
# A new password: long enough to resist guessing at the throttle's pace; any characters.
NewPassword = Annotated[str, StringConstraints(min_length=10, max_length=Limit.PASSWORD)]
ImageUrl = Annotated[str, StringConstraints(pattern=r"^(https?://|/)[!-~]+$", max_length=Limit.URL)]
# An upload's id, as POST /api/media answers it; that it exists is checked where it is stored.
MEDIA_ID = r"^[0-9a-f]{32}$"
MediaId = Annotated[str, StringConstraints(pattern=MEDIA_ID, max_length=Limit.MEDIA_ID)]


def _accent(value: str) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise Refusal(N_("must be a colour written #rrggbb, such as #b00020"))
    return value.lower()


# What the pages' CSP lets a logo or favicon come from: our own /media/, or any https host.
BRAND_PATH = re.compile(r"/media/[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*")
BRAND_HTTPS = re.compile(
    r"https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~!$&()*+,;=:@%/?#-]*)?"
)


def _brand_image(value: str) -> str:
    if ".." in value or not (BRAND_PATH.fullmatch(value) or BRAND_HTTPS.fullmatch(value)):
        raise Refusal(
            N_(
                "must be an uploaded picture's /media/… path or an https:// URL (no quotes or "
                "spaces)"
            )
        )
    return value


# A blog's own marks over the instance's (web/branding.py): an accent the stylesheet can hold,
# pictures from where the pages' Content-Security-Policy lets them load.
AccentColor = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=Limit.COLOR), AfterValidator(_accent)
]
BrandImage = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=Limit.URL),
    AfterValidator(_brand_image),
]
# "What we know": Markdown, shown as post bodies are (sanitised the same way).
SummaryText = Annotated[str, StringConstraints(max_length=Limit.SUMMARY), NoControls]


def _none_is_empty_list(value: Any) -> Any:
    return [] if value is None else value


def _none_is_empty_text(value: Any) -> Any:
    return "" if value is None else value


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def given(self) -> dict[str, Any]:
        """The fields the writer sent (a PATCH changes only those)."""
        return self.model_dump(include=self.model_fields_set)


class ImageIn(_Input):
    url: ImageUrl | None = None
    caption: Caption | None = None
    credit: Credit | None = None
    alt: Caption | None = None
    media: MediaId | None = None  # an upload; its sizes and address are the server's to add

    @model_validator(mode="after")
    def _one_source(self) -> ImageIn:
        if self.url is not None and self.media is not None:
            raise Refusal(N_("an image is either an upload (media) or a url, not both"))
        return self


class CropIn(_Input):
    """A cut of an upload: a rectangle in the original's pixels (left, top, width, height),
    then a turn clockwise in quarter turns. The rectangle must lie inside the picture (the
    service checks that, knowing its size)."""

    x: int = Field(default=0, ge=0, le=1_000_000)
    y: int = Field(default=0, ge=0, le=1_000_000)
    width: int = Field(ge=1, le=1_000_000)
    height: int = Field(ge=1, le=1_000_000)
    rotate: Literal[0, 90, 180, 270] = 0
    caption: Caption | None = None
    credit: Credit | None = None
    alt: Caption | None = None


class BlogIn(_Input):
    slug: Slug | None = None
    title: Title
    authors: Names = Field(default_factory=list)
    organization: Name | None = None
    timezone: TimeZone | None = None  # None: the instance's LIVELINE_DEFAULT_TIMEZONE
    language: Language | None = None  # None: the instance's LIVELINE_DEFAULT_LANGUAGE
    status: Literal["open", "closed"] = "open"
    brand_name: Name | None = None  # None: the instance's (LIVELINE_SITE_NAME and the rest)
    logo_url: BrandImage | None = None
    accent_color: AccentColor | None = None
    favicon_url: BrandImage | None = None


class BlogPatch(_Input):
    """A change to a blog: only the fields sent change; a slug never does. At least one
    field: an empty change has nothing to record (and the store cannot write it)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    @model_validator(mode="before")
    @classmethod
    def _something(cls, value: Any) -> Any:
        if isinstance(value, dict) and not value:
            raise Refusal(N_("send at least one field to change"))
        return value

    title: Title = None  # type: ignore[assignment]  # absent means unchanged, null is refused
    authors: Annotated[Names, BeforeValidator(_none_is_empty_list)] = Field(default_factory=list)
    organization: Name | None = None
    timezone: TimeZone = None  # type: ignore[assignment]
    language: Language = None  # type: ignore[assignment]
    status: Literal["open", "closed"] = None  # type: ignore[assignment]
    brand_name: Name | None = None  # null: back to the instance's
    logo_url: BrandImage | None = None
    accent_color: AccentColor | None = None
    favicon_url: BrandImage | None = None


class SummaryIn(_Input):
    """A new version of a blog's summary (PUT /api/blogs/{slug}/summary, with If-Match)."""

    summary: Annotated[SummaryText, BeforeValidator(_none_is_empty_text)]


class PostPatch(_Input):
    """A change to a post: only the fields sent change. Nulls clear the optional fields and
    are refused for the ones a post always has."""

    headline: Headline = None  # type: ignore[assignment]
    body: Annotated[Body, BeforeValidator(_none_is_empty_text)] = ""
    authors: Annotated[Names, BeforeValidator(_none_is_empty_list)] = Field(default_factory=list)
    location: Location | None = None
    contributors: Annotated[Names, BeforeValidator(_none_is_empty_list)] = Field(
        default_factory=list
    )
    images: Annotated[
        list[ImageIn], BeforeValidator(_none_is_empty_list), Field(max_length=Limit.IMAGES)
    ] = Field(default_factory=list)
    label: Label | None = None
    key_event: bool = False
    pinned: bool = False
    status: Literal["published", "draft", "scheduled", "submitted"] = None  # type: ignore[assignment]
    publish_at: Moment | None = None
    published_at: Moment = None  # type: ignore[assignment]


class PostIn(PostPatch):
    """A new post: a headline is required; the rest has defaults."""

    headline: Headline
    body: Body
    status: Literal["published", "draft", "scheduled", "submitted"] = "published"


def validate_one(kind: Any, value: Any, name: str) -> Any:
    """One value checked against one of the types above, refused as Invalid with its name."""
    try:
        return TypeAdapter(kind).validate_python(value)
    except ValidationError as exc:
        reason = Say(SLUG_RULE) if name == "slug" else why(exc.errors()[0])
        raise Invalid(AT, field=name, where=name, reason=reason) from None


# An event seq as a client sends it back (`since`, `Last-Event-ID`): ASCII digits only (not
# `str.isdigit()`, which lets '²' and other scripts' digits through), within the column.
MAX_SEQ = 2**31 - 1
SEQ_TEXT = re.compile(r"[0-9]{1,10}")


def parse_seq(raw: str, name: str) -> int:
    """A seq from a query parameter or header, refused as Invalid naming `name`."""
    if not SEQ_TEXT.fullmatch(raw) or int(raw) > MAX_SEQ:
        raise Invalid(
            N_("%(name)s must be an event seq: ASCII digits 0-9, at most %(most)s"),
            field=name,
            name=name,
            most=MAX_SEQ,
        )
    return int(raw)


def json_path(loc: tuple[int | str, ...]) -> str:
    """Where in a JSON document a validation error is: ('posts', 3, 'headline') ->
    'posts[3].headline'. Shared by every loader that names the path of a problem."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"
