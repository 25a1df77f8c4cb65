"""A blog's "What we know" on its settings page: save a new version (with the version the
editor started from: a stale save is refused, and what they typed is kept), see every
version with who saved it and when, restore one; and the embed's copy-paste snippet."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from liveline.errors import LivelineError
from liveline.formats import aptime
from liveline.model import Blog
from liveline.service import Session
from liveline.values import SummaryIn
from liveline.web import session as browser
from liveline.web.console.forms import read_form, validated, version
from liveline.web.console.pages import console_language, say_error, service, signed_in
from liveline.web.embedcode import embed_snippet
from liveline.web.urls import public_base_url

router = APIRouter()


async def summary_context(request: Request, blog: Blog, typed: str | None = None) -> dict[str, Any]:
    """What the settings page shows of the summary: the form (with what was typed, after a
    refused save), the versions, and the embed snippet."""
    versions = await run_in_threadpool(service(request).summaries.versions, blog)
    lang = console_language(request)
    return {
        "summary_text": blog.summary if typed is None else typed,
        "summary_version": blog.summary_version,
        "summary_versions": [
            {
                "version": item.version,
                "saved_by": item.saved_by or lang.gettext("an import"),
                "saved_at": aptime.post_time(item.saved_at, blog.timezone),
                "summary": item.summary,
            }
            for item in versions
        ],
        "snippet": embed_snippet(public_base_url(request), blog.slug, blog.title),
    }


@router.post("/edit/{slug}/summary")
async def save_summary(
    slug: str, request: Request, session: Session = Depends(signed_in)
) -> Response:
    from liveline.web.console.blogs import settings_with  # the page this form is on

    blog = await run_in_threadpool(service(request).blogs.get, slug)
    form = await read_form(request)
    browser.check_csrf(session, form.get(browser.CSRF_FIELD))
    typed = form.get("summary", "")
    try:
        text = validated(SummaryIn, {"summary": typed})
        await service(request).summaries.save(session.user, blog, version(form), text)
    except LivelineError as exc:
        # What they typed stays in the box, over the version now stored (listed below it):
        # saving again is a choice made having seen the other one.
        blog = await run_in_threadpool(service(request).blogs.get, slug)
        return await settings_with(
            request, session, blog, error=say_error(request, exc), status=exc.status,
            summary=typed,
        )  # fmt: skip
    return RedirectResponse(f"/edit/{blog.slug}/settings#summary-form", status_code=303)


@router.post("/edit/{slug}/summary/{restored}/restore")
async def restore_summary(
    slug: str, restored: int, request: Request, session: Session = Depends(signed_in)
) -> Response:
    from liveline.web.console.blogs import settings_with

    blog = await run_in_threadpool(service(request).blogs.get, slug)
    form = await read_form(request)
    browser.check_csrf(session, form.get(browser.CSRF_FIELD))
    try:
        await service(request).summaries.restore(session.user, blog, version(form), restored)
    except LivelineError as exc:
        return await settings_with(
            request, session, blog, error=say_error(request, exc), status=exc.status
        )
    return RedirectResponse(f"/edit/{blog.slug}/settings#summary-form", status_code=303)
