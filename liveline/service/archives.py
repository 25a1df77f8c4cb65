"""Export a live blog as a lossless archive, and store one: the service side of the format."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from anyio import to_thread

from liveline.errors import N_, NotFound
from liveline.formats.archive import Archive, to_archive
from liveline.model import Blog, Post
from liveline.service.media import Media
from liveline.service.replacing import WholeBlog, store_whole_blog
from liveline.service.unit import UnitOfWork
from liveline.store.summaries import SummaryRows, SummaryVersion
from liveline.values import Slug, validate_one


class Archives:
    def __init__(self, unit: UnitOfWork, media: Media | None = None) -> None:
        self._unit = unit
        self._media = media

    def export(self, slug: str) -> dict[str, Any]:
        """The blog and every post of it, read in one snapshot so the two agree."""

        def read(conn: Any) -> tuple[Blog | None, list[Post], list[SummaryVersion]]:
            blog = self._unit.store.blog_by_slug(conn, slug)
            if blog is None:
                return None, [], []
            summaries = SummaryRows().versions(conn, blog.id)
            return blog, self._unit.store.all_posts(conn, blog.id), summaries

        blog, posts, summaries = self._unit.read(read)
        if blog is None:
            raise NotFound(N_("no live blog with the slug %(slug)r"), slug=slug)
        ids = {image.media for post in posts for image in post.images if image.media}
        uploads = self._media.export_uploads(ids) if self._media and ids else []
        versions = [
            {
                "version": item.version,
                "saved_by": item.saved_by,
                "saved_at": item.saved_at.isoformat(),
                "summary": item.summary,
            }
            for item in reversed(summaries)  # oldest first
        ]
        return to_archive(
            blog, posts, exported_at=self._unit.clock(), media=uploads, summary_versions=versions
        )

    async def import_archive(
        self,
        archive: Archive,
        slug: str | None = None,
        *,
        replace: bool = False,
        language: str | None = None,  # validated by the caller; None: the archived one
    ) -> Blog:
        slug = validate_one(Slug, slug or archive.blog.slug, "slug")
        if archive.media and self._media is not None:
            uploads = [upload.model_dump() for upload in archive.media]
            await to_thread.run_sync(self._media.import_uploads, uploads)
        meta = archive.blog.model_dump(exclude={"slug", "created_at", "updated_at"})
        if language is not None:
            meta["language"] = language
        # In archive order (the source's id order), so ties in published_at keep their order;
        # how often a post was saved is part of it, so the archived version survives the move.
        rows = [post.model_dump(exclude={"id"}) for post in archive.posts]
        now = self._unit.clock()

        def times(existed: bool) -> Mapping[str, Any]:
            if existed:  # a replaced blog really did change now
                return {"updated_at": now}
            # logging moved updated_at to now; a fresh blog keeps the story's own times
            return {"created_at": archive.blog.created_at, "updated_at": archive.blog.updated_at}

        summaries = [
            SummaryVersion(item.version, item.saved_by, item.saved_at, item.summary)
            for item in archive.summary_versions
        ]
        whole = WholeBlog(slug, meta, rows, times, summary_versions=summaries)
        return await store_whole_blog(self._unit, whole, replace=replace)
