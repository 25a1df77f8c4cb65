"""The rules: who may change what, and how every change lands in the event log.

Writes are async: the database work runs in a worker thread inside one transaction
(the change and its event together), and only after commit is the event handed to the
broker. Reads are plain functions; the web layer runs them where it likes.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from anyio import to_thread
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from liveline import importing
from liveline.broker import Broker
from liveline.errors import Conflict, Forbidden, Invalid, NotFound, PreconditionRequired
from liveline.formats.textparse import ParsedBlog
from liveline.model import (
    SLUG,
    SLUG_RULE,
    Blog,
    Event,
    EventType,
    Post,
    PostStatus,
    Role,
    User,
)
from liveline.store.queries import Store

POST_FIELDS = {
    "headline", "body", "authors", "location", "contributors", "images", "key_event",
    "pinned", "status", "publish_at", "published_at",
}  # fmt: skip
EDITORS = {Role.ADMIN, Role.EDITOR}


def utcnow() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    # API tokens are 256 random bits, so a fast hash is safe and keeps per-request auth cheap.
    return hashlib.sha256(token.encode()).hexdigest()


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:100].rstrip("-") or "live"


class Service:
    def __init__(
        self, store: Store, broker: Broker, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.store = store
        self.broker = broker
        self.clock = clock

    # Reads

    def blog(self, slug: str) -> Blog:
        with self.store.reading() as conn:
            blog = self.store.blog_by_slug(conn, slug)
        if blog is None:
            raise NotFound(f"no live blog with the slug {slug!r}")
        return blog

    def blogs(self) -> list[Blog]:
        with self.store.reading() as conn:
            return self.store.list_blogs(conn)

    def page(
        self, blog: Blog, *, newest_first: bool = True, cursor: str | None = None, limit: int = 20
    ) -> tuple[list[Post], list[Post], str | None]:
        with self.store.reading() as conn:
            return self.store.page_of_posts(
                conn, blog.id, newest_first=newest_first, cursor=cursor, limit=limit
            )

    def post(self, blog: Blog, post_id: int) -> Post:
        with self.store.reading() as conn:
            post = self.store.post(conn, blog.id, post_id)
        if post is None:
            raise NotFound(f"no post {post_id} in {blog.slug!r}")
        return post

    def events_since(self, blog_id: int, since: int, limit: int = 500) -> list[Event]:
        with self.store.reading() as conn:
            return self.store.events_since(conn, blog_id, since, limit)

    def user_for_token(self, token: str) -> User | None:
        with self.store.reading() as conn:
            return self.store.user_by_token_hash(conn, hash_token(token))

    # Accounts (command line)

    def add_user(self, name: str, role: Role) -> User:
        if not re.fullmatch(r"[\w.@-]{1,100}", name):
            raise Invalid(
                "a user name is 1–100 letters, digits, '.', '@', '-' or '_'", field="name"
            )
        try:
            with self.store.transaction() as conn:
                return self.store.insert_user(conn, name, role, self.clock())
        except IntegrityError:
            raise Conflict(f"there is already a user called {name!r}") from None

    def create_token(self, name: str, label: str | None = None) -> str:
        token = "ll_" + secrets.token_urlsafe(32)
        with self.store.transaction() as conn:
            user = self.store.user_by_name(conn, name)
            if user is None:
                raise NotFound(f"no user called {name!r}; add one with `liveline user add`")
            self.store.insert_token(conn, user.id, hash_token(token), label, self.clock())
        return token

    # Writes

    async def create_blog(self, user: User, fields: dict[str, Any]) -> Blog:
        if user.role not in EDITORS:
            raise Forbidden("only editors and admins can open a live blog")
        values = _blog_values(fields)
        return await to_thread.run_sync(self._create_blog, values)

    def _create_blog(self, values: dict[str, Any]) -> Blog:
        try:
            with self.store.transaction() as conn:
                blog_id = self.store.insert_blog(conn, values, self.clock())
                return self.store.blog_by_id(conn, blog_id)
        except IntegrityError:
            raise Conflict(f"the slug {values['slug']!r} is taken") from None

    async def update_blog(self, user: User, blog: Blog, fields: dict[str, Any]) -> Blog:
        """Retitle, re-byline or move a blog to another zone; close or reopen it."""
        if user.role not in EDITORS:
            raise Forbidden("only editors and admins can change or close a live blog")
        values = _blog_values({**_editable(blog), **fields})
        values.pop("slug", None)  # a slug is its readers' address: it never changes
        after, event = await to_thread.run_sync(self._update_blog, blog, values)
        await self.announce(event)
        return after

    def _update_blog(self, blog: Blog, values: dict[str, Any]) -> tuple[Blog, Event]:
        now = self.clock()
        with self.store.transaction() as conn:
            before = self.store.blog_by_id(conn, blog.id)
            if before is None:
                raise NotFound("that live blog no longer exists")
            self.store.update_blog(conn, blog.id, values)
            closing = values["status"] == "closed" and before.is_open
            changed = self.store.blog_by_id(conn, blog.id)
            state = {**changed.to_json(), "updated_at": now.isoformat()}
            del state["last_seq"]  # the event's own seq says it
            event_type = EventType.BLOG_CLOSED if closing else EventType.BLOG_UPDATED
            event = self.store.append_event(conn, blog.id, event_type, None, {"blog": state}, now)
            return self.store.blog_by_id(conn, blog.id), event

    async def create_post(self, user: User, blog: Blog, fields: dict[str, Any]) -> Post:
        post, _ = await self.create_post_once(user, blog, fields, client_key=None)
        return post

    async def create_post_once(
        self, user: User, blog: Blog, fields: dict[str, Any], client_key: str | None
    ) -> tuple[Post, bool]:
        """Publish, or with a key this writer used before, find that post: a reporter whose
        connection dropped can send again without publishing twice. True if it is new."""
        values = self._post_values(user, fields, creating=True)
        create = partial(self._create_post, user, blog, values, client_key)
        try:
            post, event, created = await to_thread.run_sync(create)
        except IntegrityError:  # the same key, sent twice at once: the other one won
            post, event, created = await to_thread.run_sync(create)
        await self.announce(event)
        return post, created

    def _create_post(
        self, user: User, blog: Blog, values: dict[str, Any], client_key: str | None
    ) -> tuple[Post, Event | None, bool]:
        now = self.clock()
        values = dict(values)
        values.setdefault("status", PostStatus.PUBLISHED)
        if values["status"] == PostStatus.PUBLISHED:
            values.setdefault("published_at", now)
        values.update(created_at=now, updated_at=now, author_user_id=user.id, client_key=client_key)
        with self.store.transaction() as conn:
            _require_open(self.store.blog_by_id(conn, blog.id))
            if client_key is not None:
                earlier = self.store.post_by_client_key(conn, user.id, client_key)
                if earlier is not None:
                    if (earlier.blog_id, earlier.headline, earlier.body) != (
                        blog.id, values["headline"], values.get("body", "")
                    ):  # fmt: skip
                        raise Conflict(
                            f"the Idempotency-Key {client_key!r} was used for another post; "
                            "send a new key for a new post"
                        )
                    return earlier, None, False
            post = self.store.insert_post(conn, blog.id, values)
            event = None
            if post.is_visible:
                event = self.record(conn, post, EventType.POST_PUBLISHED, now)
            return post, event, True

    async def update_post(
        self, user: User, blog: Blog, post_id: int, version: int | None, fields: dict[str, Any]
    ) -> Post:
        values = self._post_values(user, fields, creating=False)
        post, event = await to_thread.run_sync(
            self._change_post, user, blog, post_id, version, values
        )
        await self.announce(event)
        return post

    async def delete_post(self, user: User, blog: Blog, post_id: int, version: int | None) -> Post:
        values = {"status": PostStatus.DELETED}
        post, event = await to_thread.run_sync(
            self._change_post, user, blog, post_id, version, values
        )
        await self.announce(event)
        return post

    def _change_post(
        self, user: User, blog: Blog, post_id: int, version: int | None, values: dict[str, Any]
    ) -> tuple[Post, Event | None]:
        if version is None:
            raise PreconditionRequired(
                "send If-Match with the post's version, so an edit cannot overwrite a newer one"
            )
        now = self.clock()
        with self.store.transaction() as conn:
            _require_open(self.store.blog_by_id(conn, blog.id))
            before = self.store.post(conn, blog.id, post_id)
            if before is None or before.status == PostStatus.DELETED:
                raise NotFound(f"no post {post_id} in {blog.slug!r}")
            if user.role not in EDITORS and before.author_user_id != user.id:
                raise Forbidden("reporters can change only their own posts")
            if before.version != version:
                raise Conflict(
                    f"post {post_id} is at version {before.version}, not {version}: "
                    "someone saved it since you loaded it; reload and edit again",
                    current_version=before.version,
                )
            status = values.get("status", before.status)
            if (
                status == PostStatus.SCHEDULED
                and values.get("publish_at", before.publish_at) is None
            ):
                raise Invalid("a scheduled post needs publish_at", field="publish_at")
            if values.get("status") == PostStatus.PUBLISHED and before.published_at is None:
                values.setdefault("published_at", now)
            after = self.store.update_post(conn, before, {**values, "updated_at": now})
            if after is None:  # another writer won between our read and our update
                current = self.store.post(conn, blog.id, post_id)  # sees their commit
                raise Conflict(
                    f"post {post_id} changed while saving; reload and edit again",
                    current_version=current.version if current else None,
                )
            event_type = _event_type(before, after)
            event = self.record(conn, after, event_type, now) if event_type else None
            return after, event

    async def publish_due(self) -> int:
        """Publish scheduled posts whose time has come; returns how many."""
        events = await to_thread.run_sync(self._publish_due)
        for event in events:
            await self.announce(event)
        return len(events)

    def _publish_due(self) -> list[Event]:
        now = self.clock()
        events = []
        with self.store.transaction() as conn:
            for post in self.store.due_scheduled_posts(conn, now):
                values = {"status": PostStatus.PUBLISHED, "published_at": post.publish_at}
                after = self.store.update_post(conn, post, {**values, "updated_at": now})
                if after is not None:
                    events.append(self.record(conn, after, EventType.POST_PUBLISHED, now))
        return events

    async def import_blog(self, parsed: ParsedBlog, slug: str, *, replace: bool = False) -> Blog:
        if not SLUG.match(slug):
            raise Invalid(SLUG_RULE, field="slug")
        importing.check_fits(parsed)
        blog, events = await to_thread.run_sync(self._import_blog, parsed, slug, replace)
        for event in events:
            await self.announce(event)
        return blog

    def _import_blog(self, parsed: ParsedBlog, slug: str, replace: bool) -> tuple[Blog, list]:
        now = self.clock()
        meta = importing.blog_values(parsed)
        events = []
        # One transaction: a failed import leaves the store exactly as it was.
        with self.store.transaction() as conn:
            existing = self.store.blog_by_slug(conn, slug)
            if existing and not replace:
                raise Conflict(f"a live blog {slug!r} exists; pass --replace to replace its posts")
            if existing:
                blog_id = existing.id
                self.store.update_blog(conn, blog_id, meta)
                # Soft delete, drafts and scheduled posts too: nothing is destroyed, and
                # nothing of the old text can surface in the new one later.
                for post in self.store.undeleted_posts(conn, blog_id):
                    gone = self.store.update_post(
                        conn, post, {"status": PostStatus.DELETED, "updated_at": now}
                    )
                    if post.is_visible:
                        events.append(self.record(conn, gone, EventType.POST_DELETED, now))
            else:
                blog_id = self.store.insert_blog(conn, {"slug": slug, **meta}, now)
            for parsed_post in parsed.posts:
                values = importing.post_values(parsed_post, now)
                post = self.store.insert_post(conn, blog_id, values)
                events.append(self.record(conn, post, EventType.POST_PUBLISHED, now))
            # A fresh import keeps the story's own "Updated" time; a replacement happened now.
            newest = max((p.published for p in parsed.posts), default=now)
            updated = parsed.updated or (now if existing else newest)
            self.store.update_blog(conn, blog_id, {"updated_at": updated})
            return self.store.blog_by_id(conn, blog_id), events

    # Helpers

    def record(self, conn: Connection, post: Post, event_type: EventType, now: datetime) -> Event:
        """Append a post's event to its blog's log, inside the caller's transaction."""
        # The blog's state after this change rides along, for the reader's "Updated" line and count.
        blog_state = {
            "post_count": self.store.post_count(conn, post.blog_id),
            "updated_at": now.isoformat(),
        }
        payload = {"post": post.to_json(), "blog": blog_state}
        return self.store.append_event(conn, post.blog_id, event_type, post.id, payload, now)

    async def announce(self, event: Event | None) -> None:
        """Ring the doorbell for a committed event; call only after the commit."""
        if event is not None:
            await self.broker.publish(event)

    def _post_values(self, user: User, fields: dict[str, Any], *, creating: bool) -> dict:
        unknown = set(fields) - POST_FIELDS
        if unknown:
            raise Invalid(f"unknown field {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
        values = dict(fields)
        if user.role not in EDITORS:
            if values.get("pinned") or (not creating and "pinned" in values):
                raise Forbidden("only editors can pin or unpin a post", field="pinned")
            if "published_at" in values:
                raise Forbidden("only editors can correct a post's time", field="published_at")
        status = values.get("status")
        if status == PostStatus.DELETED:
            raise Invalid("delete a post with DELETE, not by setting its status", field="status")
        publish_at = values.get("publish_at")
        if creating and status == PostStatus.SCHEDULED and publish_at is None:
            raise Invalid("a scheduled post needs publish_at", field="publish_at")
        if status == PostStatus.SCHEDULED and publish_at is not None and publish_at <= self.clock():
            raise Invalid("publish_at must be in the future", field="publish_at")
        if creating and not (values.get("headline") or "").strip():
            raise Invalid("a post needs a headline", field="headline")
        return values


def _blog_values(fields: dict[str, Any]) -> dict[str, Any]:
    values = dict(fields)
    if not values.get("title", "").strip():
        raise Invalid("a live blog needs a title", field="title")
    values.setdefault("slug", slugify(values["title"]))
    if not SLUG.match(values["slug"]):
        raise Invalid(SLUG_RULE, field="slug")
    values.setdefault("timezone", "America/New_York")
    try:
        zoneinfo.ZoneInfo(values["timezone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"unknown time zone {values['timezone']!r}; use an IANA name such as "
            "'America/New_York'",
            field="timezone",
        ) from None
    values.setdefault("authors", [])
    if values.setdefault("status", "open") not in ("open", "closed"):
        raise Invalid("a live blog's status is 'open' or 'closed'", field="status")
    return values


def _editable(blog: Blog) -> dict[str, Any]:
    return {
        "slug": blog.slug,
        "title": blog.title,
        "authors": list(blog.authors),
        "organization": blog.organization,
        "timezone": blog.timezone,
        "status": blog.status,
    }


def _require_open(blog: Blog | None) -> None:
    if blog is None:
        raise NotFound("that live blog no longer exists")
    if not blog.is_open:
        raise Conflict(f"the live blog {blog.slug!r} is closed")


def _event_type(before: Post, after: Post) -> EventType | None:
    """What a reader sees change; edits to drafts are nobody's business but the desk's."""
    if after.status == PostStatus.DELETED:
        return EventType.POST_DELETED if before.is_visible else None
    if not after.is_visible:
        return EventType.POST_DELETED if before.is_visible else None
    if not before.is_visible:
        return EventType.POST_PUBLISHED
    if before.pinned != after.pinned:
        return EventType.POST_PINNED if after.pinned else EventType.POST_UNPINNED
    return EventType.POST_UPDATED
