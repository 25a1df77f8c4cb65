"""What bench/peers.py's runs share: the Liveline server it starts, the peers' load
generator, GC pauses read from /metrics, and the JSON lines it records."""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PEERS = (REPO.parent / "shared" / "peers").resolve()
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from fanout import Api, free_port, wait_healthy  # noqa: E402

PY = sys.executable
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


CANCELLED = "pushpin_cancelled_out_of_sequence"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def raise_nofile(want: int) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(want, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Liveline:
    """`liveline serve` processes on one database, an editor's token, a blog."""

    def __init__(self, tmp: Path, database_url: str, extra: dict[str, str] | None = None) -> None:
        path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        self.env = {
            **os.environ,
            "LIVELINE_DATABASE_URL": database_url,
            "PYTHONPATH": path,
            "LIVELINE_CONSOLE": "false",
        }  # readers only: no console, no secret key
        self.env.update(extra or {})
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        self.procs: list[subprocess.Popen[bytes]] = []
        self.bases: list[str] = []
        self.token = ""

    def cli(self, *argv: str) -> str:
        done = subprocess.run(
            [PY, "-m", "liveline", *argv], env=self.env, cwd=self.tmp,
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"liveline {argv}: {done.returncode}\n{done.stdout}{done.stderr}")
        return done.stdout

    def start(self, count: int = 1, port: int | None = None) -> None:
        self.cli("user", "add", "bench", "--role", "editor")
        self.token = self.cli("token", "create", "bench").strip().splitlines()[-1].strip()
        for i in range(count):
            p = port if port and i == 0 else free_port()
            log = open(self.tmp / f"server-{i}.log", "wb")  # noqa: SIM115
            proc = subprocess.Popen(
                [PY, "-m", "liveline", "serve", "--host", "127.0.0.1", "--port", str(p)],
                env=self.env, cwd=self.tmp, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            self.procs.append(proc)
            base = f"http://127.0.0.1:{p}"
            wait_healthy(Api(base, self.token), lambda p=proc: p.poll() is None)
            self.bases.append(base)
        status, out = Api(self.bases[0], self.token).call(
            "POST", "/api/blogs", {"slug": "bench", "title": "Bench", "timezone": "UTC"}
        )
        if status not in (201, 409):
            raise RuntimeError(f"blog: {status} {out[:200]!r}")

    def pids(self) -> str:
        return ",".join(str(p.pid) for p in self.procs)

    def gc(self, base: str, metric: str = "liveline_gc_pause_seconds") -> dict[str, Any]:
        """The server's GC pause histogram so far, from /metrics: {generation: {le: count}}."""
        _, body = Api(base, self.token).call("GET", "/metrics")
        found: dict[str, dict[str, float]] = {}
        for m in re.finditer(
            rf'^{metric}_bucket\{{generation="(\d)",le="([^"]+)"\}} (\S+)$', body.decode(), re.M
        ):
            found.setdefault(m.group(1), {})[m.group(2)] = float(m.group(3))
        return found

    def gc_cpu(self, base: str) -> dict[str, dict[str, float]]:
        return self.gc(base, "liveline_gc_pause_cpu_seconds")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def gc_during(
    before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]
) -> dict[str, Any]:
    """Collections between two scrapes, those over 50 ms, and the bucket of the longest."""
    out: dict[str, Any] = {"collections": {}, "over_50ms": 0, "longest_le_ms": None}
    longest = 0.0
    for gen, buckets in after.items():
        old = before.get(gen, {})
        delta = {le: n - old.get(le, 0.0) for le, n in buckets.items()}
        out["collections"][gen] = delta.get("+Inf", 0.0)
        out["over_50ms"] += delta.get("+Inf", 0.0) - delta.get("0.05", 0.0)
        below = 0.0
        for le in sorted((x for x in delta if x != "+Inf"), key=float):
            if delta[le] > below:
                longest = max(longest, float(le))
            below = delta[le]
        if delta.get("+Inf", 0.0) > below:
            longest = float("inf")
    out["longest_le_ms"] = None if longest == 0 else round(longest * 1000, 1)
    return out


def sse_load(a: argparse.Namespace, url: str, pub: str, pids: str, *extra: str) -> dict[str, Any]:
    cmd = [
        PY, str(PEERS / "sse_load.py"), "--url", url, "--publish-url", pub,
        "--clients", str(a.clients), "--messages", str(a.messages), "--interval", "0.5",
        "--payload-bytes", "500", "--processes", str(a.processes), "--server-pids", pids,
        "--drain", str(a.drain), *extra,
    ]  # fmt: skip
    return run_json(cmd, "sse_load")


def run_json(cmd: list[str], name: str) -> dict[str, Any]:
    """Run a load generator; its last JSON line is the result (its output goes to stderr)."""
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    sys.stderr.write(done.stdout[-1500:] + done.stderr[-1500:])
    lines = [x for x in done.stdout.splitlines() if x.startswith("{")]
    if not lines:
        raise RuntimeError(f"{name} gave no result: {done.stdout[-800:]} {done.stderr[-800:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def record(a: argparse.Namespace, name: str, load: str, r: dict[str, Any]) -> None:
    r = {"server": name, "uptime": load, "at": time.strftime("%Y-%m-%d %H:%M:%S UTC",
         time.gmtime()), "scenario": a.scenario, **r}  # fmt: skip
    with open(a.out, "a") as f:
        f.write(json.dumps(r) + "\n")
    k = r.get("kernel_ms") or r.get("kernel_latency_ms") or {}
    print(
        f"{name:28} delivered {r.get('delivered')}/{r.get('expected')}  kernel p50 "
        f"{k.get('p50')} p99 {k.get('p99')} max {k.get('max')}  rss/reader "
        f"{r.get('rss_per_reader_kib', r.get('rss_per_conn_kib'))}  closed early "
        f"{r.get('closed_early')}"
        + "".join(
            f"  {key} {r[key]}"
            for key in ("reconnects", "repeated_or_out_of_order", CANCELLED)
            if key in r
        )
        + f"  gc {r.get('gc')}  [{load}]",
        flush=True,
    )


def with_rss(r: dict[str, Any], before: int | None) -> dict[str, Any]:
    connected = r.get("server_rss_kib_connected")
    if before and connected and r.get("connected"):
        r["rss_before_kib"] = before
        r["rss_per_reader_kib"] = round((connected - before) / r["connected"], 2)
    return r


class Connected:
    """The server's GC histograms while every reader is connected: /healthz is polled, and
    the first and the last scrape that saw all the readers bound the window."""

    def __init__(self, server: Liveline, base: str, readers: int) -> None:
        self.server, self.base, self.readers = server, base, readers
        self.first: tuple[Any, Any] | None = None
        self.last: tuple[Any, Any] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        api = Api(self.base, self.server.token)
        while not self._stop.wait(0.5):
            with contextlib.suppress(OSError, http.client.HTTPException, ValueError):
                _, body = api.call("GET", "/healthz")
                if json.loads(body)["readers"] >= self.readers:
                    snap = (self.server.gc(self.base), self.server.gc_cpu(self.base))
                    self.first = self.first or snap
                    self.last = snap

    def result(self) -> dict[str, Any] | None:
        self._stop.set()
        self._thread.join(5)
        if self.first is None or self.last is None:
            return None
        return {
            "wall": gc_during(self.first[0], self.last[0]),
            "cpu": gc_during(self.first[1], self.last[1]),
        }
