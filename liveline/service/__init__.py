"""The rules: who may change what, and how every change lands in the event log.

One concept a module: `accounts` (people, tokens), `blogs`, `posts` (with `rules`),
`scheduling`, `media` (uploaded pictures), `importing` and `archives` (both storing a whole
blog through `replacing`), and `unit`, the one way any of them writes. `Service` puts them
together for an app or a command; the edges (web, cli, demo) use it and never the store.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from liveline.broker import Broker, make_broker
from liveline.config import Settings
from liveline.formats.embeds import Provider, load_providers
from liveline.model import Event
from liveline.service.accounts import Accounts, hash_token
from liveline.service.archives import Archives
from liveline.service.blogs import Blogs, slugify
from liveline.service.embeds import Embeds
from liveline.service.following import LogFollower
from liveline.service.history import History
from liveline.service.importing import Importing
from liveline.service.media import Media
from liveline.service.posts import Page, Posts
from liveline.service.presence import Presence
from liveline.service.purging import Purging
from liveline.service.review import Review
from liveline.service.scheduling import Scheduling
from liveline.service.sessions import Session, Sessions, SignedIn
from liveline.service.staff import Staff
from liveline.service.summaries import Summaries
from liveline.service.unit import UnitOfWork, utcnow
from liveline.store.db import make_engine, migrate
from liveline.store.media import DirectoryBlobs, make_blobs
from liveline.store.queries import Store

__all__ = [
    "Page",
    "Service",
    "Session",
    "SignedIn",
    "hash_token",
    "open_service",
    "slugify",
    "utcnow",
]


class Service:
    def __init__(
        self,
        store: Store,
        broker: Broker,
        clock: Callable[[], datetime] = utcnow,
        *,
        default_timezone: str = "America/New_York",
        default_language: str = "en-US",
        media: Callable[[UnitOfWork], Media] | None = None,
        providers: tuple[Provider, ...] | None = None,
        embed_timeout: float = 3.0,
        embed_retries: tuple[float, ...] | None = None,
    ) -> None:
        unit = UnitOfWork(store, broker, clock)
        self.broker = broker
        self.clock = clock
        self.accounts = Accounts(unit)
        self.blogs = Blogs(unit, default_timezone, default_language)
        self.media = media(unit) if media else Media(unit, DirectoryBlobs(Path("media")))
        self.posts = Posts(unit, self.media)
        self.archives = Archives(unit, self.media)
        self.embeds = Embeds(
            unit,
            providers if providers is not None else load_providers(),
            embed_timeout,
            *(() if embed_retries is None else (embed_retries,)),
        )
        self.scheduling = Scheduling(unit)
        self.importing = Importing(unit, default_language)
        self.sessions = Sessions(unit)
        self.review = Review(unit)
        self.staff = Staff(unit, self.accounts)
        self.history = History(unit, self.posts)
        self.summaries = Summaries(unit)
        self.presence = Presence(unit)
        self.purging = Purging(unit)
        # Hands every event to the GRIP proxy (web/grip.py), once, in seq order.
        self.grip = LogFollower(unit, "grip")
        self._unit = unit

    def events_since(self, blog_id: int, since: int, limit: int = 500) -> list[Event]:
        """The public log of a blog after `since`, oldest first."""
        return self._unit.read(
            lambda conn: self._unit.store.events_since(conn, blog_id, since, limit)
        )

    def migrate(self) -> None:
        """Bring the database's schema up to this release's (a no-op when it is)."""
        migrate(self._unit.store.engine)

    def close(self) -> None:
        self._unit.store.engine.dispose()


def open_service(settings: Settings, broker: Broker | None = None) -> Service:
    """A service on the database and broker the settings name (neither is touched yet)."""
    store = Store(make_engine(settings.database_url))

    def media(unit: UnitOfWork) -> Media:
        return Media(
            unit,
            make_blobs(settings.media_storage, Path(settings.media_dir), store.engine),
            max_bytes=settings.max_upload_bytes,
            max_pixels=settings.max_image_pixels,
            origin=settings.media_origin or "",
        )

    return Service(
        store,
        broker if broker is not None else make_broker(settings.broker_url),
        default_timezone=settings.default_timezone,
        default_language=settings.default_language,
        media=media,
        providers=load_providers(
            Path(settings.embed_providers) if settings.embed_providers else None
        ),
        embed_timeout=settings.embed_timeout_seconds,
        embed_retries=settings.embed_retry_delays,
    )
