"""One post's changes from the desk: edit, delete, restore, approve, return with a note.

Every form carries the version it was made from. A stale save is refused, and the page shows
the version that was saved beside the writer's own text, with the newer version now in the
form, so the writer can merge and save again: nothing is overwritten, and nothing is lost.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from liveline.errors import N_, Conflict, Invalid, LivelineError
from liveline.model import Blog, Post
from liveline.service import Session
from liveline.values import Note, PostPatch, validate_one
from liveline.web import session as browser
from liveline.web.console import photos
from liveline.web.console.desk import blog_of
from liveline.web.console.forms import Form, kept, post_fields, read_form, validated, version
from liveline.web.console.pages import in_zone, post_row, render, say_error, service, signed_in
from liveline.web.render import blog_view

router = APIRouter()
POST = "/edit/{slug}/posts/{post_id}"


@router.get(POST)
async def edit_page(
    post_id: int,
    request: Request,
    session: Session = Depends(signed_in),
    blog: Blog = Depends(blog_of),
) -> Response:
    post = await run_in_threadpool(service(request).posts.get, blog, post_id)
    await run_in_threadpool(service(request).presence.here, session.user, post)
    return await _page(request, session, blog, post, _as_form(post, blog))


@router.post(POST + "/presence")
async def still_here(
    post_id: int,
    request: Request,
    session: Session = Depends(signed_in),
    blog: Blog = Depends(blog_of),
) -> Response:
    """An open edit page saying it is still open; answers who else has the post open."""
    form = await _checked_form(request, session)
    post = await run_in_threadpool(service(request).posts.get, blog, post_id)
    presence = service(request).presence
    if form.get("gone"):
        await run_in_threadpool(presence.gone, session.user, post)
        return JSONResponse({"editing": []})
    await run_in_threadpool(presence.here, session.user, post)
    others = await run_in_threadpool(presence.others, session.user, [post])
    return JSONResponse({"editing": others.get(post.id, [])})


@router.post(POST)
async def save(
    post_id: int,
    request: Request,
    session: Session = Depends(signed_in),
    blog: Blog = Depends(blog_of),
) -> Response:
    form = await _checked_form(request, session)
    try:
        form = await photos.take_files(request, session, form)  # sent without JavaScript
        fields = post_fields(form, session.user.role, blog.timezone, creating=False)
        await service(request).posts.update(
            session.user, blog, post_id, version(form), validated(PostPatch, fields)
        )
    except Conflict as exc:  # someone saved first: show both, keep every word
        current = await run_in_threadpool(service(request).posts.get, blog, post_id)
        return await _page(
            request, session, blog, current, kept(form), error=exc, theirs=current, status=409
        )
    except LivelineError as exc:
        current = await run_in_threadpool(service(request).posts.get, blog, post_id)
        mine = kept(form) | {"version": form.get("version", "")}
        return await _page(request, session, blog, current, mine, error=exc, status=exc.status)
    saved = await run_in_threadpool(service(request).posts.get, blog, post_id)
    await run_in_threadpool(service(request).presence.gone, session.user, saved)
    return RedirectResponse(f"/edit/{blog.slug}?saved={post_id}", status_code=303)


@router.post(POST + "/delete")
async def delete(
    post_id: int,
    request: Request,
    session: Session = Depends(signed_in),
    blog: Blog = Depends(blog_of),
) -> Response:
    form = await _checked_form(request, session)
    await service(request).posts.delete(session.user, blog, post_id, version(form))
    return RedirectResponse(f"/edit/{blog.slug}", status_code=303)


@router.post(POST + "/flag")
async def flag(
    post_id: int,
    request: Request,
    session: Session = Depends(signed_in),
    blog: Blog = Depends(blog_of),
) -> Response:
    """One click from the desk's list: pin or unpin, mark or unmark a key event."""
    form = await _checked_form(request, session)
    name = form.get("flag", "")
    if name not in ("pinned", "key_event"):
        raise Invalid(N_("flag: pinned or key_event"), field="flag")
    patch = validated(PostPatch, {name: form.get("on") == "1"})
    await service(request).posts.update(session.user, blog, post_id, version(form), patch)
    return RedirectResponse(f"/edit/{blog.slug}?saved={post_id}", status_code=303)


@router.post(POST + "/restore")
async def restore(
    post_id: int,
    request: Request,
    session: Session = Depends(signed_in),
    blog: Blog = Depends(blog_of),
) -> Response:
    form = await _checked_form(request, session)
    await service(request).review.restore(session.user, blog, post_id, version(form))
    return RedirectResponse(f"/edit/{blog.slug}?tab=deleted&saved={post_id}", status_code=303)


@router.post(POST + "/approve")
async def approve(
    post_id: int,
    request: Request,
    session: Session = Depends(signed_in),
    blog: Blog = Depends(blog_of),
) -> Response:
    form = await _checked_form(request, session)
    await service(request).review.approve(session.user, blog, post_id, version(form))
    return RedirectResponse(f"/edit/{blog.slug}?saved={post_id}", status_code=303)


@router.post(POST + "/return")
async def send_back(
    post_id: int,
    request: Request,
    session: Session = Depends(signed_in),
    blog: Blog = Depends(blog_of),
) -> Response:
    form = await _checked_form(request, session)
    note = validate_one(Note, form.get("note", ""), "note")
    await service(request).review.send_back(session.user, blog, post_id, version(form), note)
    return RedirectResponse(f"/edit/{blog.slug}?tab=queue", status_code=303)


async def _checked_form(request: Request, session: Session) -> Form:
    form = await read_form(request)
    browser.check_csrf(session, form.get(browser.CSRF_FIELD))
    return form


def _as_form(post: Post, blog: Blog) -> dict[str, str]:
    return {
        "headline": post.headline,
        "body": post.body,
        "authors": ", ".join(post.authors),
        "location": post.location or "",
        "contributors": ", ".join(post.contributors),
        "publish_at": in_zone(post.publish_at, blog.timezone),
        "key_event": "on" if post.key_event else "",
        "pinned": "on" if post.pinned else "",
    } | photos.as_fields([asdict(image) for image in post.images])


async def _page(
    request: Request,
    session: Session,
    blog: Blog,
    post: Post,
    form: dict[str, str],
    *,
    error: LivelineError | None = None,
    theirs: Post | None = None,
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "blog": blog_view(blog),
        "post": post_row(post, blog, session.user),
        "form": form,
        # The form saves against the version shown beside it: after a conflict, the newer one.
        "version": form.get("version") or post.version,
        "error": say_error(request, error) if error else "",
        "theirs": _as_form(theirs, blog) | {"version": str(theirs.version)} if theirs else None,
        "editing": (
            await run_in_threadpool(service(request).presence.others, session.user, [post])
        ).get(post.id, []),
    }
    return render(request, "edit.html", session, status, **context)
