"""The doorbell: tells every server process that a blog's log has a new event."""

from __future__ import annotations

from liveline.broker.base import Broker, Listener
from liveline.broker.memory import MemoryBroker


def make_broker(url: str) -> Broker:
    if url.startswith("memory://"):
        return MemoryBroker()
    raise ValueError(f"no broker for {url!r} in this build; use memory://")


__all__ = ["Broker", "Listener", "MemoryBroker", "make_broker"]
