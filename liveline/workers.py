"""Several server processes on one port, kept running: the supervisor of `serve --workers N`.

- A worker that dies is started again, after a pause that doubles while it keeps dying
  (0.5 s up to 30 s) and resets once it has stayed up; each death and restart is logged.
- SIGHUP reloads without dropping a reader: a new set of workers starts first, and only
  once each says it is serving are the old ones asked to stop; they end their streams
  cleanly, and browsers reconnect to the new ones and replay what they missed.
- SIGTERM or SIGINT stops every worker the same clean way, and the supervisor exits 0.

Workers are forked, so they need nothing but a function to run; each tells the
supervisor it is ready by writing one byte to a pipe.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

log = logging.getLogger(__name__)

# (index, ready) -> never returns normally; `ready()` is called once the worker serves.
Work = Callable[[int, Callable[[], None]], None]

FIRST_PAUSE, LAST_PAUSE = 0.5, 30.0  # seconds before restarting a worker that died
STEADY = 30.0  # a worker up this long has recovered: its next death restarts at once
READY_TIMEOUT = 30.0  # how long a reload waits for the new workers before giving up
STOP_TIMEOUT = 20.0  # how long a stopping worker may take before it is killed


@dataclass
class Worker:
    index: int
    pid: int
    ready_fd: int
    started: float = field(default_factory=time.monotonic)
    ready: bool = False


class Supervisor:
    def __init__(
        self,
        work: Work,
        count: int,
        on_exit: Callable[[int], None] = lambda pid: None,
        before_start: Callable[[int], None] = lambda index: None,
        on_death: Callable[[int], None] = lambda index: None,
    ) -> None:
        self._work = work
        self._on_exit = on_exit  # called with each worker's pid once it is reaped (metrics)
        self._before_start = before_start  # with a worker's index, here, before it forks
        self._on_death = on_death  # with its index, once a serving worker died unasked
        self._count = count
        self._workers: dict[int, Worker] = {}  # by pid: the current generation
        self._retiring: dict[int, Worker] = {}  # by pid: the previous one, draining
        self._pauses = [FIRST_PAUSE] * count
        self._due: dict[int, float] = {}  # index -> when to start it again
        self._stopping = False
        self._reload = False

    def run(self) -> int:
        """Supervise until asked to stop; returns the exit status for the process."""
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_reload)
        for index in range(self._count):
            self._start(index)
        while not self._stopping:
            self._reap()
            if self._reload:
                self._reload = False
                self._reload_all()
            self._restart_due()
            self._mark_ready(timeout=0.2)
        self._stop_all()
        return 0

    @property
    def pids(self) -> list[int]:
        return sorted(self._workers)

    # Signals: the handlers only set flags; the loop acts on them.

    def _on_stop(self, signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: stopping the workers", signal.Signals(signum).name)
        self._stopping = True

    def _on_reload(self, _signum: int, _frame: FrameType | None) -> None:
        log.info("received SIGHUP: starting new workers, then retiring the old ones")
        self._reload = True

    # Workers

    def _start(self, index: int) -> Worker:
        self._before_start(index)
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: its own process group, so a terminal's Ctrl-C reaches it once
            os.close(read_fd)
            for handled in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(handled, signal.SIG_DFL)
            os.setpgid(0, 0)
            code = 0
            try:
                self._work(index, lambda: _say_ready(write_fd))
            except BaseException:
                log.exception("worker %d failed", index)
                code = 1
            os._exit(code)
        os.close(write_fd)
        worker = Worker(index, pid, read_fd)
        self._workers[pid] = worker
        return worker

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self._on_exit(pid)
            if pid in self._retiring:
                _close(self._retiring.pop(pid))
                continue
            worker = self._workers.pop(pid, None)
            if worker is None:
                continue
            _close(worker)
            if self._stopping:
                continue
            self._on_death(worker.index)
            lived = time.monotonic() - worker.started
            if lived > STEADY:
                self._pauses[worker.index] = FIRST_PAUSE
            pause = self._pauses[worker.index]
            self._pauses[worker.index] = min(pause * 2, LAST_PAUSE)
            log.warning(
                "worker %d (pid %d) %s after %.1f s; starting it again in %.1f s",
                worker.index, pid, _how(status), lived, pause,
            )  # fmt: skip
            self._due[worker.index] = time.monotonic() + pause

    def _restart_due(self) -> None:
        now = time.monotonic()
        for index, when in list(self._due.items()):
            if when <= now:
                del self._due[index]
                worker = self._start(index)
                log.info("worker %d started again (pid %d)", index, worker.pid)

    def _mark_ready(self, timeout: float) -> None:
        waiting = {w.ready_fd: w for w in self._workers.values() if not w.ready}
        if not waiting:
            time.sleep(timeout)
            return
        with contextlib.suppress(InterruptedError):
            readable, _, _ = select.select(list(waiting), [], [], timeout)
            for fd in readable:
                with contextlib.suppress(OSError):
                    if os.read(fd, 1):
                        waiting[fd].ready = True

    def _reload_all(self) -> None:
        old = self._workers
        self._workers = {}
        self._due.clear()
        for index in range(self._count):
            self._start(index)
        deadline = time.monotonic() + READY_TIMEOUT
        while not all(w.ready for w in self._workers.values()):
            if time.monotonic() > deadline or self._stopping:
                log.error("the new workers did not start in time; keeping the old ones")
                for worker in self._workers.values():
                    _signal(worker.pid, signal.SIGKILL)
                self._retiring.update(self._workers)
                self._workers = old
                return
            self._reap_new(old)
            self._mark_ready(timeout=0.1)
        for worker in old.values():
            _signal(worker.pid, signal.SIGTERM)  # they end their streams and exit
        self._retiring.update(old)
        log.info("reloaded: %d new workers serve, the old ones are draining", self._count)

    def _reap_new(self, old: dict[int, Worker]) -> None:
        """While a reload waits, the old generation keeps being watched too."""
        self._workers, current = old, self._workers
        self._reap()
        old, self._workers = self._workers, current
        self._reap()

    def _stop_all(self) -> None:
        everyone = {**self._workers, **self._retiring}
        for worker in everyone.values():
            _signal(worker.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for pid in everyone:
            while time.monotonic() < deadline:
                try:
                    done, _ = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    break
                if done:
                    break
                time.sleep(0.05)
            else:
                log.warning("worker pid %d did not stop in time; killing it", pid)
                _signal(pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
            _close(everyone[pid])


def _say_ready(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.write(fd, b"!")
        os.close(fd)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _close(worker: Worker) -> None:
    with contextlib.suppress(OSError):
        os.close(worker.ready_fd)


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with status {os.waitstatus_to_exitcode(status)}"
