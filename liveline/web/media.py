"""Uploaded pictures over HTTP: `POST /api/media` takes one, `/media/{name}` serves its files.

Files are named by the hash of their bytes, so each answer may be cached for a year and never
revalidated; the ETag is the name itself.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from liveline.errors import N_, NotFound
from liveline.model import Limit, User
from liveline.service import Service
from liveline.values import CropIn
from liveline.web.auth import current_user
from liveline.web.caching import none_match

router = APIRouter()

IMMUTABLE = "public, max-age=31536000, immutable"


async def uploader(request: Request) -> User:
    """Who may upload: a Bearer token, or the console's signed-in session with its CSRF token
    in X-CSRF-Token (the console's photo tray sends it so)."""
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


@router.get("/api/media/{media_id}", tags=["read"])
async def media_item(media_id: str, request: Request, user: User = Depends(uploader)) -> Response:
    """An upload's JSON: its address, size and renditions, and for a crop the original it was
    cut from (`source`) and the cut (`crop`), so that it can be cut again from the original."""
    service: Service = request.app.state.service
    found = await run_in_threadpool(service.media.item, media_id)
    if found is None:
        raise NotFound(N_("no uploaded image has the id %(id)r"), id=media_id)
    return JSONResponse(found, headers={"Cache-Control": "private, no-cache"})


@router.post("/api/media/{media_id}/crop", status_code=201, tags=["write"])
async def crop_media(
    media_id: str, cut: CropIn, request: Request, user: User = Depends(uploader)
) -> Response:
    """Crop and turn an uploaded picture: `x`, `y`, `width` and `height` in the original's
    pixels, then `rotate` (0, 90, 180 or 270 degrees clockwise). The server makes the cut
    from the kept original and stores it as an upload of its own, with its renditions and
    `source` naming the original (which is unchanged). A rectangle that leaves the picture
    is refused with 422, naming the field."""
    service: Service = request.app.state.service
    body: dict[str, Any] = await service.media.crop(user, media_id, cut)
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
        raise NotFound(N_("no such picture"))
    return Response(blob.data, media_type=blob.type, headers=headers)
