"""The schema. Alembic migrations in store/migrations create exactly these tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from liveline.model import Limit


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, hands back aware datetimes; SQLite has no time zones of its own."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


metadata = MetaData()

blogs = Table(
    "blogs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(Limit.SLUG), nullable=False, unique=True),
    Column("title", String(Limit.TITLE), nullable=False),
    Column("authors", JSON, nullable=False, default=list),
    Column("organization", String(Limit.NAME)),
    Column("timezone", String(Limit.TIMEZONE), nullable=False),
    Column("language", String(Limit.LANGUAGE), nullable=False, default="en-US"),
    Column("status", String(16), nullable=False, default="open"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The last event seq; bumped in the same transaction as every change, so seqs have no gaps.
    Column("last_seq", Integer, nullable=False, default=0),
    # Published posts, kept in the same transaction as every change, so that reading a blog
    # costs the same for 9 posts as for 5,000.
    Column("post_count", Integer, nullable=False, default=0),
    Column("summary", Text, nullable=False, default=""),
    Column("summary_version", Integer, nullable=False, default=0),
    Column("brand_name", String(Limit.NAME)),
    Column("logo_url", String(Limit.URL)),
    Column("accent_color", String(Limit.COLOR)),
    Column("favicon_url", String(Limit.URL)),
)

# Every version of a blog's summary ("What we know") as it was saved, by whom and when; an
# earlier one can be restored as a new version. `saved_by` is the byline at the time, so an
# archive carries it to another database, where no account of that id exists.
summary_versions = Table(
    "summary_versions",
    metadata,
    Column("blog_id", Integer, ForeignKey("blogs.id"), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("saved_by", String(Limit.NAME)),
    Column("saved_at", UTCDateTime, nullable=False),
    Column("summary", Text, nullable=False),
)

posts = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("blog_id", Integer, ForeignKey("blogs.id"), nullable=False),
    Column("headline", String(Limit.HEADLINE), nullable=False),
    Column("body", Text, nullable=False, default=""),
    Column("authors", JSON, nullable=False, default=list),
    Column("location", String(Limit.LOCATION)),
    Column("label", String(Limit.LABEL)),
    Column("contributors", JSON, nullable=False, default=list),
    Column("images", JSON, nullable=False, default=list),
    Column("status", String(16), nullable=False),
    Column("pinned", Boolean, nullable=False, default=False),
    Column("key_event", Boolean, nullable=False, default=False),
    Column("published_at", UTCDateTime),
    Column("publish_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("author_user_id", Integer, ForeignKey("users.id")),
    # The writer's Idempotency-Key: a publish retried after a lost response finds its post.
    Column("client_key", String(Limit.CLIENT_KEY)),
    Index("ix_posts_blog_status_published", "blog_id", "status", "published_at", "id"),
    # A page reads its pinned posts and its unpinned ones by equality on `pinned`: each
    # read is bounded by what the page shows, whatever the blog's size.
    Index(
        "ix_posts_blog_status_pinned_published", "blog_id", "status", "pinned", "published_at", "id"
    ),
    UniqueConstraint("author_user_id", "client_key", name="uq_posts_author_client_key"),
)

events = Table(
    "events",
    metadata,
    Column("blog_id", Integer, ForeignKey("blogs.id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("type", String(32), nullable=False),
    Column("post_id", Integer, ForeignKey("posts.id")),
    # A snapshot of what changed, so a replay shows each event as it was.
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # A post's entries, found without reading the whole log, to rewrite them when it changes.
    Index("ix_events_blog_post", "blog_id", "post_id"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(Limit.USER_NAME), nullable=False, unique=True),
    Column("display_name", String(Limit.NAME)),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(200)),
    Column("created_at", UTCDateTime, nullable=False),
    # A disabled person's tokens and sessions stop working; their posts and log entries stay.
    Column("disabled_at", UTCDateTime),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("label", String(Limit.TOKEN_LABEL)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    UniqueConstraint("token_hash", name="uq_tokens_token_hash"),
)

# A signed-in browser. The cookie holds a random token; only its hash is kept, so a copy of
# the database signs no one in. Ending a session (sign-out, a password change) sets ended_at.
sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    # Sent back in every form and cookie-authenticated write (CSRF); never in a cookie.
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    UniqueConstraint("token_hash", name="uq_sessions_token_hash"),
    Index("ix_sessions_user", "user_id"),
)

# Failed sign-ins, one row each, keyed by the name tried and by the address: in the store,
# so the throttle holds across workers and restarts.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(Limit.USER_NAME + 8), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_sign_in_failures_key_at", "key", "at"),
)

# An editor's note on a contribution returned to its author.
post_notes = Table(
    "post_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("post_id", Integer, ForeignKey("posts.id"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("note", String(Limit.NOTE), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_post_notes_post", "post_id"),
)

# Every version of a post as it was saved, and by whom: the desk's history, from which an
# earlier version can be restored as a new one. (The public log keeps only what readers
# may see now; this is the desk's own record.)
post_versions = Table(
    "post_versions",
    metadata,
    Column("post_id", Integer, ForeignKey("posts.id"), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("user_id", Integer, ForeignKey("users.id")),  # None: the server (a schedule)
    Column("saved_at", UTCDateTime, nullable=False),
    Column("snapshot", JSON, nullable=False),
)

# Who has a post open in the console, and when their page last said so: "Ana is editing"
# (presence, not a lock). In the store, so every worker sees every editor.
presence = Table(
    "presence",
    metadata,
    Column("post_id", Integer, ForeignKey("posts.id"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("seen_at", UTCDateTime, nullable=False),
)

# Uploaded pictures (POST /api/media): one row an upload, its id the hash of the bytes sent,
# so the same file sent twice is one row. What it was made into is `renditions`.
media = Table(
    "media",
    metadata,
    Column("id", String(Limit.MEDIA_ID), primary_key=True),
    Column("type", String(32), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("original_key", String(Limit.MEDIA_KEY), nullable=False),
    Column("renditions", JSON, nullable=False),
    Column("caption", String(Limit.CAPTION)),
    Column("credit", String(Limit.CREDIT)),
    Column("alt", String(Limit.CAPTION)),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("created_at", UTCDateTime, nullable=False),
    # A crop or rotation of another upload: the original's id, and the cut made of it
    # ({"x", "y", "width", "height", "rotate"}, in the original's pixels). Null: an original.
    Column("source", String(Limit.MEDIA_ID)),
    Column("crop", JSON),
)

# The files themselves, when they live in the database (LIVELINE_MEDIA_STORAGE=database):
# several nodes with no shared disk then serve the same pictures. Named by their own hash.
media_blobs = Table(
    "media_blobs",
    metadata,
    Column("key", String(Limit.MEDIA_KEY), primary_key=True),
    Column("type", String(32), nullable=False),
    Column("data", LargeBinary, nullable=False),
)

# What each embed provider said of a URL posted alone on a line (its oEmbed answer), asked
# once in the background after publishing; `answer` is null when it could not be reached.
embeds = Table(
    "embeds",
    metadata,
    Column("url", String(Limit.URL), primary_key=True),
    Column("provider", String(Limit.LABEL), nullable=False),
    Column("answer", JSON),
    Column("fetched_at", UTCDateTime, nullable=False),
    # Asks made so far; while `retry_at` is set the provider is asked again then (after a
    # restart too), and the post that holds the URL is updated when it answers.
    Column("attempts", Integer, nullable=False, server_default="1"),
    Column("retry_at", UTCDateTime),
    Column("blog_id", Integer),
    Column("post_id", Integer),
)

# How far each follower of the log (the CDN purger, the GRIP publisher) has gone in each
# blog's log: advanced only once the far side acknowledged, so a restart resumes, and a crash
# between a commit and its purge or publish loses none.
log_cursors = Table(
    "log_cursors",
    metadata,
    Column("follower", String(16), primary_key=True),
    Column("blog_id", Integer, ForeignKey("blogs.id"), primary_key=True),
    Column("seq", Integer, nullable=False),
)
