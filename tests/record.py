"""Figures for docs/reliability.md: a test that survived a fault says what it tried.

`record(...)` appends one JSON line to the file named by LIVELINE_RECORD, and does nothing
when that is unset, so an ordinary `make test` writes nothing. `python -m tests.reliability`
runs the fault tests with it set and turns the lines into the table.
"""

from __future__ import annotations

import json
import os
import time


def record(fault: str, *, tried: str, lost: str = "nothing", test: str) -> None:
    """One row: the fault or bad input, how much of it was tried, what was lost (a test
    records only after its assertions passed, so this is "nothing" unless it says more),
    and the test that reproduces it."""
    path = os.environ.get("LIVELINE_RECORD")
    if not path:
        return
    row = {"fault": fault, "tried": tried, "lost": lost, "test": test, "at": time.time()}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
