"""The broker interface. The event log is the truth; a broker only says "look, seq N"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from liveline.model import Event

Listener = Callable[[Event], None]


class Broker(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(self, event: Event) -> None:
        """Hand a committed event to every subscriber of its blog, in every process."""

    def subscribe(self, blog_id: int, listener: Listener) -> Callable[[], None]:
        """Call `listener` on the event loop for each event of the blog; returns unsubscribe."""
