"""The app factory: everything the server needs is built here from the settings it is given."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from liveline import __version__
from liveline.broker.purge import PurgeClient
from liveline.config import Settings
from liveline.model import Blog, Event
from liveline.service import open_service
from liveline.web import (
    api,
    branding,
    console,
    docs,
    errors,
    feeds,
    media,
    permalinks,
    reader,
    stream,
    summary_api,
)
from liveline.web.fanout import FanOut
from liveline.web.grip import GripPublisher
from liveline.web.limits import BodySizeLimit, headers_over, refuse_headers
from liveline.web.methods import HeadAsGet
from liveline.web.metrics import CountingBroker, Metrics, RequestMetrics
from liveline.web.pagecache import BlogHeads, PageCache
from liveline.web.render import PostRenderer, make_templates
from liveline.web.routes import add_routes
from liveline.web.shutdown import end_streams_on_exit
from liveline.web.transport import ActivePath

STATIC = Path(__file__).parent / "web" / "static"


class Liveline(FastAPI):
    """FastAPI, with live streams served ahead of the middleware (see stream.serve_stream)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.stream_path = ActivePath()
        self.max_headers = 100
        self.max_header_bytes = 32_768

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.stream_path.note(send)
            refusal = headers_over(scope, self.max_headers, self.max_header_bytes)
            if refusal is not None:
                return await refuse_headers(send, refusal)
            slug = stream.stream_slug(scope)
            if slug is not None:
                return await stream.serve_stream(self, slug, scope, receive, send)
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    metrics = Metrics()
    service = open_service(settings, broker=CountingBroker.of(settings.broker_url, metrics))
    templates = make_templates()
    templates.globals["site"] = branding.site_of(settings)
    render_post = PostRenderer(
        templates, providers=service.embeds.providers, answers=service.embeds.answers
    )

    async def load_events(blog_id: int, since: int) -> list[Event]:
        return await run_in_threadpool(service.events_since, blog_id, since, stream.REPLAY_BATCH)

    fanout = FanOut(
        service.broker,
        lambda event, blog: stream.message_json(event, blog, render_post),
        load_events,
        queue_size=settings.stream_queue_size,
        heartbeat_seconds=settings.stream_heartbeat_seconds,
        catch_up_seconds=settings.stream_catch_up_seconds,
        cache_bytes=settings.frame_cache_bytes,
        observer=metrics,
    )

    async def read_blog(slug: str) -> Blog:
        return await run_in_threadpool(service.blogs.get, slug)

    blog_heads = BlogHeads(service.broker, read_blog)

    def close_streams() -> None:
        fanout.close()
        app.state.desk_streams.close()  # the console's (web/console/live.py)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(service.migrate)
        await service.broker.start()
        service.embeds.resume()  # asks of embed providers a stopped server still owed
        scheduler = asyncio.create_task(service.scheduling.run())
        purger = None
        if settings.purge_url:  # every change purged from the CDN, from the log
            purge = PurgeClient(settings.purge_url, settings.purge_style, settings.purge_token)
            purger = asyncio.create_task(service.purging.run(purge.purge))
        publisher = None
        if settings.grip_url:  # every event published once to the GRIP proxy, from the log
            grip = GripPublisher(
                settings.grip_url,
                fanout,
                key=settings.grip_key.get_secret_value(),
                key_header=settings.grip_key_header,
            )
            publisher = asyncio.create_task(service.grip.run(grip.publish))
        # Under plain `uvicorn --factory liveline.app:create_app` too, not only `liveline serve`.
        exiting = asyncio.create_task(end_streams_on_exit(close_streams))
        try:
            yield
        finally:
            close_streams()
            blog_heads.close()
            service.embeds.stop()
            exiting.cancel()
            scheduler.cancel()
            # Awaited, so that each lets its lease go (another process takes over at once).
            if purger is not None:
                purger.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await purger
                await purge.close()
            if publisher is not None:
                publisher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await publisher
                await grip.close()
            await service.broker.close()
            service.close()

    app = Liveline(
        title="Liveline",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # served from the package by web/docs.py, not from a CDN
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.stream_cap_exempt = settings.stream_cap_exempt_addresses
    app.max_headers = settings.max_headers
    app.max_header_bytes = settings.max_header_bytes
    app.state.service = service
    app.state.templates = templates
    app.state.render_post = render_post
    app.state.fanout = fanout
    app.state.blog_heads = blog_heads
    app.state.page_cache = PageCache(settings.page_cache_bytes)
    errors.install(app)
    docs.install(app)
    for part in (api, summary_api, media, stream, reader, permalinks, branding, feeds):
        add_routes(app, part.router)
    console.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    app.add_api_route("/healthz", healthz, include_in_schema=False)
    app.add_route("/metrics", metrics.scrape, include_in_schema=False)
    app.state.metrics = metrics

    app.add_middleware(HeadAsGet)
    # An upload may be bigger than any JSON body: its own limit, plus room for the form.
    uploads = {"/api/media": settings.max_upload_bytes + 64 * 1024}
    # The console's forms without JavaScript send their photos in the form: a few at a time.
    photo_forms = ("/edit/", 4 * settings.max_upload_bytes + 64 * 1024)
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_body_bytes, larger=uploads, forms_under=photo_forms
    )
    app.add_middleware(RequestMetrics, metrics=metrics)  # outermost: it times all the rest
    return app


# At module level, not in create_app: FastAPI keeps each endpoint it has served in caches of
# its own, and one that closed over its app would keep that app (its engine, its metrics,
# its templates) alive after the app is gone: a stack that makes many apps, or a test run,
# would hold every one.
async def healthz(request: Request) -> dict[str, object]:
    app: Liveline = request.app
    fanout: FanOut = app.state.fanout
    return {
        # The caller as Liveline sees it: behind a proxy, the reader's own address when
        # LIVELINE_TRUSTED_PROXIES names the proxy (docs/deploy.md).
        "client": request.client.host if request.client else None,
        "status": "ok",
        "readers": fanout.reader_count(),
        "pid": os.getpid(),
        "stream_path": app.stream_path.path,
    }
