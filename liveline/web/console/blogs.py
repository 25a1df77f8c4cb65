"""The console's first page: the live blogs a person may work on, and (for editors) opening
a new one."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from liveline.errors import LivelineError
from liveline.model import BRAND_FIELDS, Blog
from liveline.service import Session
from liveline.values import BlogIn, BlogPatch
from liveline.web import session as browser
from liveline.web.console.forms import names, read_form, validated
from liveline.web.console.pages import console_language, render, say_error, service, signed_in
from liveline.web.console.summary import summary_context
from liveline.web.render import blog_view

router = APIRouter()


@router.get("/edit")
async def blog_list(request: Request, session: Session = Depends(signed_in)) -> Response:
    return await _page(request, session)


@router.post("/edit/blogs")
async def open_blog(request: Request, session: Session = Depends(signed_in)) -> Response:
    form = await read_form(request)
    browser.check_csrf(session, form.get(browser.CSRF_FIELD))
    fields = {
        "title": form.get("title", ""),
        "slug": form.get("slug", "").strip() or None,
        "authors": names(form.get("authors", "")),
        "organization": form.get("organization", "").strip() or None,
        "timezone": form.get("timezone", "").strip() or None,
        "language": form.get("language", "").strip() or None,
    }
    try:
        blog = await service(request).blogs.create(session.user, validated(BlogIn, fields))
    except LivelineError as exc:
        return await _page(
            request, session, error=say_error(request, exc), form=form, status=exc.status
        )
    return RedirectResponse(f"/edit/{blog.slug}", status_code=303)


@router.get("/edit/{slug}/settings")
async def settings_page(
    slug: str, request: Request, session: Session = Depends(signed_in)
) -> Response:
    blog = await run_in_threadpool(service(request).blogs.get, slug)
    return await _settings(request, session, blog, _blog_form(blog))


@router.post("/edit/{slug}/settings")
async def change_blog(
    slug: str, request: Request, session: Session = Depends(signed_in)
) -> Response:
    """Retitle, re-byline, move to another zone, close or reopen (editors; the slug stays)."""
    blog = await run_in_threadpool(service(request).blogs.get, slug)
    form = await read_form(request)
    browser.check_csrf(session, form.get(browser.CSRF_FIELD))
    fields = {
        "title": form.get("title", ""),
        "authors": names(form.get("authors", "")),
        "organization": form.get("organization", "").strip() or None,
        "timezone": form.get("timezone", "").strip(),
        "status": "closed" if form.get("closed") == "on" else "open",
        # The blog's own marks; left empty, the instance's.
        **{name: form.get(name, "").strip() or None for name in BRAND_FIELDS},
    }
    if form.get("language", "").strip():  # a form without the field leaves it as it is
        fields["language"] = form["language"].strip()
    try:
        await service(request).blogs.update(session.user, blog, validated(BlogPatch, fields))
    except LivelineError as exc:
        return await _settings(
            request, session, blog, form, error=say_error(request, exc), status=exc.status
        )
    return RedirectResponse(f"/edit/{blog.slug}", status_code=303)


def _blog_form(blog: Blog) -> dict[str, str]:
    return {
        "title": blog.title,
        "authors": ", ".join(blog.authors),
        "organization": blog.organization or "",
        "timezone": blog.timezone,
        "language": blog.language,
        "closed": "" if blog.is_open else "on",
        **{name: getattr(blog, name) or "" for name in BRAND_FIELDS},
    }


async def settings_with(
    request: Request,
    session: Session,
    blog: Blog,
    *,
    error: str = "",
    status: int = 200,
    summary: str | None = None,
) -> Response:
    """The settings page after a refused summary save: the blog's form as stored."""
    return await _settings(
        request, session, blog, _blog_form(blog), error=error, status=status, summary=summary
    )


async def _settings(
    request: Request,
    session: Session,
    blog: Blog,
    form: dict[str, str],
    *,
    error: str = "",
    status: int = 200,
    summary: str | None = None,
) -> Response:
    context = {"blog": blog_view(blog), "form": form, "error": error}
    context |= await summary_context(request, blog, summary)
    return render(request, "settings.html", session, status, **context)


async def _page(
    request: Request,
    session: Session,
    *,
    error: str = "",
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    blogs: list[Blog] = await run_in_threadpool(service(request).blogs.all)
    # Open blogs first: those are the ones on deadline.
    blogs.sort(key=lambda blog: not blog.is_open)
    return render(
        request,
        "blogs.html",
        session,
        status,
        blogs=[blog_view(blog, console_language(request).tag) for blog in blogs],
        error=error,
        form=form or {},
        default_timezone=service(request).blogs.default_timezone,
        default_language=service(request).blogs.default_language,
    )
