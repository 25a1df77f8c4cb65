"""`create_app(settings)` alone is a complete app: mounted in a newsroom's own ASGI stack,
or served by plain `uvicorn --factory`, its streams work and end on shutdown."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from httpx_sse import connect_sse
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from liveline.app import create_app
from liveline.config import Settings
from tests.harness import free_port, invoke_cli
from tests.test_transport import uvicorn_serving

STORY = Path(__file__).resolve().parents[1] / "liveline" / "demo" / "story.txt"
SLUG = "storm"
TIMEOUT = httpx.Timeout(10.0)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding one imported live blog, made once for the module (in this process:
    the import is not what is tested here)."""
    path = tmp_path_factory.mktemp("imported") / "liveline.db"
    invoke_cli(
        "import", str(STORY), "--slug", SLUG, env={"LIVELINE_DATABASE_URL": f"sqlite:///{path}"}
    )
    return path


@pytest.fixture
def database_url(imported: Path, tmp_path: Path) -> str:
    """This test's own copy of the database holding one imported live blog."""
    for file in imported.parent.glob("liveline.db*"):  # and a WAL, were one left
        shutil.copy(file, tmp_path / file.name)
    return f"sqlite:///{tmp_path / 'liveline.db'}"


def first_event(url: str) -> dict[str, Any]:
    with (
        httpx.Client(timeout=TIMEOUT) as client,
        connect_sse(client, "GET", url, params={"since": 0}) as source,
    ):
        assert source.response.status_code == 200, source.response.text
        assert source.response.headers["content-type"].startswith("text/event-stream")
        return next(json.loads(sse.data) for sse in source.iter_sse() if sse.data)


def test_mounted_under_a_prefix_the_app_serves_its_stream(database_url: str) -> None:
    liveline = create_app(Settings(database_url=database_url))

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with liveline.router.lifespan_context(liveline):  # a mount runs no lifespan
            yield

    async def home(_: object) -> PlainTextResponse:
        return PlainTextResponse("the newsroom's own site")

    newsroom = Starlette(routes=[Route("/", home), Mount("/live", app=liveline)], lifespan=lifespan)
    with uvicorn_serving(newsroom, "httptools", timeout_graceful_shutdown=3) as url:
        event = first_event(f"{url}/live/blogs/{SLUG}/events")
        page = httpx.get(f"{url}/live/blogs/{SLUG}", timeout=TIMEOUT)
        head = httpx.head(f"{url}/live/blogs/{SLUG}/events", timeout=TIMEOUT)
        missing = httpx.get(f"{url}/live/api/blogs/nowhere", timeout=TIMEOUT)
        outside = httpx.get(f"{url}/blogs/{SLUG}/events", timeout=TIMEOUT)

    assert (event["seq"], event["type"]) == (1, "post.published")
    assert page.status_code == 200 and "<html" in page.text
    assert head.status_code == 200 and head.headers["content-type"].startswith("text/event-")
    assert missing.status_code == 404 and missing.json()["error"]["status"] == 404
    assert outside.status_code == 404


def test_the_stream_is_in_the_api_docs(database_url: str) -> None:
    schema = create_app(Settings(database_url=database_url)).openapi()
    operation = schema["paths"]["/blogs/{slug}/events"]["get"]
    assert "text/event-stream" in operation["responses"]["200"]["content"]
    assert {p["name"] for p in operation["parameters"]} >= {"slug", "since", "last-event-id"}


@contextlib.contextmanager
def plain_uvicorn(
    database_url: str, http: str, log_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`uvicorn --factory liveline.app:create_app`, as a newsroom would run it: no `liveline
    serve`, none of its signal handling. Yields the process and its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "liveline.app:create_app",
             "--port", str(port), "--http", http],
            env={**os.environ, "LIVELINE_DATABASE_URL": database_url},
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_plain_uvicorn_ends_open_streams_on_ctrl_c(
    database_url: str, http: str, tmp_path: Path
) -> None:
    with plain_uvicorn(database_url, http, tmp_path / "uvicorn.log") as (server, url):
        outcome: dict[str, object] = {}

        def read_until_the_end() -> None:
            try:
                with (
                    httpx.Client(timeout=TIMEOUT) as client,
                    connect_sse(client, "GET", f"{url}/blogs/{SLUG}/events") as source,
                ):
                    outcome["status"] = source.response.status_code
                    outcome["events"] = [sse for sse in source.iter_sse() if sse.data]
            except Exception as exc:  # what a browser would see as a broken stream
                outcome["error"] = exc

        reading = threading.Thread(target=read_until_the_end)
        reading.start()
        deadline = time.monotonic() + 10
        while httpx.get(f"{url}/healthz", timeout=TIMEOUT).json()["readers"] != 1:
            assert time.monotonic() < deadline, "the stream never opened"
            time.sleep(0.05)
        started = time.monotonic()
        server.send_signal(signal.SIGINT)
        returncode = server.wait(timeout=10)
        reading.join(timeout=5)

    assert time.monotonic() - started < 3, "uvicorn kept waiting for the open stream"
    assert returncode == 0
    assert not reading.is_alive()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["status"] == 200 and outcome["events"] == []


def test_apps_share_the_routes_built_at_import(database_url: str, tmp_path: Path) -> None:
    """Each app a newsroom's stack (or a worker process, or a test) makes serves the routes
    its modules built once: none is built again per app at its first request (~130 ms of
    CPU with `include_router`). What differs between apps is in `app.state`: each shared
    route answers from its own app's database."""
    from fastapi.routing import APIRoute
    from fastapi.testclient import TestClient

    from liveline.web import api, console

    storm = create_app(Settings(database_url=database_url))
    empty = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}"))

    def serves(app: FastAPI, route: object) -> bool:  # that very route (routes compare equal
        return any(served is route for served in app.router.routes)  # by path and name)

    for route in [*api.router.routes, *console.router.routes]:
        assert serves(storm, route) and serves(empty, route)
    healthz = [r for r in storm.router.routes if isinstance(r, APIRoute) and r.path == "/healthz"]
    assert healthz and not serves(empty, healthz[0])  # made by create_app, each app's own
    with TestClient(storm) as a, TestClient(empty) as b:
        assert [blog["slug"] for blog in a.get("/api/blogs").json()["blogs"]] == [SLUG]
        assert b.get("/api/blogs").json()["blogs"] == []
        assert a.get(f"/blogs/{SLUG}").status_code == 200
        assert b.get(f"/blogs/{SLUG}").status_code == 404


def test_an_app_that_is_gone_is_collected_with_its_engine(tmp_path: Path) -> None:
    """Nothing keeps an app once its stack lets it go: not FastAPI's caches of the endpoints
    it has served (which kept every app whose endpoints closed over it, with its database
    engine, metrics and templates, some 3,600 objects each), nor anything of ours."""
    import gc
    import weakref

    from fastapi.testclient import TestClient

    def served(n: int) -> tuple[weakref.ref[Any], weakref.ref[Any]]:
        app = create_app(Settings(database_url=f"sqlite:///{tmp_path / f'{n}.db'}"))
        with TestClient(app) as client:
            for path in ("/healthz", "/api/blogs", "/api/docs", "/login", "/edit", "/nowhere"):
                client.get(path)
        return weakref.ref(app), weakref.ref(app.state.service)

    gone = [served(n) for n in range(3)]
    gc.collect()
    assert [(app(), service()) for app, service in gone] == [(None, None)] * 3
