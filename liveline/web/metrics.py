"""What operations watch, at `/metrics` in Prometheus's text format.

Each app has a registry of its own (tests make many apps in one process). Under `liveline
serve --workers N` the server sets PROMETHEUS_MULTIPROC_DIR to a directory of the run's own
before it forks: every worker then writes its values to files there, a scrape of any one
worker reads them all (counters and histograms add up, the readers gauge is the sum over
live workers), and the supervisor marks a dead worker's files dead (`mark_process_dead`).

The fan-out's hot loop is left alone: one latency observation per event a channel delivers,
never one per reader.
"""

from __future__ import annotations

import contextvars
import gc
import os
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from sqlalchemy import Engine, event
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liveline.broker import Broker, make_broker
from liveline.broker.base import DeskListener, Listener
from liveline.model import DeskNotice, Event

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
GC_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1)
HTTP_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_DIR) or None


def worker_gone(pid: int) -> None:
    """A worker has exited: its readers gauge leaves the sum; its counts stay counted."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


class Metrics:
    def __init__(self) -> None:
        shared = multiprocess_dir()
        if shared is not None and values.ValueClass is values.MutexValue:
            # prometheus-client picks file-backed values when it is first imported; the
            # server sets the directory later than that (just before it forks).
            values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
        self.multiprocess = shared is not None
        # In multiprocess mode values live in files and a scrape collects the files, so the
        # metrics themselves belong to no registry (registering them too would count twice).
        self.registry = CollectorRegistry()
        own = None if self.multiprocess else self.registry
        self.readers = Gauge(
            "liveline_readers", "Open live streams, by blog", ["blog"],
            registry=own, multiprocess_mode="livesum",
        )  # fmt: skip
        self.drops = Counter(
            "liveline_readers_dropped", "Readers dropped for falling too far behind", registry=own
        )
        self.events = Counter(
            "liveline_events_published", "Events this server published, by type", ["type"],
            registry=own,
        )  # fmt: skip
        self.fanout_latency = Histogram(
            "liveline_fanout_latency_seconds",
            "From an event's creation to its channel writing it to the readers",
            buckets=LATENCY_BUCKETS, registry=own,
        )  # fmt: skip
        self.reconnects = Counter(
            "liveline_broker_reconnects", "Times the broker connection was made again", registry=own
        )
        self.backfills = Counter(
            "liveline_log_backfill_events",
            "Events a channel took from the log because the broker did not bring them",
            registry=own,
        )
        self.requests = Counter(
            "liveline_http_requests", "HTTP requests, by route template",
            ["method", "route", "status"], registry=own,
        )  # fmt: skip
        self.request_seconds = Histogram(
            "liveline_http_request_duration_seconds", "HTTP request time, by route template",
            ["method", "route"], buckets=HTTP_BUCKETS, registry=own,
        )  # fmt: skip
        self.database_seconds = Histogram(
            "liveline_http_database_seconds", "Database time of an HTTP request, by route",
            ["route"], buckets=HTTP_BUCKETS, registry=own,
        )  # fmt: skip
        self.gc_pauses = Histogram(
            "liveline_gc_pause_seconds", "Garbage-collection pauses, by generation",
            ["generation"], buckets=GC_BUCKETS, registry=own,
        )  # fmt: skip
        self.gc_cpu = Histogram(
            "liveline_gc_pause_cpu_seconds",
            "Garbage-collection pauses in the collector's own CPU time (the wall time less "
            "what other processes took of the cores meanwhile), by generation",
            ["generation"], buckets=GC_BUCKETS, registry=own,
        )  # fmt: skip
        self.gc_longest = Gauge(
            "liveline_gc_pause_longest_seconds", "The longest garbage-collection pause so far",
            registry=own, multiprocess_mode="max",
        )  # fmt: skip
        if self.multiprocess:
            multiprocess.MultiProcessCollector(self.registry)  # type: ignore[no-untyped-call]
        _gc_timer.sink = self

    def gc_paused(self, generation: int, seconds: float, cpu: float) -> None:
        self.gc_pauses.labels(str(generation)).observe(seconds)
        self.gc_cpu.labels(str(generation)).observe(cpu)
        if seconds > _gc_timer.longest:
            _gc_timer.longest = seconds
            self.gc_longest.set(seconds)

    # The fan-out's observer (see fanout.FanOut)

    def joined(self, blog: str) -> None:
        self.readers.labels(blog).inc()

    def left(self, blog: str) -> None:
        self.readers.labels(blog).dec()

    def delivered(self, event: Event) -> None:
        self.fanout_latency.observe(max(time.time() - event.created_at.timestamp(), 0.0))

    def backfilled(self, count: int) -> None:
        self.backfills.inc(count)

    def dropped(self) -> None:
        self.drops.inc()

    async def scrape(self, _request: Request) -> Response:
        # Multiprocess mode reads every worker's files: off the event loop.
        body = await run_in_threadpool(generate_latest, self.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)


class _GcTimer:
    """Times every collection (`gc.callbacks`, one per process): the pauses a stream's
    readers feel. It reports to the newest app's metrics (tests make many apps)."""

    def __init__(self) -> None:
        self.sink: Metrics | None = None
        self.longest = 0.0
        self._started = self._cpu = 0.0
        gc.callbacks.append(self)

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started, self._cpu = time.perf_counter(), time.thread_time()
        elif self.sink is not None and self._started:
            wall, cpu = time.perf_counter() - self._started, time.thread_time() - self._cpu
            self.sink.gc_paused(info["generation"], wall, cpu)


_gc_timer = _GcTimer()


class CountingBroker:
    """The app's broker, counting the events it publishes and its reconnects."""

    def __init__(self, inner: Broker, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics
        if hasattr(inner, "on_reconnect"):
            inner.on_reconnect = metrics.reconnects.inc

    @classmethod
    def of(cls, url: str, metrics: Metrics) -> CountingBroker:
        return cls(make_broker(url), metrics)

    async def start(self) -> None:
        await self._inner.start()

    async def close(self) -> None:
        await self._inner.close()

    async def publish(self, event: Event) -> None:
        self._metrics.events.labels(str(event.type)).inc()
        await self._inner.publish(event)

    def subscribe(self, blog_id: int, listener: Listener) -> Callable[[], None]:
        return self._inner.subscribe(blog_id, listener)

    async def notify(self, notice: DeskNotice) -> None:
        await self._inner.notify(notice)

    def listen(self, blog_id: int, listener: DeskListener) -> Callable[[], None]:
        return self._inner.listen(blog_id, listener)


# Database time: the statements a request runs add their time to its own tally. The tally is
# a mutable object in a context variable, so the thread-pool threads a request's reads run
# in (which copy the request's context) add to the same one.
_tally: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar(
    "liveline_db_tally", default=None
)
_timing_installed = False


def _time_statements() -> None:
    global _timing_installed
    if _timing_installed:
        return
    _timing_installed = True

    @event.listens_for(Engine, "before_cursor_execute")
    def _before(conn: Any, _cursor: Any, _sql: Any, _params: Any, _ctx: Any, _many: Any) -> None:
        conn.info["liveline_started"] = time.perf_counter()

    @event.listens_for(Engine, "after_cursor_execute")
    def _after(conn: Any, _cursor: Any, _sql: Any, _params: Any, _ctx: Any, _many: Any) -> None:
        tally = _tally.get()
        started = conn.info.pop("liveline_started", None)
        if tally is not None and started is not None:
            tally[0] += time.perf_counter() - started


class RequestMetrics:
    """Counts and times each HTTP request by its route's template (`/blogs/{slug}`, never
    the path itself: one series per route, however many blogs and posts there are)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        _time_statements()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        status = 500
        tally = [0.0]
        token = _tally.set(tally)
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            _tally.reset(token)
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"]
            m = self.metrics
            m.requests.labels(method, route, str(status)).inc()
            m.request_seconds.labels(method, route).observe(time.perf_counter() - started)
            m.database_seconds.labels(route).observe(tally[0])
