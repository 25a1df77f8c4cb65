"""The demo: its story must import like any live blog, and its desk must never stop the server."""

from __future__ import annotations

import asyncio
import importlib.resources
import random
import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from liveline.demo import desk

STORY_AUTHORS = ("Ana Ruiz", "Tomas Whitfield", "June Okafor")


def _story_text() -> str:
    # Read it the way the server will: as package data, not by a path into the source tree.
    return importlib.resources.files("liveline.demo").joinpath("story.txt").read_text("utf-8")


# The story


def test_story_parses_as_a_live_blog() -> None:
    from liveline.formats.textparse import parse_text  # at test time: a parse bug fails here

    blog = parse_text(_story_text())

    assert blog.title == "Hurricane Delphine makes landfall on the Calder Coast"
    assert tuple(blog.authors) == STORY_AUTHORS
    assert blog.organization == "Liveline Desk"
    assert blog.timezone == "America/New_York"
    assert len(blog.posts) >= 10
    for post in blog.posts:
        assert post.headline.strip(), post
        assert len(post.paragraphs) >= 1, post.headline
        # Bylines, image lines and contributor lines are metadata, never body text.
        for paragraph in post.paragraphs:
            assert not paragraph.startswith(("From Liveline", "(")), paragraph
            assert not paragraph.endswith("/Liveline)"), paragraph
            assert "contributed reporting" not in paragraph, paragraph


def test_story_is_internally_consistent() -> None:
    from liveline.formats.textparse import parse_text

    blog = parse_text(_story_text())
    updated = datetime(2026, 10, 3, 18, 40, tzinfo=ZoneInfo("America/New_York"))

    assert blog.updated == updated
    assert blog.stated_post_count == len(blog.posts)
    times = [post.published for post in blog.posts]
    assert all(t.date().isoformat() == "2026-10-03" and t <= updated for t in times)
    assert times != sorted(times, reverse=True), "the demo should show out-of-order posts"
    # The shapes a newcomer should see in the demo, as in the seed.
    assert any(not post.authors for post in blog.posts)
    assert any(post.location == "Port Ellery" for post in blog.posts)
    assert any(post.contributors for post in blog.posts)
    assert any(image.caption for post in blog.posts for image in post.images)
    assert any(image.credit and not image.caption for post in blog.posts for image in post.images)


def test_story_header_counts_its_posts() -> None:
    # Independent of the parser: the "N Posts" line matches the time lines below it.
    text = _story_text()
    stated = re.search(r"^(\d+) Posts$", text, re.MULTILINE)
    time_lines = re.findall(r"^\d{1,2}:\d{2} [ap]\.m\. ET, October 3, 2026$", text, re.MULTILINE)
    assert stated and int(stated.group(1)) == len(time_lines)


# The desk's script


def test_desk_posts_are_well_formed() -> None:
    assert len(desk.DESK_POSTS) >= 30
    headlines = [post["headline"] for post in desk.DESK_POSTS]
    assert len(set(headlines)) == len(headlines)
    for post in desk.DESK_POSTS:
        assert post["headline"].strip() and post["body"].strip()
        assert 1 <= len(post["body"].split("\n\n")) <= 3, post["headline"]
        assert post["authors"] and all(isinstance(a, str) for a in post["authors"])
        assert post["location"] is None or isinstance(post["location"], str)
    assert 1 < sum(bool(post.get("key_event")) for post in desk.DESK_POSTS) < 10


# The desk's loop


class Recorder:
    """A `publish` that remembers what it was given and can be told to fail."""

    def __init__(self, fail_on: set[int] = frozenset(), stop_after: int | None = None) -> None:
        self.calls: list[dict] = []
        self.fail_on = fail_on
        self.stop_after = stop_after
        self.stop = asyncio.Event()

    async def __call__(self, fields: dict) -> object:
        self.calls.append(fields)
        if self.stop_after is not None and len(self.calls) >= self.stop_after:
            self.stop.set()
        if len(self.calls) in self.fail_on:
            raise RuntimeError("store is down")
        return {"id": len(self.calls)}


def _run(recorder: Recorder, interval: float = 0.01, timeout: float = 2.0) -> None:
    async def main() -> None:
        # Bounded: a desk that ignores `stop` fails the test instead of hanging it.
        await asyncio.wait_for(
            desk.run_desk(recorder, interval, stop=recorder.stop, rng=random.Random(7)),
            timeout=timeout,
        )

    asyncio.run(main())


def test_run_desk_publishes_posts_in_order() -> None:
    recorder = Recorder(stop_after=5)
    _run(recorder)

    assert [c["headline"] for c in recorder.calls] == [p["headline"] for p in desk.DESK_POSTS[:5]]
    assert recorder.calls[0] == desk.DESK_POSTS[0]
    assert recorder.calls[0] is not desk.DESK_POSTS[0]  # a copy: publishers may mutate it


def test_run_desk_survives_a_failing_publish(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(fail_on={2}, stop_after=4)
    with caplog.at_level("WARNING", logger=desk.__name__):
        _run(recorder)

    assert len(recorder.calls) == 4
    assert [c["headline"] for c in recorder.calls] == [p["headline"] for p in desk.DESK_POSTS[:4]]
    assert any("store is down" in (r.exc_text or "") for r in caplog.records)


def test_run_desk_marks_repeats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(desk, "DESK_POSTS", desk.DESK_POSTS[:2])
    recorder = Recorder(stop_after=6)
    _run(recorder)

    first, second = (p["headline"] for p in desk.DESK_POSTS)
    assert [c["headline"] for c in recorder.calls] == [
        first,
        second,
        f"{first} (update 2)",
        f"{second} (update 2)",
        f"{first} (update 3)",
        f"{second} (update 3)",
    ]


def test_run_desk_stops_promptly_while_waiting() -> None:
    recorder = Recorder()

    async def main() -> float:
        task = asyncio.create_task(desk.run_desk(recorder, 60.0, stop=recorder.stop))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        recorder.stop.set()
        await asyncio.wait_for(task, timeout=2.0)
        return time.monotonic() - started

    assert asyncio.run(main()) < 1.0
    assert recorder.calls == []  # a 60 s interval: nothing was due yet


def test_run_desk_returns_at_once_if_already_stopped() -> None:
    recorder = Recorder()
    recorder.stop.set()
    _run(recorder, interval=60.0)
    assert recorder.calls == []
