"""A broker for one process: listeners are called straight from publish, on the event loop."""

from __future__ import annotations

import logging
from collections.abc import Callable

from liveline.broker.base import DeskListener, Listener
from liveline.model import DeskNotice, Event

log = logging.getLogger(__name__)


class MemoryBroker:
    def __init__(self) -> None:
        self._listeners: dict[int, list[Listener]] = {}
        self._desk: dict[int, list[DeskListener]] = {}

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        self._listeners.clear()
        self._desk.clear()

    async def publish(self, event: Event) -> None:
        for listener in list(self._listeners.get(event.blog_id, ())):
            try:
                listener(event)
            except Exception:  # one broken listener must not silence the others
                log.exception("broker listener failed for blog %s", event.blog_id)

    def subscribe(self, blog_id: int, listener: Listener) -> Callable[[], None]:
        self._listeners.setdefault(blog_id, []).append(listener)

        def unsubscribe() -> None:
            listeners = self._listeners.get(blog_id, [])
            if listener in listeners:
                listeners.remove(listener)
            if not listeners:
                self._listeners.pop(blog_id, None)

        return unsubscribe

    async def notify(self, notice: DeskNotice) -> None:
        for listener in list(self._desk.get(notice.blog_id, ())):
            try:
                listener(notice)
            except Exception:
                log.exception("desk listener failed for blog %s", notice.blog_id)

    def listen(self, blog_id: int, listener: DeskListener) -> Callable[[], None]:
        self._desk.setdefault(blog_id, []).append(listener)

        def unlisten() -> None:
            listeners = self._desk.get(blog_id, [])
            if listener in listeners:
                listeners.remove(listener)
            if not listeners:
                self._desk.pop(blog_id, None)

        return unlisten
