"""Crash test: publish at full speed over HTTP while the server is SIGKILLed at random moments
and restarted. Every post acknowledged with 201 is stored exactly once with gap-free seqs, and a
follower reading the SSE stream with Last-Event-ID across the restarts ends with exactly the
acknowledged posts, each once.

A short run always (2 kills per backend); LIVELINE_LONG_TESTS=1 runs 25 kills per backend.
LIVELINE_CRASH_SEED fixes the random moments of a run that failed (each run prints its seed).
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liveline.cli import cli
from tests.durability import Follower, Publisher, audit, open_blog
from tests.harness import LiveServer, emptied
from tests.record import record

LONG = os.environ.get("LIVELINE_LONG_TESTS") == "1"
KILLS = 25 if LONG else 2


def crash_and_check(server: LiveServer, kills: int) -> None:
    seed = int(os.environ.get("LIVELINE_CRASH_SEED") or time.time_ns() % 1_000_000)
    rng = random.Random(seed)
    print(f"crash test: seed {seed}, {kills} kills, {server.database_url.split(':')[0]}")
    started = time.monotonic()
    # Accounts before the first start, through the CLI's own commands in this process (a
    # subprocess each costs seconds on a busy machine); they migrate the empty database.
    runner = CliRunner()
    added = runner.invoke(cli, ["user", "add", "desk", "--role", "editor"], env=server.env)
    assert added.exit_code == 0, added.output
    created = runner.invoke(cli, ["token", "create", "desk"], env=server.env)
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    server.start()
    open_blog(server.url, token)
    follower = Follower(server.url)
    follower.start()
    publisher = Publisher(server.url, token)
    publisher.start()
    try:
        for _ in range(kills):
            time.sleep(rng.uniform(0.05, 0.8))
            server.stop(signal.SIGKILL)
            server.start()
        time.sleep(rng.uniform(0.1, 0.4))
    finally:
        publisher.stop()
    assert not publisher.errors, publisher.errors[:3]

    stored = audit(server.database_url)
    stored.assert_consistent()  # gap-free seqs; each post stored once, with its one event
    acked = publisher.acknowledged()
    assert len(acked) > kills
    # Every attempt was retried until answered, so a post whose first 201 was lost was
    # acknowledged by its retry (Idempotency-Key): the stored posts are the acknowledged ones.
    assert set(stored.posts) == set(acked.values())
    assert {stored.posts[post_id] for post_id in acked.values()} == set(acked)

    follower.wait_for(stored.last_seq)
    seen = [seq for seq, _, _ in follower.events]
    assert seen == list(range(1, stored.last_seq + 1)), "the follower missed or repeated events"
    published = [post or 0 for _, kind, post in follower.events if kind == "post.published"]
    assert sorted(published) == sorted(acked.values())
    backend = server.database_url.split(":")[0]
    record(
        f"SIGKILL of the server while publishing at full speed ({backend})",
        tried=f"{kills} kills, {len(acked)} posts acknowledged, {publisher.replayed} retries "
        f"answered by Idempotency-Key, {follower.reconnects} follower reconnects",
        lost="nothing: every acknowledged post stored once, seqs gap-free, follower got all",
        test=f"tests/test_crash.py -k {'postgres' if 'postgres' in backend else 'sqlite'}",
    )
    print(
        f"crash test: {len(acked)} posts acknowledged over {kills} SIGKILLs "
        f"({publisher.replayed} answered by an Idempotency-Key retry, "
        f"{publisher.attempts} requests); follower reconnected {follower.reconnects} times, "
        f"got {len(seen)} events once each; {time.monotonic() - started:.1f} s"
    )


def crash_server(database_url: str, tmp_path: Path) -> LiveServer:
    return LiveServer(
        database_url,
        tmp_path / "server.log",
        # Heartbeats every second keep the follower's read timeout from cutting a quiet stream.
        extra_env={"LIVELINE_STREAM_HEARTBEAT_SECONDS": "1"},
    )


def test_sigkill_loses_nothing_on_sqlite(tmp_path: Path) -> None:
    server = crash_server(f"sqlite:///{tmp_path / 'crash.db'}", tmp_path)
    try:
        crash_and_check(server, KILLS)
    finally:
        server.stop()


@pytest.mark.postgres
def test_sigkill_loses_nothing_on_postgres(postgres_database: str, tmp_path: Path) -> None:
    server = crash_server(emptied(postgres_database), tmp_path)
    try:
        crash_and_check(server, KILLS)
    finally:
        server.stop()
