"""The doorbell: tells every server process that a blog's log has a new event."""

from __future__ import annotations

from liveline.broker.base import Broker, DeskListener, Listener
from liveline.broker.memory import MemoryBroker


def make_broker(url: str) -> Broker:
    if url.startswith("memory://"):
        return MemoryBroker()
    if url.startswith(("redis://", "rediss://")):
        from liveline.broker.redis import RedisBroker  # redis is only imported when used

        return RedisBroker(url)
    raise ValueError(f"no broker for {url!r}; use memory:// or redis://host:port/db")


__all__ = ["Broker", "DeskListener", "Listener", "MemoryBroker", "make_broker"]
