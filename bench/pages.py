#!/usr/bin/env python3
"""Reader-page benchmark: does a page's cost grow with the blog it belongs to?

Seeds one SQLite database with blogs of 9, 500 and 5,000 posts (and two pinned posts each),
starts one `liveline serve` process on it, and drives it with Debian's `wrk`:

- `/healthz` on the same process: the ceiling a page could reach;
- each blog's page from the page cache ("cached"), and answered `304` by a matching
  `If-None-Match` ("304");
- each blog's page rendered every time ("cold": a second process with
  `LIVELINE_PAGE_CACHE_BYTES=0`, post bodies still from their own cache), plus the median
  time of one cold render measured by sequential requests;
- nginx serving the same page saved as a static file, in the same run.

Prints a table and one JSON line. Needs `wrk` and `nginx` (apt-get install wrk nginx-light).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SIZES = (9, 500, 5000)
PARAGRAPH = (
    "Officials said the crossing would stay open through the night, and that buses would "
    "run every twenty minutes from the station. *More background:* talks resume **Monday**."
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(database_url: str) -> None:
    """Blogs `pages-9`, `pages-500`, `pages-5000`, each post with a few paragraphs."""
    sys.path.insert(0, str(REPO))
    from liveline.config import Settings
    from liveline.formats.textparse import ParsedBlog, ParsedPost
    from liveline.service import open_service

    service = open_service(Settings(database_url=database_url))
    service.migrate()
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    for size in SIZES:
        posts = tuple(
            ParsedPost(
                published=start + timedelta(minutes=i),
                headline=f"Update {i}: the crossing stays open",
                authors=("Ana Ruiz",),
                location="Kyiv",
                images=(),
                paragraphs=(PARAGRAPH, PARAGRAPH, f"Post {i}."),
                contributors=(),
                line=i + 1,
            )
            for i in range(size)
        )
        parsed = ParsedBlog(
            title=f"A {size}-post story",
            authors=("Ana Ruiz",),
            organization="Liveline News",
            updated=None,
            timezone="Europe/Kyiv",
            stated_post_count=None,
            posts=posts,
        )
        asyncio.run(service.importing.import_blog(parsed, f"pages-{size}"))
    service.close()


def pin_two(base: str, token: str, size: int) -> None:
    """Pin two posts of each blog through the API, as an editor would."""
    conn = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn.request("GET", f"/api/blogs/pages-{size}/posts?limit=2", headers=headers)
    items = json.loads(conn.getresponse().read())
    for post in items["posts"] if isinstance(items, dict) else items:
        conn.request(
            "PATCH",
            f"/api/blogs/pages-{size}/posts/{post['id']}",
            json.dumps({"pinned": True}),
            {**headers, "If-Match": str(post["version"])},
        )
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"pinning failed: {response.status}")
    conn.close()


READERS_ONLY = {"LIVELINE_CONSOLE": "false"}  # no console, so no secret key to set


def start_server(tmp: Path, database_url: str, port: int, env: dict[str, str]) -> Any:
    log = (tmp / f"server-{port}.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "liveline", "serve", "--port", str(port)],
        env={**os.environ, "LIVELINE_DATABASE_URL": database_url, **READERS_ONLY, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=REPO,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if get(port, "/healthz")[0] == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError((tmp / f"server-{port}.log").read_text()[-2000:])


def stop(server: Any) -> None:
    server.send_signal(signal.SIGINT)
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, response.headers


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


CPU: dict[str, float] = {}  # µs of server CPU per request, by the run's name


def measured(
    name: str, pid: int, url: str, seconds: int, connections: int, header: str | None = None
) -> float:
    """wrk's requests/s, and (in CPU) the server's CPU per request: on a shared machine the
    rate moves with everyone else's load, the CPU a request costs much less."""
    before = cpu_seconds(pid)
    rate, count = wrk(url, seconds, connections, header)
    CPU[name] = round((cpu_seconds(pid) - before) / count * 1e6, 1)
    return rate


def wrk(url: str, seconds: int, connections: int, header: str | None = None) -> tuple[float, int]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url]
    if header:
        command[1:1] = ["-H", header]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in out:
        raise RuntimeError(f"errors from {url}:\n{out}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    count = re.search(r"(\d+) requests in", out)
    if found is None or count is None:
        raise RuntimeError(out)
    return float(found[1]), int(count[1])


def render_ms(port: int, path: str, times: int = 15) -> float:
    """The median time of one request that renders the page, sequentially."""
    took = []
    for _ in range(times):
        begin = time.perf_counter()
        get(port, path)
        took.append((time.perf_counter() - begin) * 1000)
    return statistics.median(took)


NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    default_type text/html;
    server {{ listen 127.0.0.1:{port}; root {tmp}/static; }}
}}
"""


def start_nginx(tmp: Path, port: int) -> None:
    (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, port=port))
    subprocess.run(["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp)], check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=5, help="each wrk run (default 5)")
    ap.add_argument("--connections", type=int, default=50, help="wrk -c (default 50)")
    ap.add_argument("--label", default="")
    a = ap.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed: apt-get install -y wrk nginx-light")

    tmp = Path(tempfile.mkdtemp(prefix="liveline-pages-"))
    tmp.chmod(0o755)  # nginx's workers (www-data) read the static page from here
    database_url = f"sqlite:///{tmp}/pages.db"
    results: dict[str, Any] = {"label": a.label, "seconds": a.seconds, "c": a.connections}
    servers = []
    try:
        seed(database_url)
        env = {"PYTHONPATH": str(REPO), "LIVELINE_DATABASE_URL": database_url}
        token = subprocess.run(
            [sys.executable, "-m", "liveline", "user", "add", "bench", "--role", "editor"],
            env={**os.environ, **env}, capture_output=True, check=True,
        ) and subprocess.run(
            [sys.executable, "-m", "liveline", "token", "create", "bench"],
            env={**os.environ, **env}, capture_output=True, text=True, check=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        cached_port, cold_port, nginx_port = free_port(), free_port(), free_port()
        servers.append(start_server(tmp, database_url, cached_port, {"PYTHONPATH": str(REPO)}))
        base = f"http://127.0.0.1:{cached_port}"
        for size in SIZES:
            pin_two(base, token, size)
        servers.append(
            start_server(
                tmp, database_url, cold_port,
                {"PYTHONPATH": str(REPO), "LIVELINE_PAGE_CACHE_BYTES": "0"},
            )
        )  # fmt: skip
        (tmp / "static").mkdir()
        status, page, _ = get(cached_port, "/blogs/pages-500")
        (tmp / "static" / "page.html").write_bytes(page)
        start_nginx(tmp, nginx_port)

        results["nginx_static"] = wrk(
            f"http://127.0.0.1:{nginx_port}/page.html", a.seconds, a.connections
        )[0]
        cached_pid, cold_pid = servers[0].pid, servers[1].pid
        # Warm both processes up first, so the first blog measured is not also the first
        # load each process sees.
        for port in (cached_port, cold_port):
            for size in SIZES:
                wrk(f"http://127.0.0.1:{port}/blogs/pages-{size}", 1, 10)
            wrk(f"http://127.0.0.1:{port}/healthz", 1, a.connections)
        for size in SIZES:
            path = f"/blogs/pages-{size}"
            status, page, headers = get(cached_port, path)
            assert status == 200 and b"Update" in page, status
            etag = headers["ETag"]
            results[f"cold_ms_{size}"] = round(render_ms(cold_port, path), 2)
            results[f"cold_{size}"] = measured(
                f"cold_{size}", cold_pid, f"http://127.0.0.1:{cold_port}{path}", a.seconds, 10
            )
            # The machine is shared: /healthz is measured right before each page it is
            # compared with, and each ratio is to that neighbour.
            for name, url, header in (
                (f"healthz_{size}", f"{base}/healthz", None),
                (f"cached_{size}", f"{base}{path}", None),
                (f"304_{size}", f"{base}{path}", f"If-None-Match: {etag}"),
            ):
                results[name] = measured(name, cached_pid, url, a.seconds, a.connections, header)
    finally:
        for server in servers:
            stop(server)
        if (tmp / "nginx.pid").exists():
            subprocess.run(["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp), "-s", "stop"])
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"nginx, the same page as a static file: {results['nginx_static']:.0f} req/s")
    print("posts | cold ms | cold req/s | /healthz req/s | cached req/s (x) | 304 req/s (x)")
    for size in SIZES:
        ceiling = results[f"healthz_{size}"]
        cached, not_modified = results[f"cached_{size}"], results[f"304_{size}"]
        print(
            f"{size:>5} | {results[f'cold_ms_{size}']:>7.2f} | {results[f'cold_{size}']:>10.0f}"
            f" | {ceiling:>14.0f} | {cached:>7.0f} ({cached / ceiling:.2f})"
            f" | {not_modified:>6.0f} ({not_modified / ceiling:.2f})"
        )
    print(
        "server CPU per request, µs (x = /healthz's CPU / this one's: the rate ratio at equal CPU)"
    )
    for size in SIZES:
        base_cpu = CPU[f"healthz_{size}"]
        print(
            f"{size:>5} | cold {CPU[f'cold_{size}']:>7.0f} | /healthz {base_cpu:>5.0f} | cached "
            f"{CPU[f'cached_{size}']:>5.0f} ({base_cpu / CPU[f'cached_{size}']:.2f}) | 304 "
            f"{CPU[f'304_{size}']:>5.0f} ({base_cpu / CPU[f'304_{size}']:.2f})"
        )
    results["cpu_us_per_request"] = CPU
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
