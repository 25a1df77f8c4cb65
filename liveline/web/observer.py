"""What the fan-out tells about itself: the calls metrics (web/metrics.py) implements, and
the silent stand-in used where nothing is measured."""

from __future__ import annotations

from typing import Protocol

from liveline.model import Event


class Observer(Protocol):
    """What the fan-out tells metrics (web/metrics.py): a call per reader that comes or goes
    and per event delivered, never one per reader per event."""

    def joined(self, blog: str) -> None: ...
    def left(self, blog: str) -> None: ...
    def delivered(self, event: Event) -> None: ...
    def backfilled(self, count: int) -> None: ...
    def dropped(self) -> None: ...


class Unobserved:
    def joined(self, blog: str) -> None:
        pass

    def left(self, blog: str) -> None:
        pass

    def delivered(self, event: Event) -> None:
        pass

    def backfilled(self, count: int) -> None:
        pass

    def dropped(self) -> None:
        pass
