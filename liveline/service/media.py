"""Uploaded pictures: who may send one, how it is checked and stored, and how a post names it.

An upload is checked and cut into renditions once, off the event loop (`formats.images`),
its files stored by the hash of their bytes and its row by the hash of the bytes sent: the
same photo uploaded twice is found, not made again. A post names an upload by its id; the
service fills in its address, size and renditions when the post is written, so that pages,
feeds and the log show a picture without asking the store again.
"""

from __future__ import annotations

import hashlib
from base64 import b64decode, b64encode
from dataclasses import asdict
from typing import Any

from anyio import to_thread
from sqlalchemy.exc import IntegrityError

from liveline.errors import AT, N_, Invalid, NotFound
from liveline.formats import images
from liveline.model import Image, Rendition, User
from liveline.service.unit import Tx, UnitOfWork
from liveline.store import media as rows
from liveline.store.media import Blob, Blobs
from liveline.values import CropIn


class TooLarge(Invalid):
    status = 413


class Media:
    def __init__(
        self,
        unit: UnitOfWork,
        blobs: Blobs,
        *,
        max_bytes: int = 10_000_000,
        max_pixels: int = images.DEFAULT_MAX_PIXELS,
        origin: str = "",
    ) -> None:
        self._unit = unit
        self.blobs = blobs
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.origin = origin.rstrip("/")  # a CDN in front of /media/, or "" for this site

    def url(self, key: str) -> str:
        return f"{self.origin}/media/{key}"

    async def upload(
        self,
        user: User,
        data: bytes,
        *,
        caption: str | None = None,
        credit: str | None = None,
        alt: str | None = None,
    ) -> dict[str, Any]:
        """The upload's JSON (id, url, size, renditions). Refused as Invalid, with what was
        wrong, before anything is stored."""
        if len(data) > self.max_bytes:
            raise TooLarge(
                N_("the file is %(size)s bytes; at most %(most)s are taken"),
                field="file",
                size=f"{len(data):,}",
                most=f"{self.max_bytes:,}",
            )
        if not data:
            raise Invalid(N_("the file is empty"), field="file")
        media_id = images.content_id(data)
        found = self._unit.read(lambda conn: rows.find_media(conn, media_id))
        if found is not None:
            return self._json(found)
        try:
            made = await to_thread.run_sync(images.process, data, self.max_pixels)
        except images.Refused as exc:
            raise Invalid(exc.said, field="file") from None
        await to_thread.run_sync(self._put_files, made)
        row = self._row(media_id, made, user, {"caption": caption, "credit": credit, "alt": alt})
        return self._json(await self._insert(row))

    async def crop(self, user: User, media_id: str, cut: CropIn) -> dict[str, Any]:
        """A crop and turn of an upload, made by the server from the kept original and stored
        as an upload of its own (with its renditions) that names the original it came from.
        The original is untouched. A rectangle outside the picture is refused, naming the
        field at fault; the same cut asked twice is found, not made again. (The console cuts
        from the original each time: a cut's JSON names it as `source`.)"""
        source = self._unit.read(lambda conn: rows.find_media(conn, media_id))
        if source is None:
            raise NotFound(N_("no uploaded image has the id %(id)r"), id=media_id)
        width, height = source["width"], source["height"]
        for name, start, size, whole in (("x", cut.x, cut.width, width),
                                         ("y", cut.y, cut.height, height)):  # fmt: skip
            if start >= whole:
                raise Invalid(
                    N_("%(name)s: %(start)s is outside the picture (0–%(last)s)"),
                    field=name,
                    name=name,
                    start=start,
                    last=whole - 1,
                )
            extent = "width" if name == "x" else "height"
            if start + size > whole:
                raise Invalid(
                    N_(
                        "%(extent)s: %(size)s from %(name)s=%(start)s goes past the picture's "
                        "edge (at most %(most)s)"
                    ),
                    field=extent,
                    extent=extent,
                    size=size,
                    name=name,
                    start=start,
                    most=whole - start,
                )
        box = {"x": cut.x, "y": cut.y, "width": cut.width, "height": cut.height,
               "rotate": cut.rotate}  # fmt: skip
        derived_id = images.content_id(f"{source['id']}:{sorted(box.items())}".encode())
        found = self._unit.read(lambda conn: rows.find_media(conn, derived_id))
        if found is not None:
            return self._json(found)
        blob = await to_thread.run_sync(self.blobs.get, source["original_key"])
        if blob is None:
            raise NotFound(N_("the original of that image is missing from storage"))
        area = (cut.x, cut.y, cut.width, cut.height)
        try:
            made = await to_thread.run_sync(
                images.derive, blob.data, area, cut.rotate, self.max_pixels
            )
        except images.Refused as exc:
            raise Invalid(exc.said, field="file") from None
        await to_thread.run_sync(self._put_files, made)
        words = {"caption": cut.caption, "credit": cut.credit, "alt": cut.alt}
        row = self._row(derived_id, made, user, {
            name: value if value is not None else source[name] for name, value in words.items()
        }) | {"source": source["id"], "crop": box}  # fmt: skip
        return self._json(await self._insert(row))

    def _row(
        self, media_id: str, made: images.Processed, user: User, words: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "id": media_id,
            "type": made.original.type,
            "width": made.original.width,
            "height": made.original.height,
            "original_key": made.original.key,
            "renditions": [
                {"key": item.key, "width": item.width, "type": item.type}
                for item in made.renditions
            ],
            **words,
            "user_id": user.id,
        }

    async def _insert(self, row: dict[str, Any]) -> dict[str, Any]:
        def insert(tx: Tx) -> dict[str, Any]:
            rows.insert_media(tx.conn, row, tx.now)
            stored = rows.find_media(tx.conn, row["id"])
            assert stored is not None
            return stored

        try:
            return await to_thread.run_sync(self._unit.write_quietly, insert)
        except IntegrityError:  # the same file, sent twice at once: the other one stored it
            stored = self._unit.read(lambda conn: rows.find_media(conn, row["id"]))
            if stored is None:
                raise
            return stored

    def _put_files(self, made: images.Processed) -> None:
        for item in (made.original, *made.renditions):
            self.blobs.put(item.key, item.type, item.data)

    def item(self, media_id: str) -> dict[str, Any] | None:
        found = self._unit.read(lambda conn: rows.find_media(conn, media_id))
        return None if found is None else self._json(found)

    def file(self, key: str) -> Blob | None:
        return self.blobs.get(key)

    # Archives: the uploads a blog's posts show travel with it, files and all.

    def export_uploads(self, ids: set[str]) -> list[dict[str, Any]]:
        found = self._unit.read(lambda conn: rows.find_many(conn, ids))
        exported = []
        for media_id in sorted(found):
            row = found[media_id]
            keys = [row["original_key"], *(item["key"] for item in row["renditions"])]
            files = []
            for key in dict.fromkeys(keys):
                blob = self.blobs.get(key)
                if blob is not None:
                    files.append(
                        {"key": key, "type": blob.type, "data": b64encode(blob.data).decode()}
                    )
            exported.append({
                **{name: row[name] for name in ("id", "type", "width", "height", "original_key",
                                                 "renditions", "caption", "credit", "alt")},
                "files": files,
            })  # fmt: skip
        return exported

    def import_uploads(self, uploads: list[dict[str, Any]]) -> None:
        """Store archived uploads: each file checked (its name is its hash; its content an
        image that passes every upload check) before any is stored. Raises Invalid."""
        checked: list[tuple[str, str, bytes]] = []
        for index, upload in enumerate(uploads):
            for number, item in enumerate(upload["files"]):
                where = f"media[{index}].files[{number}]"
                try:
                    data = b64decode(item["data"], validate=True)
                except ValueError:
                    raise Invalid(
                        N_("%(where)s.data: not base64"), field=where, where=where
                    ) from None
                if not item["key"].startswith(hashlib.sha256(data).hexdigest()[:40]):
                    raise Invalid(
                        N_("%(where)s: the file's bytes do not match its name"),
                        field=where,
                        where=where,
                    )
                try:
                    images.check(data, self.max_pixels)
                except images.Refused as exc:
                    raise Invalid(AT, field=where, where=where, reason=exc.said) from None
                checked.append((item["key"], item["type"], data))
        for key, type, data in checked:
            self.blobs.put(key, type, data)

        def insert(tx: Tx) -> None:
            for upload in uploads:
                row = {name: value for name, value in upload.items() if name != "files"}
                rows.insert_media(tx.conn, {**row, "user_id": None}, tx.now)

        self._unit.write_quietly(insert)

    def _json(self, row: dict[str, Any]) -> dict[str, Any]:
        image = self._image(row, Image())
        return {
            "id": row["id"],
            "url": image.url,
            "type": row["type"],
            "width": row["width"],
            "height": row["height"],
            "caption": row["caption"],
            "credit": row["credit"],
            "alt": row["alt"],
            "renditions": [asdict(item) for item in image.renditions],
            "source": row.get("source"),
            "crop": row.get("crop"),
        }

    def _image(self, row: dict[str, Any], given: Image) -> Image:
        """A post's image of an upload: what the writer gave, the upload's words where the
        writer gave none, and the upload's address and sizes."""
        return Image(
            url=self.url(row["original_key"]),
            caption=given.caption if given.caption is not None else row["caption"],
            credit=given.credit if given.credit is not None else row["credit"],
            alt=given.alt if given.alt is not None else row["alt"],
            media=row["id"],
            width=row["width"],
            height=row["height"],
            renditions=tuple(
                Rendition(self.url(item["key"]), item["width"], item["type"])
                for item in row["renditions"]
            ),
        )

    def shown(self, images: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Images as a preview shows them: each upload's address and sizes filled in; one
        that names no upload is left out (nothing is stored)."""
        found = self._unit.read(
            lambda conn: rows.find_many(
                conn, {item["media"] for item in images if item.get("media")}
            )
        )
        shown = []
        for item in images:
            if not item.get("media"):
                shown.append(item)
            elif item["media"] in found:
                image = self._image(found[item["media"]], Image.from_json(item))
                shown.append(asdict(image))
        return shown

    def resolve(self, tx: Tx, values: dict[str, Any]) -> dict[str, Any]:
        """A post's values with each uploaded image filled in from its upload; an id that
        names no upload is refused with the image's place in the post."""
        if not values.get("images"):
            return values
        given = [
            item if isinstance(item, Image) else Image.from_json(item) for item in values["images"]
        ]
        found = rows.find_many(tx.conn, {item.media for item in given if item.media})
        resolved = []
        for index, item in enumerate(given):
            if item.media is None:
                resolved.append(item)
            elif item.media in found:
                resolved.append(self._image(found[item.media], item))
            else:
                raise Invalid(
                    N_(
                        "images[%(index)s].media: no uploaded image has the id %(id)r "
                        "(upload it with POST /api/media first)"
                    ),
                    field=f"images.{index}.media",
                    index=index,
                    id=item.media,
                )
        return {**values, "images": resolved}
