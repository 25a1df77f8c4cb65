"""Purges, from the log: every change's surrogate keys are purged from the CDN, until it says so.

Reads carry surrogate keys (`blog-{id}`, and `post-{id}` for each post shown). The purger
follows the event log (following.py: a cursor in the database, moved only once the CDN
acknowledged), so a restart resumes and a crash between a change's commit and its purge
loses nothing. Of several processes one purges, the holder of the duty's lease; a batch
sent again across a takeover does no harm: a purge is idempotent, and a cursor never
moves back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from liveline.model import Blog, Event
from liveline.service.following import LogFollower
from liveline.service.unit import UnitOfWork

# Sends keys to the CDN; returns once it acknowledged them, raises if it did not.
Send = Callable[[list[str]], Awaitable[None]]


def blog_key(blog_id: int) -> str:
    return f"blog-{blog_id}"


def post_key(post_id: int) -> str:
    return f"post-{post_id}"


def surrogate_keys(blog_id: int, post_ids: Iterable[int] = ()) -> list[str]:
    """The keys of a read: its blog's, then each post's it shows, once each, in order."""
    return [blog_key(blog_id), *dict.fromkeys(post_key(p) for p in post_ids)]


def keys_of(events: Iterable[Event]) -> list[str]:
    """The keys a run of one blog's events affects. Every change moves the blog (its pages,
    feeds and polls show its seq, count and time), and a post event its post's reads too."""
    keys: dict[str, None] = {}
    for event in events:
        keys[blog_key(event.blog_id)] = None
        if event.post_id is not None:
            keys[post_key(event.post_id)] = None
    return list(keys)


class Purging:
    def __init__(self, unit: UnitOfWork) -> None:
        self.follower = LogFollower(unit, "purge")

    async def purge_pending(self, send: Send) -> int:
        """Purge all the log holds past the cursors; returns how many purges were sent."""
        return await self.follower.follow_pending(_purger(send))

    async def run(self, send: Send, every: float = 1.0) -> None:
        await self.follower.run(_purger(send), every)


def _purger(send: Send) -> Callable[[Blog, list[Event]], Awaitable[None]]:
    async def purge(blog: Blog, events: list[Event]) -> None:
        await send(keys_of(events))

    return purge
