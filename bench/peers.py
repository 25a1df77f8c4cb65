#!/usr/bin/env python3
"""Issue 12's fan-out figures, each beside its baseline in the same run.

    bench/peers.py single [--clients 10000] [--rounds 1]   # floor, nchan, Liveline (1 process)
    bench/peers.py big    [--clients 20000]                # Liveline alone, every post delivered?
    bench/peers.py two    [--clients 10000]                # 1 node, then 2 nodes, PG + Redis
    bench/peers.py grip   [--clients 10000]                # Pushpin's origin, then Liveline GRIP

`single` and `grip` drive every server with the peers' generator (../shared/peers/sse_load.py,
`--publish-format liveline` for Liveline) so the figures compare like with like. `two` uses
bench/fanout.py, whose readers can be split across two nodes' URLs (the peers' generator
takes one). Each run records `uptime` before it; every result is one JSON line appended to
--out (default bench/peers-results.jsonl) and a row printed. Liveline's garbage-collection
pauses come from its own /metrics (`liveline_gc_pause_*`, timed by gc.callbacks).
RLIMIT_NOFILE is raised for the servers (as root: to --nofile, default 65536).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PEERS = (REPO.parent / "shared" / "peers").resolve()
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from fanout import Api, free_port, proc_stats, wait_healthy  # noqa: E402

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
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    sys.stderr.write(done.stdout[-1500:] + done.stderr[-1500:])
    lines = [x for x in done.stdout.splitlines() if x.startswith("{")]
    if not lines:
        raise RuntimeError(f"sse_load gave no result: {done.stdout[-800:]} {done.stderr[-800:]}")
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


def liveline_single(a: argparse.Namespace, tmp: Path, label: str) -> None:
    server = Liveline(tmp, f"sqlite:///{tmp}/bench.db")
    try:
        server.start()
        base, load = server.bases[0], uptime()
        before, _ = proc_stats(server.procs[0].pid)
        gc0, cpu0 = server.gc(base), server.gc_cpu(base)
        window = Connected(server, base, a.clients)
        r = sse_load(
            a, f"{base}/blogs/bench/events", f"{base}/api/blogs/bench/posts", server.pids(),
            "--publish-format", "liveline",
            "--publish-header", f"Authorization: Bearer {server.token}",
        )  # fmt: skip
        r = with_rss(r, before)
        r["gc"] = gc_during(gc0, server.gc(base))
        r["gc_cpu"] = gc_during(cpu0, server.gc_cpu(base))
        r["gc_all_connected"] = window.result()
        record(a, label, load, r)
    finally:
        server.stop()


def single(a: argparse.Namespace, tmp: Path) -> None:
    for n in range(a.rounds):
        port = free_port()
        floor = subprocess.Popen(
            [PY, str(PEERS / "floor_server.py"), "--port", str(port), "--uvloop"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(1.5)
        try:
            load, base = uptime(), f"http://127.0.0.1:{port}"
            before, _ = proc_stats(floor.pid)
            r = sse_load(a, f"{base}/sub", f"{base}/pub", str(floor.pid))
            record(a, "floor (uvloop)", load, with_rss(r, before))
        finally:
            floor.terminate()
            floor.wait()
        nport = free_port()
        out = subprocess.run(
            [str(PEERS / "nchan.sh"), "start", str(nport), "1"], capture_output=True, text=True
        ).stdout
        found = re.search(r"pids ([\d,]+)", out)
        pids = found.group(1).strip(",") if found else ""
        try:
            time.sleep(1)
            load, base = uptime(), f"http://127.0.0.1:{nport}"
            r = sse_load(a, f"{base}/sub", f"{base}/pub", pids or str(os.getpid()))
            record(a, "nginx-nchan, 1 worker", load, r)
        finally:
            subprocess.run([str(PEERS / "nchan.sh"), "stop", str(nport)], capture_output=True)
        liveline_single(a, tmp / f"l{n}", "Liveline, 1 process")


def big(a: argparse.Namespace, tmp: Path) -> None:
    liveline_single(a, tmp / "big", f"Liveline, 1 process, {a.clients} readers")


def pg_database() -> str:
    import psycopg

    name = f"liveline_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fanout_py(
    a: argparse.Namespace, server: Liveline, bases: list[str], *extra: str
) -> dict[str, Any]:
    pids = server.pids()
    cmd = [
        PY, str(HERE / "fanout.py"), "--url", ",".join(bases), "--token", server.token,
        "--server-pid", pids, "--clients", str(a.clients), "--posts", str(a.messages),
        "--processes", str(max(a.processes, len(bases))), "--slug", "bench",
        "--drain", str(a.drain), *extra,
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    sys.stderr.write(done.stdout[-1500:] + done.stderr[-1500:])
    lines = [x for x in done.stdout.splitlines() if x.startswith("{")]
    if not lines:
        raise RuntimeError(f"fanout.py gave no result: {done.stdout[-800:]} {done.stderr[-800:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def two(a: argparse.Namespace, tmp: Path) -> None:
    for n in range(a.rounds):
        for count in (1, 2):
            name = pg_database()
            prefix = f"bench-{uuid.uuid4().hex[:8]}:"
            where = tmp / f"two-{n}-{count}"
            where.mkdir()
            server = Liveline(
                where, f"postgresql://postgres@127.0.0.1:5432/{name}",
                {"LIVELINE_BROKER_URL": f"redis://127.0.0.1:6379/0?prefix={prefix}"},
            )  # fmt: skip
            try:
                server.start(count)
                load = uptime()
                gc0 = [server.gc(b) for b in server.bases]
                r = fanout_py(a, server, server.bases)
                r["gc"] = [
                    gc_during(g, server.gc(b)) for g, b in zip(gc0, server.bases, strict=True)
                ]
                record(a, f"Liveline, {count} process(es), PG + Redis", load, r)
            finally:
                server.stop()
                drop_database(name)


def grip(a: argparse.Namespace, tmp: Path) -> None:
    from tests.test_pushpin import configure

    for n in range(a.rounds):
        if not a.skip_peer:
            pushpin_own(a)
            # Liveline's event for the generator's post is ~1,400 bytes of SSE (the post's
            # JSON, its HTML, the blog's state), the peers' 500: the same bytes, compared.
            pushpin_own(a, 1400)
        liveline_grip(a, tmp / f"grip-{n}", configure)


OUT_OF_SEQUENCE = "received message out of sequence, canceling"


def cancels(log: Path) -> int:
    """Streams Pushpin's handler cancelled because a message from its connection manager
    (condure) arrived out of sequence: Debian's condure 1.9 sends keep-alives during the
    proxy-to-handler handoff, fixed upstream in Pushpin 1.41 (connmgr, #48072)."""
    try:
        return log.read_text(errors="replace").count(OUT_OF_SEQUENCE)
    except OSError:
        return 0


def pushpin_own(a: argparse.Namespace, payload: int = 500) -> None:
    """Pushpin's own figure: its script's tiny origin, its publish endpoint."""
    out = subprocess.run(
        [str(PEERS / "pushpin.sh"), "start", "7999"], capture_output=True, text=True
    ).stdout
    pids = re.search(r"pids ([\d,]+)", out)
    handler_log = Path("/tmp/sse-peers/pushpin-7999/log/pushpin-handler.log")
    try:
        load, cancelled = uptime(), cancels(handler_log)
        r = sse_load(
            a, "http://127.0.0.1:7999/sub", "http://127.0.0.1:5561/publish/",
            pids.group(1) if pids else str(os.getpid()),
            "--publish-format", "grip", "--connect-concurrency", "32",
            "--payload-bytes", str(payload),
        )  # fmt: skip
        r[CANCELLED] = cancels(handler_log) - cancelled
        record(a, f"Pushpin + its tiny origin, {payload} B", load, r)
    finally:
        subprocess.run([str(PEERS / "pushpin.sh"), "stop", "7999"], capture_output=True)
    time.sleep(2)


def liveline_grip(a: argparse.Namespace, where: Path, configure: Any) -> None:
    """Liveline in GRIP mode behind a Pushpin configured as the tests do (free ports)."""
    (where / "pp").mkdir(parents=True)
    http_port, origin = free_port(), free_port()
    conf, zurl_conf, publish = configure(where / "pp", http_port, origin)
    handler_log = where / "pp" / "log" / "pushpin-handler.log"
    zlog = open(where / "pp" / "log" / "zurl.log", "wb")  # noqa: SIM115
    zurl = subprocess.Popen(["zurl", f"--config={zurl_conf}"], stdout=zlog,
                            stderr=subprocess.STDOUT)  # fmt: skip
    pushpin = subprocess.Popen(["pushpin", "--config", str(conf)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)  # fmt: skip
    server = Liveline(
        where, f"sqlite:///{where}/bench.db",
        {"LIVELINE_GRIP_URL": f"http://127.0.0.1:{publish}/publish/"},
    )  # fmt: skip
    try:
        server.start(port=origin)
        time.sleep(2)
        kids = subprocess.run(["pgrep", "-d,", "-P", str(pushpin.pid)], capture_output=True,
                              text=True).stdout.strip()  # fmt: skip
        load = uptime()
        gc0 = server.gc(server.bases[0])
        r = sse_load(
            a, f"http://127.0.0.1:{http_port}/blogs/bench/events",
            f"{server.bases[0]}/api/blogs/bench/posts",
            ",".join(filter(None, [str(pushpin.pid), kids, server.pids()])),
            "--publish-format", "liveline", "--connect-concurrency", "32",
            "--publish-header", f"Authorization: Bearer {server.token}",
        )  # fmt: skip
        r["gc"] = gc_during(gc0, server.gc(server.bases[0]))
        r[CANCELLED] = cancels(handler_log)
        record(a, "Liveline GRIP behind Pushpin", load, r)
        # Readers that reconnect with Last-Event-ID when a stream ends, as browsers do, each
        # checked for every post, once, in order (bench/fanout.py --reconnect).
        load, cancelled = uptime(), cancels(handler_log)
        r = fanout_py(
            a, server, server.bases,
            "--readers-url", f"http://127.0.0.1:{http_port}", "--reconnect",
            "--connect-concurrency", "32",
        )  # fmt: skip
        r[CANCELLED] = cancels(handler_log) - cancelled
        record(a, "Liveline GRIP, readers reconnect", load, r)
    finally:
        server.stop()
        for proc in (pushpin, zurl):
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
            if proc.poll() is None:
                proc.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("scenario", choices=["single", "big", "two", "grip"])
    ap.add_argument("--clients", type=int, default=10000)
    ap.add_argument("--messages", type=int, default=20)
    ap.add_argument("--processes", type=int, default=2, help="generator processes")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--drain", type=float, default=30.0, help="longest wait after the last post")
    ap.add_argument("--nofile", type=int, default=65536)
    ap.add_argument("--out", default=str(HERE / "peers-results.jsonl"))
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (servers' logs)")
    ap.add_argument("--skip-peer", action="store_true", help="grip: Liveline's run only")
    a = ap.parse_args()
    raise_nofile(a.nofile)
    tmp = Path(tempfile.mkdtemp(prefix="liveline-peers-"))
    try:
        {"single": single, "big": big, "two": two, "grip": grip}[a.scenario](a, tmp)
    except (RuntimeError, OSError, http.client.HTTPException) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if a.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
