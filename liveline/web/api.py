"""The JSON API: read freely, write with a Bearer token and the post's version in If-Match."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from liveline.errors import Invalid, NotFound
from liveline.model import Blog, User
from liveline.store.queries import InvalidCursor
from liveline.web.auth import current_user
from liveline.web.caching import conditional

router = APIRouter(prefix="/api")

CLIENT_KEY = re.compile(r"[!-~]{1,100}")
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class BlogIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str | None = Field(default=None, max_length=100)
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    authors: list[Name] = Field(default_factory=list, max_length=50)
    organization: Name | None = None
    timezone: str = "America/New_York"


class BlogPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
        | None
    ) = None
    authors: list[Name] | None = Field(default=None, max_length=50)
    organization: Name | None = None
    timezone: str | None = None
    status: Literal["open", "closed"] | None = None


class ImageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: (
        Annotated[str, StringConstraints(pattern=r"^(https?://|/)\S+$", max_length=2000)] | None
    ) = None
    caption: str | None = Field(default=None, max_length=2000)
    credit: str | None = Field(default=None, max_length=300)
    alt: str | None = Field(default=None, max_length=2000)


class PostPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    headline: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
        | None
    ) = None
    body: str | None = Field(default=None, max_length=200_000)
    authors: list[Name] | None = Field(default=None, max_length=50)
    location: Name | None = None
    contributors: list[Name] | None = Field(default=None, max_length=50)
    images: list[ImageIn] | None = Field(default=None, max_length=20)
    key_event: bool | None = None
    pinned: bool | None = None
    status: Literal["published", "draft", "scheduled"] | None = None
    publish_at: datetime | None = None
    published_at: datetime | None = None

    def values(self) -> dict[str, Any]:
        values = self.model_dump(exclude_unset=True)
        for key in ("headline", "key_event", "pinned", "status", "published_at"):
            if key in values and values[key] is None:  # the columns hold no null
                raise Invalid(f"{key} cannot be null; leave it out to keep it as it is", field=key)
        for key in ("publish_at", "published_at"):
            moment = values.get(key)
            if moment is not None and moment.tzinfo is None:
                raise Invalid(
                    f"{key} needs a UTC offset, such as 2026-10-03T14:20:00-04:00", field=key
                )
        for key in ("authors", "contributors", "images", "body"):
            if key in values and values[key] is None:
                values[key] = "" if key == "body" else []
        return values


class PostIn(PostPatch):
    headline: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    body: str = Field(max_length=200_000)


def _service(request: Request):
    return request.app.state.service


async def _blog(slug: str, request: Request) -> Blog:
    return await run_in_threadpool(_service(request).blog, slug)


def _post_response(post, status: int = 200) -> JSONResponse:
    return JSONResponse(post.to_json(), status_code=status, headers={"ETag": f'"{post.version}"'})


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise Invalid(
            'If-Match must hold the post\'s version, a whole number such as "3"', field="If-Match"
        )
    return int(raw)


# Reads


@router.get("/blogs", tags=["read"])
async def list_blogs(request: Request) -> dict:
    blogs = await run_in_threadpool(_service(request).blogs)
    return {"blogs": [blog.to_json() for blog in blogs]}


@router.get("/blogs/{slug}", tags=["read"])
async def get_blog(request: Request, blog: Blog = Depends(_blog)) -> Response:
    body = {
        **blog.to_json(),
        "links": {"page": f"/blogs/{blog.slug}", "events": f"/blogs/{blog.slug}/events"},
    }
    return conditional(request, blog, JSONResponse(body))


@router.get("/blogs/{slug}/posts", tags=["read"])
async def list_posts(
    request: Request,
    blog: Blog = Depends(_blog),
    order: Literal["newest", "oldest"] = "newest",
    cursor: str | None = None,
    limit: int = 20,
) -> Response:
    if not 1 <= limit <= 200:
        raise Invalid("limit must be between 1 and 200", field="limit")
    try:
        pinned, posts, next_cursor = await run_in_threadpool(
            lambda: _service(request).page(
                blog, newest_first=order == "newest", cursor=cursor, limit=limit
            )
        )
    except InvalidCursor as exc:
        raise Invalid(str(exc), field="cursor") from None
    body = {
        "blog": blog.slug,
        "order": order,
        "pinned": [post.to_json() for post in pinned],
        "posts": [post.to_json() for post in posts],
        "next_cursor": next_cursor,
        "last_seq": blog.last_seq,
    }
    return conditional(request, blog, JSONResponse(body))


@router.get("/blogs/{slug}/posts/{post_id}", tags=["read"])
async def get_post(post_id: int, request: Request, blog: Blog = Depends(_blog)) -> Response:
    post = await run_in_threadpool(_service(request).post, blog, post_id)
    if not post.is_visible:
        raise NotFound(f"no post {post_id} in {blog.slug!r}")
    return _post_response(post)


# Writes


@router.post("/blogs", status_code=201, tags=["write"])
async def create_blog(
    body: BlogIn, request: Request, user: User = Depends(current_user)
) -> Response:
    fields = body.model_dump(exclude_none=True)
    blog = await _service(request).create_blog(user, fields)
    return JSONResponse(
        blog.to_json(), status_code=201, headers={"Location": f"/api/blogs/{blog.slug}"}
    )


@router.patch("/blogs/{slug}", tags=["write"])
async def update_blog(
    body: BlogPatch,
    request: Request,
    user: User = Depends(current_user),
    blog: Blog = Depends(_blog),
) -> Response:
    """Change a blog's title, byline, organization or time zone, or close or reopen it."""
    fields = body.model_dump(exclude_unset=True)
    for key in ("title", "timezone", "status"):
        if key in fields and fields[key] is None:
            raise Invalid(f"{key} cannot be null; leave it out to keep it as it is", field=key)
    if fields.get("authors", []) is None:
        fields["authors"] = []
    changed = await _service(request).update_blog(user, blog, fields)
    return JSONResponse(changed.to_json())


@router.post("/blogs/{slug}/posts", status_code=201, tags=["write"])
async def create_post(
    body: PostIn,
    request: Request,
    user: User = Depends(current_user),
    blog: Blog = Depends(_blog),
    idempotency_key: str | None = Header(default=None),
) -> Response:
    """Publish a post. Send an `Idempotency-Key` (any unique string) to make a retry safe:
    the same key again answers with the post it made the first time, not a second post."""
    if idempotency_key is not None and not CLIENT_KEY.fullmatch(idempotency_key):
        raise Invalid(
            "Idempotency-Key must be 1–100 visible characters, such as a UUID",
            field="Idempotency-Key",
        )
    post, created = await _service(request).create_post_once(
        user, blog, body.values(), idempotency_key
    )
    response = _post_response(post, status=201)
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@router.patch("/blogs/{slug}/posts/{post_id}", tags=["write"])
async def update_post(
    post_id: int,
    body: PostPatch,
    request: Request,
    user: User = Depends(current_user),
    blog: Blog = Depends(_blog),
    if_match: str | None = Header(default=None),
) -> Response:
    post = await _service(request).update_post(
        user, blog, post_id, _version(if_match), body.values()
    )
    return _post_response(post)


@router.delete("/blogs/{slug}/posts/{post_id}", tags=["write"])
async def delete_post(
    post_id: int,
    request: Request,
    user: User = Depends(current_user),
    blog: Blog = Depends(_blog),
    if_match: str | None = Header(default=None),
) -> Response:
    post = await _service(request).delete_post(user, blog, post_id, _version(if_match))
    return _post_response(post)
