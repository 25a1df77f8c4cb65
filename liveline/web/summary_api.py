"""A blog's summary ("What we know") in the JSON API: read it freely; save a new version or
restore an earlier one with a Bearer token and the version you started from in If-Match
(409 on a stale one, as for posts)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from liveline.formats.richtext import render_markdown
from liveline.model import Blog, User
from liveline.service import Service
from liveline.values import SummaryIn
from liveline.web.api import _blog, _version
from liveline.web.auth import current_user
from liveline.web.caching import conditional

router = APIRouter(prefix="/api")


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _summary(blog: Blog) -> dict[str, Any]:
    return {
        "blog": blog.slug,
        "summary": blog.summary,
        "version": blog.summary_version,
        "html": render_markdown(blog.summary) if blog.summary else "",
    }


def _answer(blog: Blog) -> JSONResponse:
    return JSONResponse(_summary(blog), headers={"ETag": f'"{blog.summary_version}"'})


@router.get("/blogs/{slug}/summary", tags=["read"])
async def get_summary(request: Request, blog: Blog = Depends(_blog)) -> Response:
    """The summary as Markdown and as the sanitised HTML pages show, with its version."""
    return conditional(request, blog, _answer(blog))


@router.put("/blogs/{slug}/summary", tags=["write"])
async def put_summary(
    body: SummaryIn,
    request: Request,
    user: User = Depends(current_user),
    blog: Blog = Depends(_blog),
    if_match: str | None = Header(default=None),
) -> Response:
    """A new version of the summary, on top of the version in If-Match (editors, admins)."""
    saved = await _service(request).summaries.save(user, blog, _version(if_match), body)
    return _answer(saved)


@router.get("/blogs/{slug}/summary/versions", tags=["read"])
async def summary_versions(
    request: Request, user: User = Depends(current_user), blog: Blog = Depends(_blog)
) -> dict[str, Any]:
    """Every saved version, newest first, with who saved it and when (staff only)."""
    versions = await run_in_threadpool(_service(request).summaries.versions, blog)
    return {
        "blog": blog.slug,
        "versions": [
            {
                "version": item.version,
                "saved_by": item.saved_by,
                "saved_at": item.saved_at.isoformat(),
                "summary": item.summary,
            }
            for item in versions
        ],
    }


@router.post("/blogs/{slug}/summary/versions/{version}/restore", tags=["write"])
async def restore_summary(
    version: int,
    request: Request,
    user: User = Depends(current_user),
    blog: Blog = Depends(_blog),
    if_match: str | None = Header(default=None),
) -> Response:
    """Version `version`'s text saved again as a new version, on top of If-Match's."""
    restored = await _service(request).summaries.restore(user, blog, _version(if_match), version)
    return _answer(restored)
