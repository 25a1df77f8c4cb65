"""A simulated news desk for `liveline serve --demo`.

It keeps the fictional Hurricane Delphine story in `story.txt` going by handing a new
post to `publish` every few seconds, so someone trying Liveline for the first time can
watch updates arrive in the reader page without writing anything themselves. What the
desk says is data, in `desk.json`; this module only reads it (strictly) and schedules it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from importlib import resources
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from liveline.values import json_path

log = logging.getLogger(__name__)

DESK_FILE = "desk.json"


class DeskDataError(ValueError):
    """What is wrong with the desk's script, and where, as `desk.json: posts[3].headline: …`."""


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    if value != value.strip():
        raise ValueError("must not start or end with white space")
    return value


Text = Annotated[str, AfterValidator(_not_blank)]


class DeskPost(BaseModel):
    """One post of the desk's script: what a reporter would type into the API."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    headline: Text
    body: Text  # Markdown; paragraphs are separated by a blank line
    authors: Annotated[list[Text], Field(min_length=1)]
    location: Text | None = None
    key_event: bool = False

    def fields(self) -> dict[str, Any]:
        """The post as `publish` receives it: a fresh dict, its lists fresh too."""
        fields: dict[str, Any] = {
            "headline": self.headline,
            "body": self.body,
            "authors": list(self.authors),
            "location": self.location,
        }
        if self.key_event:  # only the milestones carry the flag, as a real desk would set it
            fields["key_event"] = True
        return fields


class _DeskScript(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    posts: Annotated[list[DeskPost], Field(min_length=1)]


def load_desk_posts(raw: str | bytes, source: str = DESK_FILE) -> tuple[DeskPost, ...]:
    """The posts of a desk script (`{"posts": [...]}`), all checked before any is used."""
    try:
        script = _DeskScript.model_validate_json(raw)
    except ValidationError as exc:
        problems = [
            f"{source}: {json_path(error['loc'])}: {_problem(error)}" for error in exc.errors()
        ]
        raise DeskDataError("\n".join(problems)) from None
    first_with: dict[str, int] = {}
    for index, post in enumerate(script.posts):
        earlier = first_with.setdefault(post.headline, index)
        if earlier != index:  # readers would see the same post twice in one pass
            raise DeskDataError(
                f"{source}: posts[{index}].headline: the same headline as posts[{earlier}]"
            )
    return tuple(script.posts)


@functools.cache
def desk_posts() -> tuple[DeskPost, ...]:
    """The script shipped with Liveline, read once as package data."""
    raw = resources.files("liveline.demo").joinpath(DESK_FILE).read_bytes()
    return load_desk_posts(raw)


def _problem(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown field"
    if error["type"] == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    return str(error["msg"])


async def run_desk(
    publish: Callable[[dict[str, Any]], Awaitable[object]],
    interval: float = 8.0,
    *,
    stop: asyncio.Event | None = None,
    rng: random.Random | None = None,
    posts: Sequence[DeskPost] | None = None,
) -> None:
    """Publish the next desk post every `interval` seconds (±25%) until `stop` is set.

    Posts cycle through `posts` (by default the shipped script, `desk_posts()`); from the
    second pass on each headline gets " (update N)", N being the pass number, so readers
    never see two identical posts. A failing `publish` is logged and skipped: the desk is a
    demo and must never take the server down with it.
    """
    script = desk_posts() if posts is None else tuple(posts)
    if not script:
        raise ValueError("the desk needs at least one post")
    if stop is None:
        stop = asyncio.Event()  # never set: the desk runs until its task is cancelled
    if rng is None:
        rng = random.Random()
    count = 0
    while not stop.is_set():
        # Jitter so the demo feels like a newsroom rather than a metronome.
        delay = max(0.0, interval * rng.uniform(0.75, 1.25))
        if await _stopped_within(stop, delay):
            return
        fields = desk_fields(script, count)
        count += 1
        try:
            await publish(fields)
        except Exception:
            log.warning("demo desk: publishing %r failed", fields["headline"], exc_info=True)


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to `seconds`, waking at once if `stop` is set; True if it was."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return stop.is_set()  # set in the same tick the timeout fired: still a stop
    return True


def desk_fields(script: Sequence[DeskPost], index: int) -> dict[str, Any]:
    """The fields for the index-th post the desk publishes (a fresh copy each time)."""
    fields = script[index % len(script)].fields()
    round_number = index // len(script) + 1
    if round_number > 1:
        fields["headline"] = f"{fields['headline']} (update {round_number})"
    return fields
