"""Debian's Pushpin in front of Liveline in GRIP mode (configured as ../shared/peers/pushpin.sh
runs it, on free ports, in a temp dir): Pushpin holds the readers, Liveline holds none, and a
reader gets every post once, in order, across a Liveline restart and its own reconnect."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.harness import LiveServer, auth, free_port, unavailable, unique

INTERNAL_CONF = Path("/usr/lib/pushpin/internal.conf")
PUSHPIN_CONF = Path("/etc/pushpin/pushpin.conf")
Received = list[tuple[int, str]]


def pushpin_installed() -> None:
    missing = [b for b in ("pushpin", "zurl", "condure") if shutil.which(b) is None]
    if missing or not INTERNAL_CONF.exists() or not PUSHPIN_CONF.exists():
        unavailable("pushpin is not installed: apt-get install pushpin (make setup, as root)")


def configure(where: Path, http_port: int, origin_port: int) -> tuple[Path, Path, int]:
    """pushpin.conf and zurl.conf in `where`, every port and socket its own; the publish
    port. As in pushpin.sh: a private zurl that may reach loopback (Debian's denies 127.*),
    and message_rate/message_hwm raised from Debian's defaults."""
    (where / "run").mkdir()
    (where / "log").mkdir()
    zurl = where / "zurl.conf"
    zurl.write_text(
        "[General]\n"
        f"in_spec=ipc://{where}/run/zurl-in\nin_stream_spec=ipc://{where}/run/zurl-in-stream\n"
        f"out_spec=ipc://{where}/run/zurl-out\ndefpolicy=deny\nallow=127.0.0.1\n"
        "max_open_requests=1000\nbuffer_size=200000\ntimeout=600\n"
    )
    internal = where / "internal.conf"
    internal.write_text(
        INTERNAL_CONF.read_text().replace("ipc:///var/run/zurl/", f"ipc://{where}/run/")
    )
    routes = where / "routes"
    routes.write_text(f"* 127.0.0.1:{origin_port}\n")
    publish, push_in, push_sub, command = (free_port() for _ in range(4))
    settings = {
        "rundir": f"{where}/run",
        "logdir": f"{where}/log",
        "http_port": f"127.0.0.1:{http_port}",
        "routesfile": str(routes),
        "include": str(internal),
        "message_rate": "1000000",
        "message_hwm": "1000000",
        # The handler's ports are fixed in Debian's file: others on this machine use them.
        "push_in_spec": f"tcp://127.0.0.1:{push_in}",
        "push_in_sub_specs": f"tcp://127.0.0.1:{push_sub}",
        "push_in_http_port": str(publish),
        "command_spec": f"tcp://127.0.0.1:{command}",
    }
    text = PUSHPIN_CONF.read_text()
    for name, value in settings.items():
        text, found = re.subn(rf"(?m)^{name}=.*$", f"{name}={value}", text)
        assert found, f"{PUSHPIN_CONF} has no {name}= line"
    conf = where / "pushpin.conf"
    conf.write_text(text)
    return conf, zurl, publish


@pytest.fixture(scope="module")
def behind_pushpin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    """One Pushpin and one server for the module (starting them is most of a test's cost):
    each test on a blog of its own; a test that changes the server's settings puts them
    back."""
    pushpin_installed()
    tmp_path = tmp_path_factory.mktemp("pushpin")
    port = free_port()
    server = LiveServer(f"sqlite:///{tmp_path / 'live.db'}", tmp_path / "server.log")
    conf, zurl_conf, publish = configure(tmp_path, port, server.port)
    server.extra_env.update(
        LIVELINE_GRIP_URL=f"http://127.0.0.1:{publish}/publish/",
        LIVELINE_STREAM_HEARTBEAT_SECONDS="2",
    )
    log = (tmp_path / "log" / "runner.log").open("wb")
    zurl = subprocess.Popen(["zurl", f"--config={zurl_conf}"], stdout=log, stderr=log)
    pushpin = subprocess.Popen(["pushpin", "--config", str(conf)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.post(
                    f"http://127.0.0.1:{publish}/publish/", json={"items": []}
                ).is_success:
                    break
            except httpx.TransportError:
                pass
            assert pushpin.poll() is None and time.monotonic() < deadline, "pushpin did not start"
            time.sleep(0.2)
        server.start()
        yield server, f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        for process in (pushpin, zurl):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def pushpin(behind_pushpin: tuple[LiveServer, str]) -> tuple[LiveServer, str]:
    """The module's Pushpin and server, the server up (a test that stopped it and failed
    before starting it again leaves the next one a server restarted, not one missing)."""
    server, _ = behind_pushpin
    if server.process is None or server.process.poll() is not None:
        server.start()
    return behind_pushpin


def open_blog(server: LiveServer) -> tuple[dict[str, str], str]:
    """An editor and a blog of the test's own: their headers, and the blog's slug."""
    editor = auth(server.token(unique("ed")))
    slug = unique("storm")
    with httpx.Client(base_url=server.url, headers=editor, timeout=10) as origin:
        created = origin.post("/api/blogs", json={"title": "Storm", "slug": slug})
        assert created.status_code == 201, created.text
    return editor, slug


def read_until(url: str, headers: dict[str, str], last: int, got: Received) -> Received:
    """(seq, headline) of each post event of one stream, until the event of seq `last`."""
    seq = 0
    timeout = httpx.Timeout(5, read=30)
    with httpx.stream("GET", url, headers=headers, timeout=timeout) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            if line.startswith("id: "):
                seq = int(line[4:])
            elif line.startswith("data: "):
                got.append((seq, json.loads(line[6:])["post"]["headline"]))
                if seq >= last:
                    return got
    raise AssertionError(f"the stream ended after {got}")


def test_a_reader_through_pushpin_gets_every_post_once_in_order(
    pushpin: tuple[LiveServer, str],
) -> None:
    server, front = pushpin
    editor, slug = open_blog(server)
    stream = f"{front}/blogs/{slug}/events"

    def publish(*headlines: str) -> None:
        with httpx.Client(base_url=server.url, headers=editor, timeout=10) as origin:
            for headline in headlines:
                posted = origin.post(
                    f"/api/blogs/{slug}/posts", json={"headline": headline, "body": "."}
                )
                assert posted.status_code == 201, posted.text

    before: Received = []
    after: Received = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(read_until, f"{stream}?since=0", {}, 5, before)
        publish("one", "two", "three")
        deadline = time.monotonic() + 15
        while len(before) < 3:
            failed = first.exception() if first.done() else None
            assert time.monotonic() < deadline and failed is None, (before, failed)
            time.sleep(0.05)
        # Pushpin holds the reader; Liveline answered it and let go.
        assert httpx.get(f"{server.url}/healthz").json()["readers"] == 0
        server.restart()  # the reader's connection is Pushpin's: it stays open
        publish("four", "five")
        first.result(timeout=30)

        publish("six")  # while the reader is away
        again = pool.submit(read_until, stream, {"Last-Event-ID": "5"}, 7, after)
        publish("seven")
        again.result(timeout=30)

    headlines = ["one", "two", "three", "four", "five", "six", "seven"]
    assert before == list(enumerate(headlines[:5], start=1))
    assert after == list(enumerate(headlines[5:], start=6))


def test_an_event_the_proxy_never_acknowledged_is_published_by_the_next_process(
    pushpin: tuple[LiveServer, str],
) -> None:
    server, front = pushpin
    editor, slug = open_blog(server)
    grip_url = server.extra_env["LIVELINE_GRIP_URL"]
    handler_log = server.log_path.parent / "log" / "pushpin-handler.log"
    server.extra_env["LIVELINE_GRIP_URL"] = "http://127.0.0.1:9/publish/"  # unreachable
    try:
        server.restart()
        got: Received = []
        with ThreadPoolExecutor(max_workers=1) as pool:
            reader = pool.submit(read_until, f"{front}/blogs/{slug}/events?since=0", {}, 2, got)
            held(handler_log, slug)  # nothing to replay
            # Pushpin (1.36) asks the next link once, about a second after a hold (Grip-Last):
            # let that pass, or it would fetch the posts from the log and this test nothing.
            asked_next(handler_log, slug)
            failures = server.log_path.read_text().count("grip failed")
            with httpx.Client(base_url=server.url, headers=editor, timeout=10) as origin:
                for headline in ("one", "two"):
                    posted = origin.post(
                        f"/api/blogs/{slug}/posts", json={"headline": headline, "body": "."}
                    )
                    assert posted.status_code == 201, posted.text
            # The publisher tried them, and the proxy was not there.
            deadline = time.monotonic() + 15
            while server.log_path.read_text().count("grip failed") <= failures:
                assert time.monotonic() < deadline, "the publisher never tried the posts"
                time.sleep(0.05)
            assert got == []  # not published: the proxy was never reached
            server.stop(signal.SIGKILL)  # and the process dies before it could be
            server.extra_env["LIVELINE_GRIP_URL"] = grip_url
            server.start()
            reader.result(timeout=30)
    finally:
        server.extra_env["LIVELINE_GRIP_URL"] = grip_url
    assert got == [(1, "one"), (2, "two")]


def handler_lines(handler_log: Path, slug: str) -> list[str]:
    """The lines of Pushpin's handler log about the blog's stream."""
    lines = handler_log.read_text(errors="replace").splitlines()
    return [line for line in lines if f"/blogs/{slug}/events" in line]


def held(handler_log: Path, slug: str) -> None:
    """Wait until Pushpin holds the blog's stream on its channel (its handler logs each)."""
    deadline = time.monotonic() + 15

    def holds() -> bool:
        lines = handler_lines(handler_log, slug)
        return any(" subscribe " in line and "channel=liveline-blog-" in line for line in lines)

    while not holds():
        assert time.monotonic() < deadline, "pushpin held no stream"
        time.sleep(0.05)


def asked_next(handler_log: Path, slug: str) -> None:
    """Wait until Pushpin has followed the held stream's next link (its handler logs the
    GET with the channel's last id), or for 10 s: a Pushpin that does not ask is as good."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = handler_lines(handler_log, slug)
        if any(" GET " in line and "#liveline-blog-" in line for line in lines):
            return
        time.sleep(0.05)
