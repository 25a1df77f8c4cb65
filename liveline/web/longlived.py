"""Open streams out of the garbage collector's way: no long pause while readers are held.

A full collection walks every object the collector tracks, and each open stream keeps
about 45 (its connection, parser, request cycle, coroutines, reader): at 10,000 readers
a full collection took 0.3 s of CPU, a late post for every reader whenever one fell during
a publish. The server freezes what exists at startup (server.py); this freezes the
streams as they accumulate: after every `every` (250) readers that joined, `gc.freeze()` moves
everything tracked into the permanent generation, which collections skip (it costs
nothing: the lists are spliced). Frozen objects are still freed by their reference counts
when a reader leaves; only cyclic garbage among them waits. So when the readers frozen
have mostly gone (fewer than half of the count at the last freeze), or after many joins
since the last look (readers coming and going), everything is thawed, collected once, and
frozen again: one full collection at a time when there are fewer readers to walk.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)
THAW_INTERVAL_SECONDS = 60.0


class Freezer:
    def __init__(self, every: int = 250) -> None:
        self.every = every  # 0: never freeze
        self._joined = 0  # since the last freeze
        self._joined_since_thaw = 0
        self._frozen_at = 0  # readers open at the last freeze
        self._thawed = -THAW_INTERVAL_SECONDS

    def joined(self, readers: int) -> None:
        if not self.every:
            return
        self._joined += 1
        self._joined_since_thaw += 1
        if self._joined >= self.every:
            self._joined = 0
            gc.freeze()
            self._frozen_at = max(self._frozen_at, readers)
            if self._joined_since_thaw > 4 * max(self._frozen_at, self.every):
                self.thaw(readers)

    def left(self, readers: int) -> None:
        # Not again and again while a crowd leaves (10,000 readers hanging up at once would
        # thaw at 5,000, 2,500, ...): at most once a minute.
        if (
            self._frozen_at
            and readers * 2 < self._frozen_at
            and time.monotonic() - self._thawed > THAW_INTERVAL_SECONDS
        ):
            self.thaw(readers)

    def thaw(self, readers: int) -> None:
        started = time.perf_counter()
        gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        self._frozen_at = readers
        self._joined_since_thaw = 0
        self._thawed = time.monotonic()
        log.info("streams thawed and collected (%d unreachable objects) in %.0f ms at %d "
                 "readers", found, (time.perf_counter() - started) * 1000, readers)  # fmt: skip
