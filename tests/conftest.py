"""What every pytest process of the suite loads: the order the test files go out in, one
node id per test, the heap frozen at each file; and, in each process that runs tests, the
fixtures (tests/harness.py, and tests/browsers.py through it).

Under xdist the controlling process runs no test: it does not import the harness, which
imports Liveline, FastAPI, SQLAlchemy, Playwright and the rest (some 2.5 s of CPU, spent
before the workers are even started).
"""

from __future__ import annotations

import gc
from collections import Counter
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """The fixtures, in every process but xdist's controller (see above)."""
    controls_workers = (
        getattr(config.option, "numprocesses", None)
        and getattr(config.option, "dist", "no") != "no"
        and not hasattr(config, "workerinput")
    )
    if not controls_workers:
        config.pluginmanager.import_plugin("tests.harness")


# `make test` runs the files in two workers (`--dist loadfile --no-loadscope-reorder`), each
# worker taking the next file when it is nearly done with one. The files that take longest
# (starting servers, browsers, proxies) go first, so that none of them is left to one
# worker at the end while the other has nothing to do: every file of 2 s or more, in the
# order of the seconds each took in a `make test` (measured again when the suite grew). A
# file not named here keeps its place after them; within a file the order is the file's own.
LONGEST_FIRST = (
    "test_photo_console_browser.py",
    "test_console_browser.py",
    "test_reader_live.py",
    "test_stream.py",
    "test_xss_console.py",
    "test_fuzz.py",
    "test_held_streams.py",
    "test_api.py",
    "test_console_accessibility.py",
    "test_translations.py",
    "test_store.py",
    "test_multinode.py",
    "test_embed_updates.py",
    "test_console.py",
    "test_bad_input.py",
    "test_permalinks.py",
    "test_sessions.py",
    "test_concurrent_writes.py",
    "test_embedding.py",
    "test_live_page.py",
    "test_connections.py",
    "test_photo_browser.py",
    "test_crash.py",
    "test_media.py",
    "test_export_html.py",
    "test_hostile_traffic.py",
    "test_accessibility.py",
    "test_photo_console.py",
    "test_fanout.py",
    "test_console_stream.py",
    "test_xss.py",
    "test_pushpin.py",
    "test_smoke.py",
    "test_hostile_markdown.py",
    "test_grip.py",
    "test_reader_page.py",
    "test_post_images.py",
    "test_cli.py",
    "test_feeds.py",
    "test_behind_nginx.py",
    "test_varnish.py",
    "test_metrics.py",
    "test_backup.py",
    "test_layers.py",
    "test_archive.py",
    "test_public_log.py",
)


COLLECTED: list[str] = []  # every test's node id, as collected (before -k or -m chose)


def _one_id_per_test(items: list[pytest.Item]) -> None:
    """schemathesis (4.32) names each API operation's test `test_x[GET /api/blogs]` but hands
    pytest the bare function name as the test's original name, from which pytest 9.2 builds
    the node id: the seventeen operations shared one id, and xdist, which hands out tests by
    id, ran one of them. Each gets its operation as its id's parameter. A run whose tests
    still share an id is stopped: under xdist it would run fewer tests than it collected."""
    for item in items:
        label = getattr(item, "operation_label", None)
        node_id = getattr(item, "_id", None)
        if label and node_id is not None and getattr(node_id, "params", "") is None:
            item._id = node_id.with_params(label)
    COLLECTED[:] = [item.nodeid for item in items]
    shared = sorted(node_id for node_id, count in Counter(COLLECTED).items() if count > 1)
    if shared:
        raise pytest.UsageError(f"tests that share a node id (xdist would run one): {shared}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    _one_id_per_test(items)
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    first_seen: dict[Path, int] = {}
    for index, item in enumerate(items):
        first_seen.setdefault(item.path, index)
    items.sort(key=lambda item: (rank.get(item.path.name, len(rank)), first_seen[item.path]))


_FROZEN_AT: list[Path] = []  # the test file at whose start the heap was last frozen


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """At the start of each test file, what the test process holds (every module imported,
    every test collected, the session's fixtures) is moved out of the garbage collector's
    reach: each of the run's collections then scans only what the tests make since (measured
    on test_api, test_console, test_feeds and test_bad_input: 1.8-2.3 s of collecting
    instead of 3.2-3.3). Again at each file, as a test (or the fan-out's own Freezer) may
    thaw it all. Only worth it because an app a test is done with is freed (test_embedding
    checks that): when every app stayed, scanning what they held dwarfed the rest."""
    if not _FROZEN_AT or _FROZEN_AT[-1] != item.path:
        gc.collect()  # what the last file left behind is freed, not frozen
        gc.freeze()
        _FROZEN_AT[:] = [item.path]
