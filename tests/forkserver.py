"""`liveline serve` for the tests, forked from a process that has already imported Liveline.

A server started as `python -m liveline serve` spends about a second of CPU importing
FastAPI, SQLAlchemy, uvicorn and Liveline itself before it serves; the suite starts some
sixty of them on two cores. This module's process (one per pytest process) imports all of
that once, then forks a child per server asked for. The child is the same program a fresh
`python -m liveline serve` runs, from its `__main__` on: the environment, arguments, working
directory, stdin, stdout and stderr a subprocess would have, its own pid, signals sent to it,
its exit status. What it skips is the import.

The forking process is single-threaded and starts no event loop before it forks, which is
what makes fork safe here. It reads one JSON request a line on stdin and writes one JSON line
on stdout for each fork (`{"id", "pid"}`) and for each child that ends (`{"exited", "code"}`,
`code` as `Popen.returncode` has it: negative for a signal). When its stdin closes (the tests
are over, or their process died) it stops the children it still has and exits.

`Forks` is the tests' side; `ForkedProcess` stands in for the `subprocess.Popen` of a server.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any


class ForkedProcess:
    """What the tests use of a `subprocess.Popen`: pid, poll, wait, signals, returncode."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._ended = threading.Event()

    def _exited(self, code: int) -> None:
        self.returncode = code
        self._ended.set()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired(f"forked server {self.pid}", timeout or 0)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Forks:
    """The forking process of this pytest process, started on first use."""

    def __init__(self, env: dict[str, str]) -> None:
        self._env = env
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._asked = 0
        self._replies: dict[int, int] = {}  # request id -> pid
        self._children: dict[int, ForkedProcess] = {}
        self._early_exits: dict[int, int] = {}  # pid -> code, for an exit read before its reply
        self._replied = threading.Condition(self._lock)

    def spawn(
        self,
        argv: list[str],
        env: dict[str, str],
        log_path: Path,
        cwd: str | None = None,
        error_path: Path | None = None,
    ) -> ForkedProcess:
        """`python -m liveline ARGV`: stdout and stderr to `log_path`, or stderr to
        `error_path` where one is given."""
        with self._lock:
            process = self._started()
            self._asked += 1
            ask = self._asked
            request = {"id": ask, "argv": argv, "env": env, "log": str(log_path),
                       "err": str(error_path or log_path), "cwd": cwd or os.getcwd()}  # fmt: skip
            assert process.stdin is not None
            process.stdin.write(json.dumps(request).encode() + b"\n")
            process.stdin.flush()
            deadline = time.monotonic() + 30
            while ask not in self._replies:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the forking process of the tests stopped answering")
                self._replied.wait(0.5)
            child = ForkedProcess(self._replies.pop(ask))
            self._children[child.pid] = child
            if child.pid in self._early_exits:
                child._exited(self._early_exits.pop(child.pid))
            return child

    def close(self) -> None:
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            assert process.stdin is not None
            process.stdin.close()  # it stops its children and exits
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                env=self._env,
            )  # fmt: skip
            threading.Thread(
                target=self._read, args=(self._process,), name="forks", daemon=True
            ).start()
        return self._process

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            said: dict[str, Any] = json.loads(line)
            with self._lock:
                if "pid" in said:
                    self._replies[said["id"]] = said["pid"]
                    self._replied.notify_all()
                else:
                    child = self._children.pop(said["exited"], None)
                    if child is None:
                        self._early_exits[said["exited"]] = said["code"]
                    else:
                        child._exited(said["code"])
        with self._lock:  # it is gone: so are its children
            for child in self._children.values():
                child._exited(-signal.SIGKILL)
            self._children.clear()


# The forking process itself.


# Everything `liveline serve` imports on its way to serving, and what a server imports only
# once it starts (its WebSocket protocol, its database's driver and dialect, the Redis
# broker, anyio's event loop backend for the app's thread pool, Jinja's i18n extension,
# httpx for embeds, purges and GRIP): some 100 ms of CPU that each fork would spend again.
PRELOADED = (
    "uvicorn.lifespan.on",
    "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.http.httptools_impl",
    "uvicorn.protocols.websockets.auto",
    "liveline.cli",
    "liveline.server",
    "liveline.broker.redis",
    "anyio._backends._asyncio",
    "httpx",
    "jinja2.ext",
    "psycopg",
    "sqlalchemy.dialects.postgresql.psycopg",
    "sqlalchemy.dialects.sqlite.pysqlite",
)


def _preload() -> None:
    """Import PRELOADED once, here, for every server forked from this process."""
    for name in PRELOADED:
        importlib.import_module(name)
    with contextlib.suppress(ImportError):
        import uvloop  # noqa: F401
    # What is imported here lives as long as every server forked from it: out of the garbage
    # collector's generations, no server's collections scan it again (nor touch its pages,
    # which the forks then keep sharing).
    gc.collect()
    gc.freeze()


def _say(said: dict[str, Any]) -> None:
    os.write(1, json.dumps(said).encode() + b"\n")


def _child(request: dict[str, Any]) -> None:
    """In the fork: become `python -m liveline ARGV` with this environment and output."""
    code = 1
    try:
        log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        err = os.open(request["err"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        nothing = os.open(os.devnull, os.O_RDONLY)
        os.dup2(nothing, 0)
        os.dup2(log, 1)
        os.dup2(err, 2)
        os.close(log)
        os.close(err)
        os.close(nothing)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        sys.argv = ["liveline", *request["argv"]]
        import runpy

        try:
            runpy.run_module("liveline", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as stop:
            if stop.code is None or isinstance(stop.code, int):
                code = stop.code or 0
            else:
                print(stop.code, file=sys.stderr)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            import atexit

            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _serve_forks() -> None:
    # Like `python -m`, the working directory comes first: a checkout's own `liveline`.
    sys.path.insert(0, os.getcwd())
    _preload()
    children: set[int] = set()
    pending = b""
    while True:
        readable, _, _ = select.select([0], [], [], 0.05)
        if readable:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    _child(request)
                children.add(pid)
                _say({"id": request["id"], "pid": pid})
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            children.discard(pid)
            _say({"exited": pid, "code": _returncode(status)})
    for pid in children:  # the tests are gone: none of their servers outlives them
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while children and time.monotonic() < deadline:
        pid, _ = os.waitpid(-1, os.WNOHANG)
        if pid:
            children.discard(pid)
        else:
            time.sleep(0.05)
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _returncode(status: int) -> int:
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    _serve_forks()
