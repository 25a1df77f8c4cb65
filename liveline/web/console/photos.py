"""The console's photos: a post's pictures as form fields, and files sent in the form itself.

Each picture of the post being written is one numbered slot of fields, in the order shown:
`photo-N-media` (an upload's id), `photo-N-url` (a picture by address, as imported posts
have, or none at all: a caption and credit still waiting for their photo), and
`photo-N-caption`, `-credit`, `-alt`. A form that shows the slots says so with `photos=1`;
one that does not (the desk's one-click buttons) leaves a post's pictures as they are.

With JavaScript, console-photos.js uploads each file at once (POST /api/media, with a
progress bar) and puts its id in the slot. Without it, the form is sent as multipart with
the files in it: `photo-N-file` gives slot N its picture (keeping its caption and credit),
and the files of `photo-new` become new slots. They are uploaded here, through the same
checks as the API's, once the form's CSRF token has been checked.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from liveline.errors import AT, N_, Invalid
from liveline.model import Limit
from liveline.service import Service, Session

MARK = "photos"
SLOT = re.compile(r"photo-(\d{1,2})-(media|url|caption|credit|alt|thumb|remove)")
FILE = re.compile(r"photo-(\d{1,2})-file")
WORDS = ("caption", "credit", "alt")
NEW = "photo-new"


def images_of(form: dict[str, str]) -> list[dict[str, Any]] | None:
    """The post's pictures as the form gives them (None: the form shows none, so they stay).
    An empty slot (no picture and no words) is dropped."""
    if form.get(MARK) != "1":
        return None
    slots: dict[int, dict[str, str | None]] = {}
    for name, value in form.items():
        found = SLOT.fullmatch(name)
        if found:
            slots.setdefault(int(found[1]), {})[found[2]] = value.strip() or None
    images = []
    for number in sorted(slots):
        slot = slots[number]
        slot.pop("thumb", None)  # what the tray shows of it, not part of the post
        if slot.pop("remove", None):
            continue
        if slot.get("media"):
            slot.pop("url", None)  # an upload replaces the address it had
        image = {name: value for name, value in slot.items() if value is not None}
        if image:
            images.append(image)
    if len(images) > Limit.IMAGES:
        raise Invalid(
            N_("images: at most %(most)s pictures a post"), field="images", most=int(Limit.IMAGES)
        )
    return images


def slot_names(form: dict[str, str]) -> set[str]:
    """The form's photo fields, to put back in the form when a save is refused."""
    return {name for name in form if name == MARK or SLOT.fullmatch(name)}


def slots_of(values: dict[str, str]) -> list[dict[str, str]]:
    """The slots a page shows, from a form's values (in their order), for the template."""
    found: dict[int, dict[str, str]] = {}
    for name, value in values.items():
        match = SLOT.fullmatch(name)
        if match:
            found.setdefault(int(match[1]), {})[match[2]] = value
    return [found[number] for number in sorted(found)]


def as_fields(images: list[dict[str, Any]]) -> dict[str, str]:
    """A post's pictures as form values (the edit page's)."""
    fields = {MARK: "1"}
    for number, image in enumerate(images):
        for name in ("media", "url", *WORDS):
            fields[f"photo-{number}-{name}"] = image.get(name) or ""
        smallest = image.get("renditions") or ()
        fields[f"photo-{number}-thumb"] = smallest[0]["url"] if smallest else image.get("url") or ""
    return fields


async def take_files(request: Request, session: Session, form: dict[str, str]) -> dict[str, str]:
    """The form with the files sent in it uploaded, each named in its slot. Call it after
    the CSRF check. A file that is not a picture is refused (Invalid), as the API refuses it."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return form
    sent = await request.form()  # read already by read_form: Starlette keeps it
    service: Service = request.app.state.service
    form = dict(form)
    numbers = [int(found[1]) for name in form if (found := SLOT.fullmatch(name))]
    next_slot = max(numbers, default=-1) + 1
    for name, value in sent.multi_items():
        if not isinstance(value, UploadFile) or not value.filename:
            continue  # a file input left empty
        data = await value.read(service.media.max_bytes + 1)
        if not data:
            continue
        slot = FILE.fullmatch(name)
        if slot is not None:
            number = int(slot[1])
            words = {word: form.get(f"photo-{number}-{word}") or None for word in WORDS}
        elif name == NEW:
            number, next_slot = next_slot, next_slot + 1
            words = {word: form.get(f"{NEW}-{word}", "").strip() or None for word in WORDS}
            for word, value_of in words.items():
                form[f"photo-{number}-{word}"] = value_of or ""
        else:
            continue
        try:
            upload = await service.media.upload(session.user, data, **words)
        except Invalid as exc:
            where = value.filename[:80]
            raise Invalid(AT, field=name, where=where, reason=exc.said) from None
        form[f"photo-{number}-media"] = upload["id"]
        form[f"photo-{number}-thumb"] = upload["renditions"][0]["url"]
        form.pop(f"photo-{number}-url", None)
        form[MARK] = "1"
    return form
