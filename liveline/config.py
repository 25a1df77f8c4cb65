"""Settings, read from LIVELINE_* environment variables and passed in, never reached for."""

from __future__ import annotations

import ipaddress
import re
import zoneinfo
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from liveline.values import known_language

# An origin as CSP writes it: a scheme, a host (its first label may be *), a port or none.
EMBED_ORIGIN = re.compile(r"^https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVELINE_", extra="ignore")

    database_url: str = "sqlite:///./liveline.db"
    broker_url: str = Field(
        default="memory://",
        description="memory:// (one process) or redis://host:port/db[?prefix=name:]",
    )
    secret_key: str = Field(default="", description="Signs editor sessions; set it in production.")
    # The newsroom console (/login, /edit). `liveline serve` refuses to start it without a
    # secret key; a read-only replica turns it off instead (LIVELINE_CONSOLE=false).
    console: bool = True
    max_body_bytes: int = Field(default=1_000_000, ge=1_024)
    default_timezone: str = "America/New_York"
    # A new blog's language (BCP 47) where its writer names none: its words and its times.
    default_language: str = "en-US"
    page_size: int = Field(default=20, ge=1, le=200)
    # SSE: how many frames a reader may lag behind before it is dropped (it reconnects and replays).
    stream_queue_size: int = Field(default=256, ge=8)
    stream_heartbeat_seconds: float = Field(default=15.0, gt=0)
    stream_retry_ms: int = Field(default=2_000, ge=100)
    # How often each process checks the log of its open blogs for events the broker missed.
    stream_catch_up_seconds: float = Field(default=2.0, gt=0)
    # Encoded events kept for every stream and poll of this process, in bytes of HTTP chunks.
    frame_cache_bytes: int = Field(default=64 << 20, ge=1 << 20)
    # A poll answers at most this many bytes of events (always one at least); the client
    # polls again from its `last_seq`.
    poll_max_bytes: int = Field(default=1_000_000, ge=1_024)
    cache_max_age: int = Field(default=5, ge=0)
    # Rendered reader pages kept per process (see web/pagecache.py); 0 renders every request.
    page_cache_bytes: int = Field(default=32 * 1024 * 1024, ge=0)
    # Reads: how long a browser or CDN may serve a stale copy while it fetches a fresh one,
    # and how long a shared cache keeps one (s-maxage). Unset, that is 60 s where purges
    # are configured (a change is purged at once) and max-age where they are not.
    cache_stale_seconds: int = Field(default=30, ge=0)
    cache_shared_max_age: int | None = Field(default=None, ge=0)
    # Where each change's surrogate keys are purged (service/purging.py): Varnish's address
    # (PURGE with a Surrogate-Key header), Fastly's purge URL, or Cloudflare's purge_cache.
    purge_url: str | None = None
    purge_style: Literal["varnish", "fastly", "cloudflare"] = "varnish"
    purge_token: str = ""
    # GRIP (web/grip.py): the proxy's publish endpoint, e.g. Pushpin's
    # http://127.0.0.1:5561/publish/. Streams through the proxy are then held by it.
    grip_url: str | None = None
    # The publish endpoint's key: Fastly Fanout's API token (sent as `Fastly-Key`; its URL is
    # https://api.fastly.com/service/SERVICE_ID/publish/), or a Pushpin with auth's
    # (`Authorization: Bearer`). A secret: never logged, never in a settings repr.
    grip_key: SecretStr = SecretStr("")
    grip_key_header: Literal["bearer", "fastly"] = "bearer"
    # uvicorn's HTTP implementation: only httptools lets streams write to the socket (see
    # web/transport.py); h11 is there to test and run the plain-ASGI path on purpose.
    http: Literal["auto", "httptools", "h11"] = "auto"
    # The site's public address, for the absolute URLs in feeds and JSON-LD. Unset (development)
    # they come from the request's Host, and those responses say `Vary: Host`.
    base_url: str | None = Field(
        default=None, description="https://live.example.org (no query or fragment)"
    )

    # Who may frame /blogs/{slug}/embed (CSP frame-ancestors): origins separated by spaces or
    # commas, such as "https://news.example https://*.example.org"; "*" lets any site, and
    # an empty value none.
    embed_origins: str = Field(default="*", description="origins allowed to frame the embed")

    # The newsroom's own name and marks on its pages (see web/branding.py).
    site_name: str = Field(default="Liveline", min_length=1, max_length=100)
    logo_url: str | None = Field(default=None, description="/path or https:// URL of a logo")
    favicon_url: str | None = Field(default=None, description="/path or https:// URL")
    accent_color: str | None = Field(default=None, description="#rrggbb or #rgb")

    @field_validator("logo_url", "favicon_url")
    @classmethod
    def _image_url(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        value = value.strip()
        if not (
            value.startswith("https://") or (value.startswith("/") and not value.startswith("//"))
        ):
            raise ValueError("must be a path on this site (/…) or an https:// URL")
        if any(c in value for c in "\"'<> "):
            raise ValueError("must be a plain URL")
        return value

    @field_validator("accent_color")
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        if not re.fullmatch(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})", value.strip()):
            raise ValueError("must be a colour such as #b00020")
        return value.strip()

    @field_validator("embed_origins")
    @classmethod
    def _frame_sources(cls, value: str) -> str:
        origins = value.replace(",", " ").split()
        for origin in origins:
            if origin not in ("*", "'self'") and not EMBED_ORIGIN.fullmatch(origin):
                raise ValueError(f"{origin!r} is not an origin such as https://news.example")
        return " ".join(origins) or "'none'"

    # Proxies (addresses or networks, comma-separated; "*" for any) whose X-Forwarded-For and
    # X-Forwarded-Proto are believed: the reader's real address and scheme. Empty (the
    # default): none, and the client is whoever opened the connection.
    trusted_proxies: str = Field(default="", description="127.0.0.1,10.0.0.0/8")

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        items = [item.strip() for item in value.split(",") if item.strip()]
        for item in items:
            if item != "*":
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError:
                    raise ValueError(f"{item!r} is not an IP address or network") from None
        return ",".join(items)

    # Uploaded pictures (POST /api/media): where their files live, how big an upload may be,
    # and how many pixels it may decode to (a decompression bomb is a small file that
    # decodes to gigabytes; Pillow's own backstop refuses beyond 2 × 89 megapixels anyway).
    media_storage: Literal["directory", "database"] = "directory"
    media_dir: str = "./media"
    max_upload_bytes: int = Field(default=10_000_000, ge=1_024)
    max_image_pixels: int = Field(default=64_000_000, ge=10_000, le=178_000_000)
    # A CDN in front of /media/ (https://img.example.org): picture URLs point at it, and the
    # pages' security policy lets images come from it.
    media_origin: str | None = None
    # Embed providers (their URL patterns, oEmbed endpoints and player origins) as JSON;
    # unset, the built-in list (formats/providers.json).
    embed_providers: str | None = None
    # How long one oEmbed ask may take (it runs in the background: publishing never waits).
    embed_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    # An unreachable provider is asked again after each of these waits (seconds, separated
    # by commas), then no more: the reader keeps the plain link card.
    embed_retry_seconds: str = "10,60,300"

    @field_validator("embed_retry_seconds")
    @classmethod
    def _retries(cls, value: str) -> str:
        try:
            delays = [float(item) for item in value.split(",") if item.strip()]
        except ValueError:
            raise ValueError("must be seconds separated by commas, such as 10,60,300") from None
        if len(delays) > 10 or any(not 0 <= delay <= 86_400 for delay in delays):
            raise ValueError("at most 10 waits, each of 0 to 86400 seconds")
        return ",".join(str(delay) for delay in delays)

    @property
    def embed_retry_delays(self) -> tuple[float, ...]:
        return tuple(float(item) for item in self.embed_retry_seconds.split(",") if item)

    @field_validator("media_origin")
    @classmethod
    def _origin(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "must be an http:// or https:// origin such as https://img.example.org"
            )
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError("must be an origin alone: scheme, host and port, no path")
        return value.strip().rstrip("/")

    @field_validator("base_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        if parts.query or parts.fragment or "?" in value or "#" in value:
            raise ValueError("must have no query (?…) or fragment (#…)")
        if parts.username or parts.password:
            raise ValueError("must not carry a user name or password")
        try:
            parts.port  # noqa: B018 — raises on a port that is not a number in range
        except ValueError as exc:
            raise ValueError(f"bad port: {exc}") from None
        return value.strip().rstrip("/")

    # Hostile traffic (see web/connections.py): request headers past these get 431, a
    # connection whose request headers are not complete in time gets 408 and is closed, an
    # idle one is closed after keep_alive_seconds, and one address may hold only so many
    # streams (0: no cap; behind a proxy every reader has the proxy's address).
    max_header_bytes: int = Field(default=32_768, ge=1_024)
    max_headers: int = Field(default=100, ge=8)
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    keep_alive_seconds: float = Field(default=5.0, gt=0)
    max_streams_per_address: int = Field(default=50, ge=0)
    # Addresses the cap never applies to, comma-separated: loopback is a proxy on this host
    # (every reader arrives from it) or the operator's own tools and benchmarks.
    stream_cap_exempt: str = "127.0.0.1,::1"

    @property
    def shared_max_age(self) -> int:
        if self.cache_shared_max_age is not None:
            return self.cache_shared_max_age
        return 60 if self.purge_url else self.cache_max_age

    @property
    def stream_cap_exempt_addresses(self) -> frozenset[str]:
        return frozenset(a.strip() for a in self.stream_cap_exempt.split(",") if a.strip())

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        return known_language(value)

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("must start with sqlite:// or postgresql://")
        return value

    @field_validator("broker_url")
    @classmethod
    def _supported_broker(cls, value: str) -> str:
        if not value.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError("must be memory:// or redis://…")
        return value
