"""The suite's fixtures and helpers (a pytest plugin, loaded by conftest.py in each process
that runs tests): a fresh database per test, an in-process app, and real server processes.

- `database_url` / `settings` / `client`: a fresh SQLite database (a copy of one migrated
  once per session) and the app on it, in-process.
- `invoke_cli`: the `liveline` command in this process (typer's CliRunner); `run_cli` runs
  `python -m liveline` as a process (forked, as the servers are), for the tests that are
  about the process (its exit status, what reaches stderr). `make_token` and
  `LiveServer.token` use `invoke_cli`.
- `live_server`: a real server of the test's own, fresh (the next one starts in the
  background while the test before it runs); use it where the test is about the server
  (restarts, shutdown) or needs it empty. `@pytest.mark.server_env(LIVELINE_X="...")` on
  a test (or on a parameter) gives its server settings of its own.
- Servers (`LiveServer`) are forked from a process that has imported Liveline once
  (tests/forkserver.py): the same `liveline serve`, without a second of imports each;
  `LiveServer(..., forked=False)` starts one from nothing (tests/test_smoke.py does).
- `shared_server`: one real server for the whole session, for tests that need a server but
  not a fresh one; they use names and slugs of their own (`unique`).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
import redis
from fastapi.testclient import TestClient
from httpx._transports import default as httpx_transports
from typer.main import get_command
from typer.testing import CliRunner

from liveline.app import create_app
from liveline.cli import cli, serviced
from liveline.config import Settings
from tests.forkserver import ForkedProcess, Forks

pytest_plugins = ["tests.browsers"]
# The real live blog we must import, and its hand-checked parse, live beside the checkout
# (they are not ours to publish in this repository).
SHARED = Path(
    os.environ.get("LIVELINE_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared"
)
SEED = SHARED / "seed" / "000_d82c410df032e08f.txt"
SEED_FIXTURE = SHARED / "fixtures" / "seed.expected.json"
IN_CI = os.environ.get("CI") == "true"
HAVE_SEED = SEED.exists() and SEED_FIXTURE.exists()
needs_seed = pytest.mark.skipif(
    not HAVE_SEED and not IN_CI,
    reason=f"the shared seed is not at {SHARED} (set LIVELINE_SHARED_DIR)",
)


# What a `liveline` process gets from the environment the tests run in: everything but the
# settings (LIVELINE_*), which each test gives itself. Taken once, here: invoke_cli changes
# os.environ while a command runs, and a server may be starting in another thread meanwhile.
INHERITED_ENV = {k: v for k, v in os.environ.items() if not k.startswith("LIVELINE_")}
FORKS = Forks(INHERITED_ENV)  # the servers' forking process, started on first use
UNSET_SETTINGS: dict[str, str | None] = {k: None for k in os.environ if k.startswith("LIVELINE_")}


def _one_default_ssl_context() -> None:
    """Every httpx client (each `httpx.get()` makes one) builds an SSL context from certifi's
    bundle: ~45 ms of CPU, thousands of times a session, taken from the servers the tests
    start on the same two cores, for connections that are all plain http:// to 127.0.0.1.
    The default context (verify=True, no client certificate) is built once and shared;
    any other asks httpx as before."""
    made = httpx_transports.create_ssl_context
    default: list[ssl.SSLContext] = []

    def create_ssl_context(
        verify: ssl.SSLContext | str | bool = True, cert: object = None, trust_env: bool = True
    ) -> ssl.SSLContext:
        if verify is not True or cert is not None or not trust_env:
            return made(verify=verify, cert=cert, trust_env=trust_env)  # type: ignore[arg-type]
        if not default:
            default.append(made(verify=True, cert=None, trust_env=True))
        return default[0]

    httpx_transports.create_ssl_context = create_ssl_context  # type: ignore[assignment]


if hasattr(httpx_transports, "create_ssl_context"):
    _one_default_ssl_context()


def free_port() -> int:
    """A port no one listens on, from below the kernel's ephemeral range: a port the kernel
    hands out (bind to 0) is also where outgoing connections land, and with thousands of
    test clients connecting, one took a server's port between this and the server's bind."""
    low, _ = _ephemeral_range()
    for _ in range(200):
        port = random.randrange(max(1024, low - 12_000), low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # a crowded machine: the kernel's choice after all
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def run_cli(*args: str, env: dict[str, str], check: bool = True) -> CliResult:
    """`python -m liveline ARGS` in a process of its own, for tests about the process: its
    exit status, its stdout and its stderr. It is forked from one that has imported
    Liveline already (tests/forkserver.py), which is the same program a second of CPU
    sooner; tests/test_smoke.py starts `python -m liveline` from nothing."""
    with tempfile.TemporaryDirectory(prefix="liveline-cli-") as where:
        out, err = Path(where) / "stdout", Path(where) / "stderr"
        process = FORKS.spawn(list(args), {**INHERITED_ENV, **env}, out, error_path=err)
        try:
            code = process.wait(timeout=60)
        finally:
            process.kill()
        result = CliResult(args, code, out.read_text(), err.read_text())
    if check and result.returncode != 0:
        raise AssertionError(f"liveline {' '.join(args)} failed: {result.stderr}")
    return result


@dataclass(frozen=True)
class CliResult:
    """What an in-process `liveline` command did, named as subprocess.CompletedProcess is."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


# typer's CliRunner.invoke builds the click command from the Typer app afresh on every call,
# some 30 ms of CPU each, hundreds of times a session: it is built once here and run in the
# runner's isolation (stdin, stdout, stderr and os.environ swapped in, as invoke does).
CLI_COMMAND = get_command(cli)


def invoke_cli(
    *args: str, env: dict[str, str], check: bool = True, input: str | None = None
) -> CliResult:
    """`liveline ARGS` run in this process as typer's CliRunner runs it, with `env` (and no
    other LIVELINE_* setting) in os.environ while it runs.

    An exception the command does not turn into an error message propagates and fails the
    test: in-process, that is what a traceback on stderr would be from a real process.
    """
    code: int = 0
    with CliRunner().isolation(input=input, env={**UNSET_SETTINGS, **env}) as (out, err, _):
        try:
            CLI_COMMAND.main(args=list(args), prog_name="liveline")
        except SystemExit as exit:  # how a click command ends, with its status
            if isinstance(exit.code, int):
                code = exit.code
            elif exit.code is not None:
                print(exit.code)
                code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        done = CliResult(args, code, out.getvalue().decode(), err.getvalue().decode())
    if check and done.returncode != 0:
        raise AssertionError(f"liveline {' '.join(args)} failed: {done.stderr}")
    return done


def add_user_with_token(env: dict[str, str], name: str, role: str) -> str:
    """`liveline user add NAME --role ROLE`, then `liveline token create NAME`: the token."""
    invoke_cli("user", "add", name, "--role", role, env=env)
    return invoke_cli("token", "create", name, env=env).stdout.strip().splitlines()[-1]


@functools.cache
def _migrated_file() -> Path:
    """An SQLite database brought from nothing to the newest schema, once per test process
    (removed as the process ends)."""
    where = tempfile.mkdtemp(prefix="liveline-migrated-")
    atexit.register(shutil.rmtree, where, ignore_errors=True)
    path = Path(where) / "liveline.db"
    # As every command does; disposed, the last connection out folds the WAL into the file.
    with serviced(Settings(database_url=f"sqlite:///{path}")):
        pass
    return path


def fresh_database(path: Path) -> str:
    """The URL of a new SQLite database at `path`, as migrating an empty file makes it: a
    copy of one migrated once per process, not every migration run again (~0.1 CPU-s)."""
    shutil.copy(_migrated_file(), path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def migrated_database() -> Path:
    """An SQLite database brought from nothing to the newest schema, once per session."""
    return _migrated_file()


@pytest.fixture
def database_url(migrated_database: Path, tmp_path: Path) -> str:
    """A fresh database for this test: a copy of `migrated_database`, as migrating an empty
    file would make it, without running every migration again for every test."""
    return fresh_database(tmp_path / "liveline.db")


@pytest.fixture(scope="session")
def _base_settings() -> Settings:
    return Settings(database_url="sqlite://", max_body_bytes=64_000)


@pytest.fixture
def settings(_base_settings: Settings, database_url: str, tmp_path: Path) -> Settings:
    # A copy of settings read and checked once: reading the environment into Settings costs
    # ~12 ms of CPU, once per test. The two paths are the test's own, of known shape.
    return _base_settings.model_copy(
        update={"database_url": database_url, "media_dir": str(tmp_path / "media")}
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@dataclass
class LiveServer:
    """`liveline serve` in its own process, on a free port, with its own database."""

    database_url: str
    log_path: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    extra_args: tuple[str, ...] = ()
    port: int = field(default_factory=free_port)
    # Forked from a process that has imported Liveline already (tests/forkserver.py): the
    # same program as `python -m liveline serve`, a second of CPU sooner. False: a process
    # of its own, started from nothing, as a newsroom's would be.
    forked: bool = True
    process: subprocess.Popen[bytes] | ForkedProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        # Uploads land beside the server's log, never in the checkout the tests run from.
        media = str(self.log_path.parent / "media")
        # `serve` refuses to start the console without a key (a test may set its own).
        return {"LIVELINE_DATABASE_URL": self.database_url, "LIVELINE_MEDIA_DIR": media,
                "LIVELINE_SECRET_KEY": "test-server-secret-key", **self.extra_env}  # fmt: skip

    def start(self) -> None:
        argv = ["serve", "--port", str(self.port), *self.extra_args]
        if self.forked:
            self.process = FORKS.spawn(argv, {**INHERITED_ENV, **self.env}, self.log_path)
        else:
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "liveline", *argv],
                    env={**INHERITED_ENV, **self.env},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
        deadline = time.monotonic() + 30
        # One client for all the polls: each httpx.get() builds an SSL context, ~30 ms of
        # CPU taken from the server that is starting on the same cores.
        with httpx.Client(timeout=1) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise AssertionError(f"server exited: {self.log_path.read_text()[-2000:]}")
                try:
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return
                except httpx.TransportError:
                    time.sleep(0.05)
        raise AssertionError(f"server did not start: {self.log_path.read_text()[-2000:]}")

    def stop(self, sig: int = signal.SIGINT) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def cli(self, *args: str, check: bool = True) -> CliResult:
        """A `liveline` command on this server's database, run in the test's process."""
        return invoke_cli(*args, env=self.env, check=check)

    def token(self, name: str, role: str = "editor") -> str:
        return add_user_with_token(self.env, name, role)

    def colleague(self, name: str, role: str, password: str, display_name: str) -> str:
        """A user who can sign in to the console with `password`: their API token."""
        self.cli("user", "add", name, "--role", role, "--display-name", display_name)
        invoke_cli("user", "passwd", name, env=self.env, input=password + "\n")
        return self.cli("token", "create", name).stdout.strip().splitlines()[-1]


def started(server: LiveServer) -> LiveServer:
    """`server`, started (for a background start); stopped again if it did not come up."""
    try:
        server.start()
    except BaseException:
        server.stop()  # one that did not come up in time must not outlive its test
        raise
    return server


class FreshServers:
    """Real servers, each on an empty database of its own, for one test each.

    Starting one costs seconds on this machine, so while a test runs the next server is
    already starting, when a test still to come wants one: a test waits for its server
    only if the one before it was quicker than a server's start. One starts at a time.
    A test's `server_env` marks (LIVELINE_* settings) are its server's environment.
    """

    def __init__(self, where: Path, migrated: Path) -> None:
        self._where = where
        self._migrated = migrated
        self._made = 0
        self._starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-server")
        self._next: tuple[dict[str, str], Future[LiveServer]] | None = None

    def _start_new(self, env: dict[str, str]) -> tuple[dict[str, str], Future[LiveServer]]:
        self._made += 1
        where = self._where / f"server-{self._made}"
        where.mkdir()
        # Empty, as migrating a new file would leave it (its start then migrates nothing).
        shutil.copy(self._migrated, where / "live.db")
        server = LiveServer(f"sqlite:///{where / 'live.db'}", where / "server.log", dict(env))
        return env, self._starter.submit(started, server)

    def prepare(self, env: dict[str, str]) -> None:
        """Have a server starting for the next test that asks for one."""
        if self._next is None:
            self._next = self._start_new(env)

    def take(self, env: dict[str, str], next_env: dict[str, str] | None) -> LiveServer:
        """A server with `env`; `next_env` is what the next test to want one wants, if any."""
        if self._next is not None and self._next[0] != env:
            self._discard()
        _, current = self._next or self._start_new(env)
        self._next = None if next_env is None else self._start_new(next_env)
        return current.result()

    def _discard(self) -> None:
        if self._next is not None:
            with contextlib.suppress(Exception):
                self._next[1].result().stop()
            self._next = None

    def close(self) -> None:
        self._discard()
        self._starter.shutdown()


def _fixtures(item: pytest.Item) -> tuple[str, ...]:
    return tuple(getattr(item, "fixturenames", ()))


def _wants_live_server(item: pytest.Item) -> bool:
    return "live_server" in _fixtures(item)


def server_env(item: pytest.Item) -> dict[str, str]:
    """The settings a test's `live_server` starts with: its `server_env` marks, the mark
    nearest the test (on the test, then on a parameter) winning."""
    env: dict[str, str] = {}
    for mark in reversed(list(item.iter_markers("server_env"))):
        env.update({key: str(value) for key, value in mark.kwargs.items()})
    return env


@pytest.fixture(scope="session")
def fresh_servers(
    tmp_path_factory: pytest.TempPathFactory, migrated_database: Path
) -> Iterator[FreshServers]:
    servers = FreshServers(tmp_path_factory.mktemp("live-servers"), migrated_database)
    yield servers
    servers.close()


@pytest.fixture(scope="session", autouse=True)
def _shared_server_starts_early(request: pytest.FixtureRequest) -> None:
    """A session with tests that want `shared_server` starts it at once, in the background,
    while the tests before them run."""
    if any("shared_server" in _fixtures(item) for item in request.session.items):
        request.getfixturevalue("_shared_server_starting")


def _later_in_this_file(request: pytest.FixtureRequest) -> list[pytest.Item]:
    """The tests after this one in its file: those this process runs (under xdist, with
    `--dist loadfile`, a file's tests all run in one worker, and every worker collects all)."""
    items = request.session.items
    node = request.node
    later = items[items.index(node) + 1 :] if node in items else []
    return [item for item in later if item.path == node.path]


@pytest.fixture(scope="module", autouse=True)
def _fresh_server_starts_early(request: pytest.FixtureRequest) -> None:
    """A file with tests that want `live_server` starts the first one's server as the file's
    first test begins, in the background, while the tests before it run."""
    module = request.node
    wanting = [
        item
        for item in request.session.items
        if item.path == module.path and _wants_live_server(item)
    ]
    if wanting:
        request.getfixturevalue("fresh_servers").prepare(server_env(wanting[0]))


@pytest.fixture
def live_server(
    request: pytest.FixtureRequest, fresh_servers: FreshServers
) -> Iterator[LiveServer]:
    """`liveline serve` in its own process, fresh: an empty database, used by no other test.
    Mark the test `@pytest.mark.server_env(LIVELINE_X="...")` for settings of its own."""
    following = next(filter(_wants_live_server, _later_in_this_file(request)), None)
    server = fresh_servers.take(
        server_env(request.node), None if following is None else server_env(following)
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _shared_server_starting(
    tmp_path_factory: pytest.TempPathFactory, migrated_database: Path
) -> Iterator[Future[LiveServer]]:
    where = tmp_path_factory.mktemp("shared-server")
    shutil.copy(migrated_database, where / "live.db")
    server = LiveServer(f"sqlite:///{where / 'live.db'}", where / "server.log")
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="shared-server") as starter:
        starting = starter.submit(started, server)
        yield starting
        with contextlib.suppress(Exception):
            starting.result()
    server.stop()


@pytest.fixture(scope="session")
def shared_server(_shared_server_starting: Future[LiveServer]) -> LiveServer:
    """One real server for the whole session, for tests that need a server but not a fresh
    one: each gives its users and blogs names of its own (`unique`), and none stops it."""
    return _shared_server_starting.result()


def unique(prefix: str) -> str:
    """A user name or slug no other test uses, for tests that share a server or database."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_token(settings: Settings, name: str, role: str) -> str:
    return add_user_with_token({"LIVELINE_DATABASE_URL": settings.database_url}, name, role)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# The real services this machine runs. Where one is unreachable its tests skip and say why,
# except under CI=true, where they must run.

POSTGRES_ADMIN_URLS = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)
REDIS_URL = "redis://127.0.0.1:6379"


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: these tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of our own for this test session, dropped at its end."""
    problems = []
    for admin_url in POSTGRES_ADMIN_URLS:
        try:
            admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
        except psycopg.Error as exc:
            problems.append(f"{admin_url}: {str(exc).strip()}")
            continue
        name = f"liveline_test_{uuid.uuid4().hex[:12]}"
        with admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield admin_url.rsplit("/", 1)[0] + "/" + name
        finally:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    unavailable("PostgreSQL is unreachable: " + "; ".join(problems))


def emptied(postgres_url: str) -> str:
    """The database with no tables at all, for a test that starts from nothing."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return postgres_url


def reachable_redis(db: int) -> str:
    url = f"{REDIS_URL}/{db}"
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=2) as client:
            client.ping()
    except (redis.RedisError, OSError) as exc:
        unavailable(f"Redis is unreachable at {url}: {exc}")
    return url


def pytest_unconfigure(config: pytest.Config) -> None:
    FORKS.close()  # and with it any server a test left running
