"""The JSON API: read freely, write with a Bearer token and the post's version in If-Match."""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from liveline.errors import N_, Invalid
from liveline.model import Blog, Limit, Post, User
from liveline.service import Service
from liveline.values import BlogIn, BlogPatch, PostIn, PostPatch
from liveline.web.auth import current_user
from liveline.web.caching import conditional, shared

router = APIRouter(prefix="/api")

CLIENT_KEY = re.compile(rf"[!-~]{{1,{int(Limit.CLIENT_KEY)}}}")
CLIENT_KEY_RULE = N_("Idempotency-Key must be 1–100 visible characters, such as a UUID")
VERSION = re.compile(r'(?:W/)?"?([0-9]{1,9})"?')


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


async def _blog(slug: str, request: Request) -> Blog:
    return await run_in_threadpool(_service(request).blogs.get, slug)


def _post_response(post: Post, status: int = 200) -> JSONResponse:
    return JSONResponse(post.to_json(), status_code=status, headers={"ETag": f'"{post.version}"'})


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    match = VERSION.fullmatch(if_match.strip())
    if match is None:
        raise Invalid(
            N_('If-Match must hold the post\'s version, a whole number such as "3"'),
            field="If-Match",
        )
    return int(match[1])


# Reads


@router.get("/blogs", tags=["read"])
async def list_blogs(request: Request) -> dict[str, Any]:
    blogs = await run_in_threadpool(_service(request).blogs.all)
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
        raise Invalid(N_("limit must be between 1 and 200"), field="limit")
    page = await run_in_threadpool(
        lambda: _service(request).posts.page(
            blog, newest_first=order == "newest", cursor=cursor, limit=limit
        )
    )
    body = {
        "blog": blog.slug,
        "order": order,
        "pinned": [post.to_json() for post in page.pinned],
        "posts": [post.to_json() for post in page.posts],
        "next_cursor": page.next_cursor,
        "last_seq": blog.last_seq,
    }
    return conditional(request, blog, JSONResponse(body))


@router.get("/blogs/{slug}/posts/{post_id}", tags=["read"])
async def get_post(post_id: int, request: Request, blog: Blog = Depends(_blog)) -> Response:
    post = await run_in_threadpool(_service(request).posts.published, blog, post_id)
    return shared(request, _post_response(post), blog.id, [post.id])


# Writes


@router.post("/blogs", status_code=201, tags=["write"])
async def create_blog(
    body: BlogIn, request: Request, user: User = Depends(current_user)
) -> Response:
    blog = await _service(request).blogs.create(user, body)
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
    changed = await _service(request).blogs.update(user, blog, body)
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
        raise Invalid(CLIENT_KEY_RULE, field="Idempotency-Key")
    post, created = await _service(request).posts.create(user, blog, body, idempotency_key)
    # A published post's embeds are asked about in the background (service.embeds watches
    # every write's events): never waited for.
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
    post = await _service(request).posts.update(user, blog, post_id, _version(if_match), body)
    return _post_response(post)


@router.delete("/blogs/{slug}/posts/{post_id}", tags=["write"])
async def delete_post(
    post_id: int,
    request: Request,
    user: User = Depends(current_user),
    blog: Blog = Depends(_blog),
    if_match: str | None = Header(default=None),
) -> Response:
    post = await _service(request).posts.delete(user, blog, post_id, _version(if_match))
    return _post_response(post)
