"""A blog's summary ("What we know"): a short Markdown list the editors keep above the posts,
versioned as posts are. Every save names the version it started from (compare-and-set: a
stale one is refused with 409); every version is kept with who saved it and when; an earlier
one can be restored, as a new version. Each save logs a `blog.updated` event in the same
transaction, so open pages show the new summary at once."""

from __future__ import annotations

from liveline.errors import N_, Conflict, Forbidden, NotFound, PreconditionRequired
from liveline.model import Blog, EventType, User
from liveline.service.unit import Tx, UnitOfWork
from liveline.store.summaries import SummaryRows, SummaryVersion
from liveline.values import SummaryIn

ROWS = SummaryRows()


class Summaries:
    def __init__(self, unit: UnitOfWork) -> None:
        self._unit = unit

    def versions(self, blog: Blog) -> list[SummaryVersion]:
        """Newest first."""
        return self._unit.read(lambda conn: ROWS.versions(conn, blog.id))

    async def save(self, user: User, blog: Blog, current: int | None, summary: SummaryIn) -> Blog:
        """Save `summary` on top of version `current` (the one the editor started from)."""
        if not user.role.edits_anything:
            raise Forbidden(N_("only editors and admins keep a live blog's summary"))
        if current is None:
            raise PreconditionRequired(
                N_(
                    "send If-Match with the summary's version you started from, so a save "
                    "cannot overwrite a newer one"
                )
            )
        text = summary.summary.strip("\n")

        def change(tx: Tx) -> Blog:
            before = tx.lock_blog(blog.id)
            saved = ROWS.save(tx.conn, blog.id, current, text, user.id, user.byline, tx.now)
            if saved is None:
                raise Conflict(
                    N_(
                        "the summary is at version %(now)s, not %(yours)s: someone saved it "
                        "since you loaded it; reload and edit again"
                    ),
                    current_version=before.summary_version,
                    now=before.summary_version,
                    yours=current,
                )
            after = tx.store.blog(tx.conn, blog.id)
            tx.record_blog(after, EventType.BLOG_UPDATED)
            return tx.store.blog(tx.conn, blog.id)

        return await self._unit.write(change)

    async def restore(self, user: User, blog: Blog, current: int | None, version: int) -> Blog:
        """Save version `version`'s text again, as a new version on top of `current`."""
        found = [item for item in self.versions(blog) if item.version == version]
        if not found:
            raise NotFound(N_("the summary has no recorded version %(version)s"), version=version)
        return await self.save(user, blog, current, SummaryIn(summary=found[0].summary))
