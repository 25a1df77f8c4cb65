"""Uploaded pictures over HTTP: `POST /api/media` takes one, `/media/{name}` serves its files.

Files are named by the hash of their bytes, so each answer may be cached for a year and never
revalidated; the ETag is the name itself.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from liveline.errors import NotFound
from liveline.model import Limit, User
from liveline.service import Service
from liveline.web.auth import current_user
from liveline.web.caching import none_match

router = APIRouter()

IMMUTABLE = "public, max-age=31536000, immutable"


async def uploader(request: Request) -> User:
    """Who may upload: a Bearer token today. The console's signed-in session (with its CSRF
    token) is to be accepted here too, once the console's sessions exist; this is the hook."""
    return await current_user(request)


@router.post("/api/media", status_code=201, tags=["write"])
async def upload_media(
    request: Request,
    file: UploadFile = File(description="a JPEG, PNG, WebP or GIF picture"),
    caption: str | None = Form(default=None, max_length=Limit.CAPTION),
    credit: str | None = Form(default=None, max_length=Limit.CREDIT),
    alt: str | None = Form(default=None, max_length=Limit.CAPTION),
    user: User = Depends(uploader),
) -> Response:
    """Upload a picture. Its type is what its content decodes as (never its name); it is
    stripped of EXIF, GPS, XMP and comments, and cut into renditions 480, 960 and 1600 px
    wide in WebP and its own format. The same file sent again answers with the same id."""
    service: Service = request.app.state.service
    data = await file.read(service.media.max_bytes + 1)
    body: dict[str, Any] = await service.media.upload(
        user, data, caption=_text(caption), credit=_text(credit), alt=_text(alt)
    )
    return JSONResponse(body, status_code=201, headers={"Location": body["url"]})


def _text(value: str | None) -> str | None:
    value = None if value is None else value.strip()
    return value or None


@router.get("/media/{key}", include_in_schema=False)
async def media_file(key: str, request: Request) -> Response:
    service: Service = request.app.state.service
    etag = f'"{key.split(".")[0]}"'
    headers = {"Cache-Control": IMMUTABLE, "ETag": etag, "X-Content-Type-Options": "nosniff"}
    if none_match(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    blob = await run_in_threadpool(service.media.file, key)
    if blob is None:
        raise NotFound("no such picture")
    return Response(blob.data, media_type=blob.type, headers=headers)
