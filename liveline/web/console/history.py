"""A post's history on the desk: each version, who saved it and when; restore any of them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from liveline.formats import aptime
from liveline.model import Blog
from liveline.service import Session
from liveline.web import session as browser
from liveline.web.console.desk import blog_of
from liveline.web.console.forms import read_form, version
from liveline.web.console.pages import console_language, post_row, render, service, signed_in
from liveline.web.render import blog_view

router = APIRouter()
HISTORY = "/edit/{slug}/posts/{post_id}/history"


@router.get(HISTORY)
async def history_page(
    post_id: int,
    request: Request,
    session: Session = Depends(signed_in),
    blog: Blog = Depends(blog_of),
) -> Response:
    post = await run_in_threadpool(service(request).posts.get, blog, post_id)
    versions = await run_in_threadpool(service(request).history.versions, blog, post_id)
    lang = console_language(request)
    rows = [
        {
            "version": item.version,
            "saved_by": item.saved_by or lang.gettext("the server (on schedule)"),
            "saved_at": aptime.post_time(item.saved_at, blog.timezone, lang),
            **{name: item.snapshot.get(name) for name in ("headline", "body", "status")},
            "authors": aptime.join_names(item.snapshot.get("authors") or []),
        }
        for item in versions
    ]
    shown = post_row(post, blog, session.user)
    return render(request, "history.html", session, blog=blog_view(blog), post=shown, versions=rows)


@router.post(HISTORY + "/{restored}/restore")
async def restore_version(
    post_id: int,
    restored: int,
    request: Request,
    session: Session = Depends(signed_in),
    blog: Blog = Depends(blog_of),
) -> Response:
    form = await read_form(request)
    browser.check_csrf(session, form.get(browser.CSRF_FIELD))
    await service(request).history.restore(session.user, blog, post_id, version(form), restored)
    return RedirectResponse(f"/edit/{blog.slug}/posts/{post_id}/history", status_code=303)
