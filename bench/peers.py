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
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fanout import free_port, proc_stats
from peerlib import (
    CANCELLED,
    HERE,
    PEERS,
    PG_ADMIN,
    PY,
    Connected,
    Liveline,
    gc_during,
    raise_nofile,
    record,
    run_json,
    sse_load,
    uptime,
    with_rss,
)


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
    return run_json(cmd, "fanout.py")


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
