"""A blog's desk: the compose box on top, the blog's posts below, and tabs for drafts, the
schedule, contributions waiting for an editor, and deleted posts."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from liveline.errors import Invalid, LivelineError
from liveline.model import Blog, Limit, Post
from liveline.service import Session
from liveline.values import ImageIn, PostIn
from liveline.web import session as browser
from liveline.web.api import CLIENT_KEY, CLIENT_KEY_RULE
from liveline.web.console import photos
from liveline.web.console.forms import kept, post_fields, read_form, validated
from liveline.web.console.pages import (
    console_language,
    post_row,
    render,
    say_error,
    service,
    signed_in,
)
from liveline.web.render import blog_view

router = APIRouter()
Tab = Literal["posts", "drafts", "scheduled", "queue", "deleted"]
DESK_LENGTH = 50  # the newest posts shown below the compose box


async def blog_of(slug: str, request: Request) -> Blog:
    """The blog a console path names (a dependency)."""
    return await run_in_threadpool(service(request).blogs.get, slug)


@router.get("/edit/{slug}")
async def desk(
    request: Request,
    tab: Tab = "posts",
    saved: int | None = None,
    session: Session = Depends(signed_in),
    blog: Blog = Depends(blog_of),
) -> Response:
    return await desk_page(request, session, blog, tab, saved=saved)


@router.post("/edit/{slug}/posts")
async def compose(
    request: Request, session: Session = Depends(signed_in), blog: Blog = Depends(blog_of)
) -> Response:
    """Publish, save a draft, schedule or submit the compose box. The script sends the same
    form asking for JSON, with an Idempotency-Key, so a post queued offline goes out once."""
    form = await read_form(request)
    browser.check_csrf(session, form.get(browser.CSRF_FIELD))
    wants_json = "json" in request.headers.get("accept", "")
    key = request.headers.get("idempotency-key") or form.get("client_key") or None
    try:
        form = await photos.take_files(request, session, form)  # sent without JavaScript
        if key is not None and not CLIENT_KEY.fullmatch(key):
            raise Invalid(CLIENT_KEY_RULE)
        fields = post_fields(form, session.user.role, blog.timezone, creating=True)
        post, created = await service(request).posts.create(
            session.user, blog, validated(PostIn, fields), key
        )
    except LivelineError as exc:
        if wants_json:
            raise  # answered as JSON by the app's error handler
        return await desk_page(
            request, session, blog, "posts", compose=kept(form), error=exc, status=exc.status
        )
    if wants_json:
        body = {"id": post.id, "version": post.version, "status": str(post.status)}
        return JSONResponse(body, status_code=201 if created else 200)
    return RedirectResponse(f"/edit/{blog.slug}?{_landing(post)}", status_code=303)


def _landing(post: Post) -> str:
    """The tab a saved post is in, so the writer sees it there."""
    tab = {"draft": "drafts", "scheduled": "scheduled", "submitted": "queue"}.get(post.status)
    return f"tab={tab}&saved={post.id}" if tab else f"saved={post.id}"


async def desk_page(
    request: Request,
    session: Session,
    blog: Blog,
    tab: Tab,
    *,
    compose: dict[str, str] | None = None,
    error: LivelineError | None = None,
    saved: int | None = None,
    status: int = 200,
) -> Response:
    user = session.user
    posts: list[Post]
    notes: dict[int, str] = {}
    if tab == "posts":
        page = await run_in_threadpool(lambda: service(request).posts.page(blog, limit=DESK_LENGTH))
        posts = [*page.pinned, *page.posts]
    else:
        posts = await run_in_threadpool(service(request).review.tab, user, blog, tab)
        notes = await run_in_threadpool(service(request).review.notes, posts)
    queue = await run_in_threadpool(service(request).review.tab, user, blog, "queue")
    editing = await run_in_threadpool(service(request).presence.others, user, posts)
    context: dict[str, Any] = {
        "blog": blog_view(blog, console_language(request).tag),
        "tab": tab,
        "posts": [
            post_row(post, blog, user, console_language(request))
            | {"note": notes.get(post.id), "editing": editing.get(post.id)}
            for post in posts
        ],
        "queue_count": len(queue),
        "compose": compose or {"authors": user.byline},
        "client_key": str(uuid.uuid4()),
        "error": say_error(request, error) if error else "",
        "error_field": error.field if error else None,
        "saved": saved,
    }
    return render(request, "desk.html", session, status, **context)


@router.post("/edit/{slug}/preview")
async def preview(
    request: Request, session: Session = Depends(signed_in), blog: Blog = Depends(blog_of)
) -> Response:
    """The compose box as readers will see it: the reader page's own template and Markdown
    sanitiser, fed what is typed so far (nothing is stored)."""
    form = await read_form(request)
    browser.check_csrf(session, form.get(browser.CSRF_FIELD))
    fields = post_fields(form | {"action": "save"}, session.user.role, blog.timezone, creating=True)
    acceptable = [image for image in fields.get("images", []) if _acceptable(image)]
    images = await run_in_threadpool(service(request).media.shown, acceptable)
    post = {
        "id": 0,
        "version": 0,
        "pinned": False,
        **fields,
        # Only an image whose address would be accepted: the preview shows nothing unsafe.
        "images": images,
        "headline": fields["headline"][: Limit.HEADLINE],
        "body": fields["body"][: Limit.BODY],
        "published_at": service(request).clock().isoformat(),
    }
    # Off the loop: a body with embeds reads what their providers said.
    html = await run_in_threadpool(request.app.state.render_post, post, blog)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


def _acceptable(image: dict[str, Any]) -> bool:
    try:
        validated(ImageIn, image)
    except Invalid:
        return False
    return True
