#!/usr/bin/env python3
"""Liveline fan-out benchmark: N SSE readers, P posts, publish->receive latency.

Holds --clients SSE connections to /blogs/SLUG/events (split over --processes worker
processes, each one event loop of raw non-blocking sockets), waits until all have their
200 response head, then publishes --posts posts through the write API, one every
--interval s. Each body carries t=<time.time_ns()> taken at send time. The latency of a
(reader, post) pair is when the reader read the event minus t ("user"), and separately
the kernel RX timestamp of that segment minus t ("kernel", SO_TIMESTAMPNS: leaves out
the load generator's own queueing). Same host only: both ends read CLOCK_REALTIME.

Without --url it starts its own Liveline (temp dir, SQLite, editor + token via the CLI).
--baseline repeats the load against a bare asyncio SSE floor server started here.
Exit 0 only if every reader connected and got every post. Stdlib, plus uvloop if found.
"""

from __future__ import annotations

import argparse
import array
import contextlib
import http.client
import json
import math
import multiprocessing as mp
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# bench/ is on sys.path when this script runs
from floor import floor_main
from sse_readers import raise_nofile, worker_main

try:
    import uvloop
except ImportError:  # plain asyncio works too, only slower
    uvloop = None

REPO = Path(__file__).resolve().parent.parent
PAD = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. "


# ---------------------------------------------------------------- the floor server

# ---------------------------------------------------------------- driver (parent process)


class Api:
    """Blocking keep-alive HTTP client for setup and publishing; retries once, new socket."""

    def __init__(self, base: str, token: str) -> None:
        u = urlsplit(base)
        self.host, self.port, self.conn = u.hostname or "127.0.0.1", u.port or 80, None
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        for attempt in (0, 1):
            try:
                self.conn = self.conn or http.client.HTTPConnection(self.host, self.port, 30)
                self.conn.request(method, path, data, self.headers)
                r = self.conn.getresponse()
                return r.status, r.read()
            except (OSError, http.client.HTTPException):
                if self.conn:
                    self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def wait_healthy(api: Api, alive: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        with contextlib.suppress(OSError, http.client.HTTPException):
            if api.call("GET", "/healthz")[0] == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("server did not become healthy")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_stats(pid: int | str | None) -> tuple[int | None, float | None]:
    """(VmRSS in KiB, user + system CPU seconds) of a process, from /proc; summed over the
    processes of a comma-separated list."""
    if isinstance(pid, str):
        both = [proc_stats(int(p)) for p in pid.split(",")]
        if any(r is None or c is None for r, c in both):
            return None, None
        return sum(r or 0 for r, _ in both), sum(c or 0 for _, c in both)
    try:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None, None
    rss = next((int(x.split()[1]) for x in status if x.startswith("VmRSS:")), None)
    return rss, (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def pcts(ns: array.array[int]) -> dict[str, float | None]:
    """Nearest-rank percentiles, ns in, ms out."""
    s, qs = sorted(ns), {"p50": 0.5, "p95": 0.95, "p99": 0.99, "max": 1.0}
    return {
        k: round(s[max(0, math.ceil(q * len(s)) - 1)] / 1e6, 3) if s else None
        for k, q in qs.items()
    }


def publish_all(a: argparse.Namespace, api: Api, slug: str) -> tuple[list[int], array.array]:
    """Posts one every --interval s; returns the accepted posts' stamps and POST times."""
    stamps, post_ns, start = [], array.array("q"), time.monotonic()
    for k in range(1, a.posts + 1):
        time.sleep(max(0.0, start + (k - 1) * a.interval - time.monotonic()))
        t = time.time_ns()
        text = f"Fan-out bench post {k}. t={t} " + PAD * (a.body_bytes // len(PAD) + 1)
        try:
            status, out = api.call(
                "POST",
                f"/api/blogs/{slug}/posts",
                {"headline": f"Bench post {k}", "body": text[: a.body_bytes]},
            )
        except (OSError, http.client.HTTPException) as exc:
            status, out = 0, repr(exc).encode()
        if status == 201:
            stamps.append(t)
            post_ns.append(time.time_ns() - t)
        else:
            print(f"  post {k} failed: {status} {out[:200]!r}", file=sys.stderr)
    return stamps, post_ns


def run_load(a: argparse.Namespace, base: str, token: str, pid: int | str | None) -> dict[str, Any]:
    """Readers split round-robin across `base`'s comma-separated URLs (one worker process
    each at least); posts go to the first."""
    bases = base.split(",")
    base = bases[0]
    readers = [u.rstrip("/") for u in a.readers_url.split(",")] if a.readers_url else []
    api = Api(base, token)
    status, out = api.call(
        "POST", "/api/blogs", {"slug": a.slug, "title": "Bench", "timezone": "America/New_York"}
    )
    if status not in (201, 409):  # 409: it exists; fresh readers only get new posts anyway
        raise RuntimeError(f"creating blog {a.slug!r}: {status} {out[:300]!r}")
    rss_before, _ = proc_stats(pid)
    ctx, k = mp.get_context("fork"), max(1, min(a.processes, a.clients))
    workers, t0 = [], time.monotonic()
    for i in range(k):
        ours, theirs = ctx.Pipe()
        n, url = (
            a.clients // k + (i < a.clients % k),
            f"{(readers or bases)[i % len(readers or bases)]}/blogs/{a.slug}/events",
        )
        (proc := ctx.Process(target=worker_main, args=(url, a, n, theirs), daemon=True)).start()
        workers.append((proc, ours))
    ok, errors = 0, Counter[str]()
    for _, pipe in workers:
        n_ok, errs = pipe.recv()
        ok += n_ok
        errors.update(errs)
    connect_s = round(time.monotonic() - t0, 2)
    rss_connected, _ = proc_stats(pid)
    time.sleep(a.warmup)
    _, cpu0 = proc_stats(pid)
    stamps, post_ns = publish_all(a, api, a.slug)
    deadline = time.time() + a.drain
    for _, pipe in workers:
        pipe.send((stamps, deadline))
    delivered = complete = closed = 0
    checks: Counter[str] = Counter()
    missing, lat_user, lat_kernel = Counter[int](), array.array("q"), array.array("q")
    for _, pipe in workers:
        d, c, cl, miss, check, lu, lk = pipe.recv()
        checks.update(check)
        delivered, complete, closed = delivered + d, complete + c, closed + cl
        missing.update({stamps.index(t) + 1: n for t, n in miss.items()})
        lat_user.frombytes(lu)
        lat_kernel.frombytes(lk)
    rss_end, cpu1 = proc_stats(pid)  # before the readers hang up
    for proc, pipe in workers:
        pipe.send("close")
        proc.join()
    per_conn = (rss_connected - rss_before) / ok if ok and rss_before and rss_connected else None
    everything = (
        ok == a.clients
        and len(stamps) == a.posts
        and delivered == ok * len(stamps)
        and not checks["repeated_or_out_of_order"]
    )
    return {
        "all_delivered": everything,
        "clients": a.clients,
        "connected": ok,
        "connect_failed": a.clients - ok,
        "connect_errors": dict(errors),
        "connect_s": connect_s,
        "processes": k,
        "posts": a.posts,
        "published": len(stamps),
        "interval_s": a.interval,
        "body_bytes": a.body_bytes,
        "delivered": delivered,
        "expected": ok * len(stamps),
        "readers_complete": complete,
        "closed_early": closed,
        "reconnects": checks["reconnects"],
        "repeated_or_out_of_order": checks["repeated_or_out_of_order"],
        "missing_readers_by_post": dict(sorted(missing.items())),
        "latency_ms": pcts(lat_user),
        "kernel_latency_ms": pcts(lat_kernel),
        "post_call_ms": pcts(post_ns),
        "server_rss_kib": {"before": rss_before, "connected": rss_connected, "end": rss_end},
        "rss_per_conn_kib": round(per_conn, 2) if per_conn is not None else None,
        "server_cpu_s_publish": round(cpu1 - cpu0, 2) if None not in (cpu0, cpu1) else None,
    }


def report(name: str, r: dict[str, Any]) -> None:
    p, rss = f"[{name}]", r["server_rss_kib"]
    print(
        f"{p} clients connected {r['connected']}/{r['clients']} in {r['connect_s']} s "
        f"({r['processes']} processes); failed {r['connect_failed']} {r['connect_errors'] or ''}"
    )
    print(
        f"{p} posts published {r['published']}/{r['posts']}; deliveries {r['delivered']}/"
        f"{r['expected']}; readers with every post {r['readers_complete']}/{r['connected']}"
        f"; closed early {r['closed_early']} (reconnected {r['reconnects']}); events repeated "
        f"or out of order {r['repeated_or_out_of_order']}"
    )
    if r["missing_readers_by_post"]:
        print(f"{p} MISSING, readers per post: {r['missing_readers_by_post']}")
    for key, what in (
        ("latency_ms", "latency"),
        ("kernel_latency_ms", "kernel "),
        ("post_call_ms", "POST   "),
    ):
        if (v := r[key])["p50"] is not None:
            print(
                f"{p} {what} ms  p50 {v['p50']:8.2f}  p95 {v['p95']:8.2f}  "
                f"p99 {v['p99']:8.2f}  max {v['max']:8.2f}"
            )
    print(
        f"{p} server RSS KiB before {rss['before']}, connected {rss['connected']}, end "
        f"{rss['end']}; {r['rss_per_conn_kib']} KiB per connection; CPU during publish "
        f"{r['server_cpu_s_publish']} s",
        flush=True,
    )


def spawn_liveline(tmp: str) -> tuple[subprocess.Popen[bytes], str, str]:
    """A fresh SQLite database, an editor and its token, then `liveline serve`."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "LIVELINE_DATABASE_URL": f"sqlite:///{tmp}/bench.db", "PYTHONPATH": path,
           "LIVELINE_CONSOLE": "false"}  # fmt: skip

    def cli(*argv: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "liveline", *argv],
            env=env,
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(
                f"liveline {' '.join(argv)}: exit {done.returncode}\n{done.stdout}{done.stderr}"
            )
        return done.stdout

    cli("user", "add", "bench", "--role", "editor")
    token = cli("token", "create", "bench").strip().splitlines()[-1].strip()
    port = free_port()
    with open(f"{tmp}/server.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "liveline", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(Api(base, token), lambda: server.poll() is None)
    except RuntimeError:
        stop(server)
        tail = Path(f"{tmp}/server.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"liveline serve failed; log tail:\n{tail}") from None
    return server, base, token


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run_floor(a: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    floor = mp.get_context("fork").Process(target=floor_main, args=(port,), daemon=True)
    floor.start()
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(Api(base, ""), floor.is_alive)
        return run_load(a, base, "", floor.pid)
    finally:
        floor.terminate()
        floor.join(10)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--posts", type=int, default=20)
    ap.add_argument("--interval", type=float, default=0.5, help="seconds between posts")
    ap.add_argument("--processes", type=int, default=2, help="reader worker processes")
    ap.add_argument("--url", help="base URL(s), comma-separated, of running Livelines (--token)")
    ap.add_argument("--spawn-server", action="store_true", help="start our own (the default)")
    ap.add_argument("--token", default=os.environ.get("LIVELINE_TOKEN"), help="editor token")
    ap.add_argument("--server-pid", help="pid(s), comma-separated, of the --url servers")
    ap.add_argument("--slug", default="bench")
    ap.add_argument("--baseline", action="store_true", help="also run against the floor server")
    ap.add_argument("--body-bytes", type=int, default=500, help="length of each post's body")
    ap.add_argument("--warmup", type=float, default=1.0, help="seconds after all connected")
    ap.add_argument("--drain", type=float, default=10.0, help="max wait after the last post")
    ap.add_argument("--connect-concurrency", type=int, default=256, help="per process")
    ap.add_argument("--connect-timeout", type=float, default=60.0)
    ap.add_argument("--label", default="")
    ap.add_argument("--readers-url", help="readers' base URL(s) instead of --url's (a proxy)")
    ap.add_argument(
        "--reconnect", action="store_true",
        help="reopen a stream that ends, with Last-Event-ID, as a browser's EventSource does",
    )  # fmt: skip
    a = ap.parse_args()
    if a.url and a.spawn_server:
        ap.error("--url and --spawn-server exclude each other")
    if a.url and not a.token:
        ap.error("--url needs --token (or LIVELINE_TOKEN)")
    if a.clients / max(1, a.processes) + 64 > (nofile := raise_nofile()):
        ap.error(f"RLIMIT_NOFILE hard limit is {nofile}: use more --processes")
    res: dict[str, Any] = {"label": a.label, "loop": "uvloop" if uvloop else "asyncio"}
    tmp = server = None
    try:
        if a.url:
            base, token, pid = a.url.replace("/,", ",").rstrip("/"), a.token, a.server_pid
        else:
            tmp = tempfile.mkdtemp(prefix="liveline-bench-")
            server, base, token = spawn_liveline(tmp)
            pid = server.pid
        res |= {"url": base} | run_load(a, base, token, pid)
    except (RuntimeError, OSError, EOFError, http.client.HTTPException) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            stop(server)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    report("liveline", res)
    ok = res["all_delivered"]
    if a.baseline:
        report("floor", floor := run_floor(a))
        lv, fl = res["latency_ms"], floor["latency_ms"]
        res["ratio"] = {
            q: round(lv[q] / fl[q], 2) if lv[q] and fl[q] else None for q in ("p50", "p99")
        }
        res["baseline"], ok = floor, ok and floor["all_delivered"]
        print(
            f"[ratio] Liveline/floor latency  p50 {res['ratio']['p50']}x  "
            f"p99 {res['ratio']['p99']}x"
        )
    print(json.dumps(res), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
