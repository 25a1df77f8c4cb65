"""Runs the app under uvicorn, ending live streams first so Ctrl-C shuts down at once."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import resource

import uvicorn

from liveline.app import create_app
from liveline.config import Settings
from liveline.demo.setup import ensure_demo_blog, run_demo_desk

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_exit) -> None:
        super().__init__(config)
        self._on_exit = on_exit

    def handle_exit(self, sig: int, frame) -> None:
        # uvicorn waits for open responses to finish; live streams never do unless told to.
        self._on_exit()
        super().handle_exit(sig, frame)


def run(settings: Settings, *, host: str, port: int, demo_interval: float | None) -> None:
    _raise_open_file_limit()
    app = create_app(settings)
    service = app.state.service
    loop_holder: dict[str, asyncio.AbstractEventLoop] = {}
    stop_desk = asyncio.Event()

    def on_exit() -> None:
        loop = loop_holder.get("loop")
        if loop is not None:
            loop.call_soon_threadsafe(app.state.fanout.close)
            loop.call_soon_threadsafe(stop_desk.set)

    config = uvicorn.Config(
        app, host=host, port=port, log_level="info", access_log=False, backlog=4096,
        timeout_graceful_shutdown=5, loop="auto",
    )  # fmt: skip
    server = _Server(config, on_exit)

    async def main() -> None:
        loop_holder["loop"] = asyncio.get_running_loop()
        from liveline.store.db import migrate

        await asyncio.to_thread(migrate, service.store.engine)
        blog = await ensure_demo_blog(service)
        desk = None
        if demo_interval is not None and blog is not None:
            desk = asyncio.create_task(run_demo_desk(service, blog, demo_interval, stop_desk))
        log.info("Liveline on http://%s:%d/", host, port)
        if blog is not None:
            log.info("demo live blog: http://%s:%d/blogs/%s", host, port, blog.slug)
        # What exists now lives as long as the process: keep it out of every full garbage
        # collection, whose pauses grow with the objects they walk.
        gc.collect()
        gc.freeze()
        await server.serve()
        if desk is not None:
            stop_desk.set()
            with contextlib.suppress(asyncio.CancelledError):
                await desk

    try:
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(main())
    except KeyboardInterrupt:
        # uvicorn re-raises the Ctrl-C it handled once it has shut down; that shutdown was clean.
        if not server.should_exit:
            raise


def _raise_open_file_limit() -> None:
    # Every reader holds a socket; the default soft limit of 1,024 caps a big story at that.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
