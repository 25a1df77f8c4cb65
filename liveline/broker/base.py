"""The broker interface. The event log is the truth; a broker only says "look, seq N".

A second channel per blog, the desk's, carries `DeskNotice`s: which post changed, for the
console's streams only. Nothing on it is ever handed to a reader's stream."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from liveline.model import DeskNotice, Event

Listener = Callable[[Event], None]
DeskListener = Callable[[DeskNotice], None]


class Broker(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(self, event: Event) -> None:
        """Hand a committed event to every subscriber of its blog, in every process."""

    def subscribe(self, blog_id: int, listener: Listener) -> Callable[[], None]:
        """Call `listener` on the event loop for each event of the blog; returns unsubscribe."""

    async def notify(self, notice: DeskNotice) -> None:
        """Hand a committed post change to every console stream of its blog, everywhere."""

    def listen(self, blog_id: int, listener: DeskListener) -> Callable[[], None]:
        """Call `listener` on the event loop for each desk notice of the blog."""
