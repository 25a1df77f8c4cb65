"""Runs the app under uvicorn, ending live streams first so Ctrl-C shuts down at once."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import resource
import shutil
import signal
import socket
import tempfile
from collections.abc import Callable
from types import FrameType

import uvicorn

from liveline.app import create_app
from liveline.broker import MemoryBroker
from liveline.config import Settings
from liveline.demo.setup import demo_editor, ensure_demo_blog, run_demo_desk
from liveline.model import Blog
from liveline.service import open_service
from liveline.web.connections import guarded, implementation
from liveline.web.metrics import MULTIPROC_DIR, multiprocess_dir, worker_gone
from liveline.workers import Supervisor

log = logging.getLogger(__name__)

# How long a stopping server waits for a just-accepted connection's request (seconds).
FRESH_CONNECTION_GRACE = 0.5


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_exit = on_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # uvicorn waits for open responses to finish; live streams never do unless told to.
        self._on_exit()
        super().handle_exit(sig, frame)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn closes at once every connection without a request in progress, and so also
        # one accepted a moment ago whose request is on its way: the client would read
        # "disconnected" with nothing sent. Stop accepting first; give those connections a
        # moment to begin their request (then uvicorn lets it finish), and close the rest.
        for listener in self.servers:
            listener.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + FRESH_CONNECTION_GRACE
        while loop.time() < deadline and any(
            getattr(connection, "cycle", False) is None
            for connection in self.server_state.connections
        ):
            await asyncio.sleep(0.01)
        await super().shutdown(sockets)


def run(
    settings: Settings, *, host: str, port: int, demo_interval: float | None, workers: int = 1
) -> None:
    """Serve until Ctrl-C; with several workers, each a process of its own on one socket."""
    if workers > 1 and settings.broker_url.startswith("memory://"):
        raise ValueError(
            f"{workers} workers must hear each other's posts: set LIVELINE_BROKER_URL=redis://…"
        )
    _raise_open_file_limit()
    demo = asyncio.run(_prepare(settings, demo=demo_interval is not None))
    if demo is not None:
        log.info("demo live blog: http://%s:%d/blogs/%s", host, port, demo.slug)
    if demo_interval is not None:
        name, password = _demo_editor(settings)
        log.info("console: http://%s:%d/login as %r, password %r", host, port, name, password)
    if workers == 1:
        log.info("Liveline on http://%s:%d/", host, port)
        _serve(settings, host, port, demo_interval, sockets=None)
        return
    listeners = _Listeners(host, port, workers)  # a port in use fails here, once

    def work(index: int, ready: Callable[[], None]) -> None:
        # The demo desk runs in one worker only, or every post would be published N times.
        desk = demo_interval if index == 0 else None
        _serve(settings, host, port, desk, [listeners.only(index)], ready=ready)

    log.info("Liveline on http://%s:%d/ with %d workers", host, port, workers)
    # Metrics of every worker, in files a scrape of any one of them reads (web/metrics.py):
    # set before the workers fork, in a directory of this run's own unless one is given.
    own_metrics = multiprocess_dir() is None
    if own_metrics:
        os.environ[MULTIPROC_DIR] = tempfile.mkdtemp(prefix="liveline-metrics-")
    try:
        Supervisor(
            work, workers, on_exit=worker_gone,
            before_start=listeners.bind, on_death=listeners.drop,
        ).run()  # fmt: skip
    finally:
        listeners.close()
        if own_metrics:
            shutil.rmtree(os.environ.pop(MULTIPROC_DIR), ignore_errors=True)


class _Listeners:
    """A listening socket for each worker's place, bound by the supervisor and inherited by
    every worker that fills the place; the kernel spreads new connections evenly over them
    (SO_REUSEPORT), where one socket shared by all would hand an idle server's connections
    to whichever worker woke first, every time the same. A reload hands a place's socket on
    open: its queue goes to the new worker, where a socket closing with the old one would
    reset whatever waited in it. A worker that dies takes its socket with it, so that
    connections go to the living, not to a queue nobody reads; its successor binds anew."""

    def __init__(self, host: str, port: int, count: int) -> None:
        self._address = (host, port)
        self._family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sockets: list[socket.socket | None] = [self._bound() for _ in range(count)]

    def _bound(self) -> socket.socket:
        return socket.create_server(
            self._address, family=self._family, backlog=4096, reuse_port=True
        )

    def of(self, index: int) -> socket.socket:
        listening = self._sockets[index]
        if listening is None:
            listening = self._sockets[index] = self._bound()
        return listening

    def bind(self, index: int) -> None:
        """In the supervisor, before a worker for this place forks: its socket, open."""
        self.of(index)

    def only(self, index: int) -> socket.socket:
        """In a worker: its place's socket, the others closed (a copy held open here would
        keep a dead worker's socket taking connections)."""
        for other in range(len(self._sockets)):
            if other != index:
                listening, self._sockets[other] = self._sockets[other], None
                if listening is not None:
                    listening.close()
        return self.of(index)

    def drop(self, index: int) -> None:
        listening, self._sockets[index] = self._sockets[index], None
        if listening is not None:
            listening.close()

    def close(self) -> None:
        for index in range(len(self._sockets)):
            self.drop(index)


def _serve(
    settings: Settings,
    host: str,
    port: int,
    demo_interval: float | None,
    sockets: list[socket.socket] | None,
    ready: Callable[[], None] | None = None,
) -> None:
    app = create_app(settings)
    service = app.state.service
    loop_holder: dict[str, asyncio.AbstractEventLoop] = {}
    stop_desk = asyncio.Event()

    def on_exit() -> None:
        loop = loop_holder.get("loop")
        if loop is not None:
            loop.call_soon_threadsafe(app.state.fanout.close)
            loop.call_soon_threadsafe(stop_desk.set)

    parser = implementation(settings.http)
    if parser == "httptools":
        log.info("HTTP by httptools: caught-up live streams are written to their sockets directly")
    else:
        log.warning(
            "HTTP by %s: live streams take the plain ASGI path, about 12x slower to fan out; "
            "LIVELINE_HTTP=httptools (with httptools installed) is the fast one",
            parser,
        )
    protocol = guarded(
        settings.http,
        header_timeout=settings.header_timeout_seconds,
        max_header_bytes=settings.max_header_bytes,
    )
    config = uvicorn.Config(
        app, host=host, port=port, log_level="info", access_log=False, backlog=4096,
        timeout_graceful_shutdown=5, loop="auto", http=protocol,
        timeout_keep_alive=settings.keep_alive_seconds,  # type: ignore[arg-type]  # a float works
        h11_max_incomplete_event_size=settings.max_header_bytes,
        # The reader's address from X-Forwarded-For only when a trusted proxy sent it.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
    )  # fmt: skip
    server = _Server(config, on_exit)

    async def main() -> None:
        loop_holder["loop"] = asyncio.get_running_loop()
        desk = None
        if demo_interval is not None:
            blog = await ensure_demo_blog(service)
            if blog is not None:
                desk = asyncio.create_task(run_demo_desk(service, blog, demo_interval, stop_desk))
        # What exists now lives as long as the process: keep it out of every full garbage
        # collection, whose pauses grow with the objects they walk.
        gc.collect()
        gc.freeze()
        if ready is not None:
            asyncio.get_running_loop().create_task(_when_started(server, ready))
        await server.serve(sockets=sockets)
        if desk is not None:
            stop_desk.set()
            with contextlib.suppress(asyncio.CancelledError):
                await desk

    # uvicorn shuts down cleanly on SIGTERM, then raises the signal again to end the process
    # by it (status -15); with this handler in place beforehand, the clean end exits 0.
    signal.signal(signal.SIGTERM, _after_clean_shutdown)
    try:
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(main())
    except KeyboardInterrupt:
        # uvicorn re-raises the Ctrl-C it handled once it has shut down; that shutdown was clean.
        if not server.should_exit:
            raise


async def _when_started(server: uvicorn.Server, ready: Callable[[], None]) -> None:
    while not server.started:
        if server.should_exit:
            return
        await asyncio.sleep(0.05)
    ready()


def _after_clean_shutdown(_signum: int, _frame: FrameType | None) -> None:
    """SIGTERM once uvicorn has finished with it: the shutdown is done, nothing is left."""


async def _prepare(settings: Settings, *, demo: bool) -> Blog | None:
    """Migrate, and for the demo give an empty database the demo blog, once, before any
    worker starts. Without `--demo` nothing is made: a newsroom's new instance must not
    open with our fictional story public on its site."""
    service = open_service(settings, broker=MemoryBroker())
    try:
        await asyncio.to_thread(service.migrate)
        return await ensure_demo_blog(service) if demo else None
    finally:
        service.close()


def _demo_editor(settings: Settings) -> tuple[str, str]:
    service = open_service(settings, broker=MemoryBroker())
    try:
        return demo_editor(service)
    finally:
        service.close()


def _raise_open_file_limit() -> None:
    # Every reader holds a socket; the default soft limit of 1,024 caps a big story at that.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
