"""Console forms into the same validated inputs the API takes (values.py): one set of rules.

Forms arrive URL-encoded (the page's own forms, and the script, which sends the same fields).
Times are entered in the blog's time zone, as the desk thinks of them, and become aware
times here; names in a byline are separated by commas.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import Request
from pydantic import BaseModel, ValidationError

from liveline.errors import AT, N_, Invalid, why
from liveline.model import Limit, Role
from liveline.web.console import photos

Form = dict[str, str]
M = TypeVar("M", bound=BaseModel)
# Each button of the compose box and the edit form, as the post's status it asks for
# (None: keep the status it has).
ACTIONS: dict[str, str | None] = {
    "publish": "published",
    "draft": "draft",
    "schedule": "scheduled",
    "submit": "submitted",
    "save": None,
}
TEXT_FIELDS = ("headline", "body", "authors", "location", "publish_at", "contributors")
IMAGE_FIELDS = ("image_url", "image_caption", "image_credit", "image_alt")
# "/key" and "/pin" typed at the start of the body set those flags, as WordPress's Liveblog
# taught its users; they are taken out of the text.
SHORTCUT = re.compile(r"\A[ \t]*/(key|pin)\b[ \t]*(?:\r?\n)?")


async def read_form(request: Request) -> Form:
    """The fields of a URL-encoded body, the last value of each (a checkbox sends one). A
    multipart body (a form with photos in it, sent without JavaScript) gives its text fields
    here, its files to `photos.take_files`."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind == "multipart/form-data":
        sent = await request.form(max_files=Limit.IMAGES, max_fields=200)
        return {name: value for name, value in sent.items() if isinstance(value, str)}
    if kind not in ("application/x-www-form-urlencoded", ""):
        raise Invalid(N_("send the form URL-encoded, as the console's own pages do"))
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True, max_num_fields=200))


def names(text: str) -> list[str]:
    return [name.strip() for name in text.replace("\n", ",").split(",") if name.strip()]


def local_time(text: str, timezone: str) -> datetime | None:
    """A datetime-local value ("2026-02-07T14:20"), meant in the blog's zone."""
    if not text.strip():
        return None
    try:
        naive = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(N_("publish_at: enter a date and time such as 2026-02-07 14:20")) from None
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=ZoneInfo(timezone))


def post_fields(form: Form, role: Role, timezone: str, *, creating: bool) -> dict[str, Any]:
    """The post's fields from a compose or edit form. A reporter's or contributor's form has
    no pin box, so it sends no pin (leaving it as it is); one sent anyway is theirs to be
    refused for, by the service."""
    action = form.get("action", "publish" if creating else "save")
    if action not in ACTIONS:
        raise Invalid(N_("action: unknown button %(action)r"), field="action", action=action)
    body, flags = shortcuts(form.get("body", ""))
    fields: dict[str, Any] = {
        "headline": form.get("headline", ""),
        "body": body,
        "authors": names(form.get("authors", "")),
        "location": form.get("location", "").strip() or None,
        "key_event": form.get("key_event") == "on" or "key" in flags,
        "contributors": names(form.get("contributors", "")),
    }
    pictures = photos.images_of(form)  # the photo tray's slots (None: not on this form)
    if pictures is not None:
        fields["images"] = pictures
    if creating and form.get("image_url", "").strip():
        # One image by its address, until the photos work's uploads land; an edit leaves a
        # post's images as they are.
        fields["images"] = [
            {
                name.removeprefix("image_"): form.get(name, "").strip() or None
                for name in IMAGE_FIELDS
            },
            *(pictures or ()),
        ]
    if role.edits_anything or "pinned" in form or "pin" in flags:
        fields["pinned"] = form.get("pinned") == "on" or "pin" in flags
    status = ACTIONS[action]
    if status is not None:
        fields["status"] = status
    if status == "scheduled":
        fields["publish_at"] = local_time(form.get("publish_at", ""), timezone)
    return fields


def shortcuts(body: str) -> tuple[str, set[str]]:
    """The body without its leading "/key" and "/pin", and which of them it had."""
    flags: set[str] = set()
    while found := SHORTCUT.match(body):
        flags.add(found[1])
        body = body[found.end() :]
    return body, flags


def validated(model: type[M], fields: dict[str, Any]) -> M:
    """The fields as a values.py input, or Invalid naming the first field at fault."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or None
        raise Invalid(AT, field=where, where=where or "form", reason=why(first)) from None


def version(form: Form) -> int | None:
    text = form.get("version", "")
    return int(text) if text.isdigit() and len(text) < 10 else None


def kept(form: Form) -> dict[str, str]:
    """What the writer typed, to put back in the form when a save is refused."""
    return (
        {name: form.get(name, "") for name in (*TEXT_FIELDS, *IMAGE_FIELDS)}
        | {
            "key_event": form.get("key_event", ""),
            "pinned": form.get("pinned", ""),
        }
        | {name: form[name] for name in photos.slot_names(form)}
    )
