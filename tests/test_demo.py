"""The demo: its story must import like any live blog, and its desk must never stop the server."""

from __future__ import annotations

import asyncio
import fnmatch
import importlib.resources
import json
import random
import re
import time
import tomllib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from liveline.demo import desk

if TYPE_CHECKING:
    from liveline.formats.textparse import ParsedBlog

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


# The desk's script: data in desk.json, read strictly


def _story() -> ParsedBlog:
    from liveline.formats.textparse import parse_text

    return parse_text(_story_text())


def test_desk_posts_are_well_formed() -> None:
    posts = desk.desk_posts()
    assert len(posts) >= 30
    headlines = [post.headline for post in posts]
    assert len(set(headlines)) == len(headlines)
    for post in posts:
        assert post.headline.strip() and post.body.strip()
        assert 1 <= len(post.body.split("\n\n")) <= 3, post.headline
        assert post.authors and all(isinstance(a, str) and a.strip() for a in post.authors)
        assert post.location is None or isinstance(post.location, str)
    assert 1 < sum(post.key_event for post in posts) < 10


def test_desk_posts_belong_to_the_story_world() -> None:
    # The follow-ups read as the same newsroom: story.txt's reporters, in story.txt's places.
    story = _story()
    reporters = {name for post in story.posts for name in (*post.authors, *post.contributors)}
    places = {post.location for post in story.posts if post.location}
    posts = desk.desk_posts()
    assert {name for post in posts for name in post.authors} <= reporters
    assert {post.location for post in posts if post.location} <= places
    # It picks up where the story ends, so none of its headlines repeats one of the story's.
    assert not {post.headline for post in posts} & {post.headline for post in story.posts}


def test_the_service_accepts_every_desk_post(tmp_path: Path) -> None:
    """What the desk publishes goes through the real service into a real database."""
    from liveline.cli import serviced
    from liveline.config import Settings
    from liveline.demo.setup import desk_user, ensure_demo_blog
    from liveline.model import Post
    from liveline.service import Service
    from liveline.values import PostIn

    script = desk.desk_posts()

    async def main(service: Service) -> list[Post]:
        blog = await ensure_demo_blog(service)
        assert blog is not None
        user = desk_user(service)
        # One whole pass, then the next pass's first post with its "(update 2)" headline.
        made = []
        for i in range(len(script) + 1):
            fields = PostIn.model_validate(desk.desk_fields(script, i))
            post, _ = await service.posts.create(user, service.blogs.get(blog.slug), fields)
            made.append(post)
        return made

    with serviced(Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}")) as service:
        made = asyncio.run(main(service))
    assert [post.headline for post in made] == [
        *(post.headline for post in script),
        f"{script[0].headline} (update 2)",
    ]
    assert [post.key_event for post in made[: len(script)]] == [p.key_event for p in script]
    assert [list(post.authors) for post in made[: len(script)]] == [p.authors for p in script]


def test_desk_json_ships_as_package_data() -> None:
    # The editable install in development reads the source tree; a wheel has only what
    # pyproject.toml lists. Every data file of liveline/demo must be listed there.
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text("utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["liveline"]
    demo = importlib.resources.files("liveline.demo")
    data_files = [f"demo/{item.name}" for item in demo.iterdir() if item.is_file()]
    data_files = [name for name in data_files if not name.endswith((".py", ".pyc"))]
    assert "demo/desk.json" in data_files
    for name in data_files:
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name


def _script(**changes: object) -> str:
    post = {"headline": "Winds pick up", "body": "Gusts of **60 mph**.", "authors": ["Ana Ruiz"]}
    other = {**post, "headline": "Rain eases"}
    return json.dumps({"posts": [other, {**post, **changes}]})


BAD_SCRIPTS = {
    "not JSON": ("{posts: [", "desk.json: (top level): Invalid JSON"),
    "a list, not an object": ("[]", "desk.json: (top level): "),
    "no posts": ('{"posts": []}', "desk.json: posts: "),
    "unknown top-level field": (
        _script()[:-1] + ', "cast": []}',
        "desk.json: cast: unknown field",
    ),
    "unknown field": (_script(mood="tense"), "desk.json: posts[1].mood: unknown field"),
    "no headline": (_script(headline=None), "desk.json: posts[1].headline: "),
    "blank body": (_script(body="  "), "desk.json: posts[1].body: must not be blank"),
    "padded headline": (_script(headline=" Winds "), "desk.json: posts[1].headline: must not"),
    "no authors": (_script(authors=[]), "desk.json: posts[1].authors: "),
    "an author not a string": (_script(authors=["Ana", 7]), "desk.json: posts[1].authors[1]: "),
    "string as a bool": (_script(key_event="yes"), "desk.json: posts[1].key_event: "),
    "number as a location": (_script(location=3), "desk.json: posts[1].location: "),
    "repeated headline": (
        _script(headline="Rain eases"),
        "desk.json: posts[1].headline: the same headline as posts[0]",
    ),
}


@pytest.mark.parametrize(("raw", "message"), BAD_SCRIPTS.values(), ids=BAD_SCRIPTS.keys())
def test_a_bad_desk_script_is_refused_naming_the_json_path(raw: str, message: str) -> None:
    with pytest.raises(desk.DeskDataError) as refused:
        desk.load_desk_posts(raw)
    assert str(refused.value).startswith(message), str(refused.value)


def test_a_good_desk_script_loads_with_its_defaults() -> None:
    [first, second] = desk.load_desk_posts(_script(location="Port Ellery", key_event=True))
    assert (first.location, first.key_event) == (None, False)
    assert "key_event" not in first.fields()  # only milestones carry the flag
    assert second.fields() == {
        "headline": "Winds pick up",
        "body": "Gusts of **60 mph**.",
        "authors": ["Ana Ruiz"],
        "location": "Port Ellery",
        "key_event": True,
    }


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


def _run(
    recorder: Recorder,
    interval: float = 0.01,
    timeout: float = 2.0,
    posts: Sequence[desk.DeskPost] | None = None,
) -> None:
    async def main() -> None:
        # Bounded: a desk that ignores `stop` fails the test instead of hanging it.
        await asyncio.wait_for(
            desk.run_desk(
                recorder, interval, stop=recorder.stop, rng=random.Random(7), posts=posts
            ),
            timeout=timeout,
        )

    asyncio.run(main())


def test_run_desk_publishes_posts_in_order() -> None:
    recorder = Recorder(stop_after=5)
    _run(recorder)

    script = desk.desk_posts()
    assert [c["headline"] for c in recorder.calls] == [p.headline for p in script[:5]]
    assert recorder.calls[0] == script[0].fields()


def test_a_publisher_that_mutates_its_fields_cannot_change_the_script() -> None:
    script = desk.desk_posts()[:1]

    class Mutating(Recorder):
        async def __call__(self, fields: dict) -> object:
            result = await super().__call__({**fields, "authors": list(fields["authors"])})
            fields["headline"] = "Changed"
            fields["authors"].append("Someone else")
            return result

    recorder = Mutating(stop_after=2)
    _run(recorder, posts=script)

    assert [c["headline"] for c in recorder.calls] == [
        script[0].headline,
        f"{script[0].headline} (update 2)",
    ]
    assert [c["authors"] for c in recorder.calls] == [script[0].authors] * 2
    assert desk.desk_posts()[0].headline == script[0].headline


def test_run_desk_survives_a_failing_publish(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(fail_on={2}, stop_after=4)
    with caplog.at_level("WARNING", logger=desk.__name__):
        _run(recorder)

    assert len(recorder.calls) == 4
    assert [c["headline"] for c in recorder.calls] == [p.headline for p in desk.desk_posts()[:4]]
    assert any("store is down" in (r.exc_text or "") for r in caplog.records)


def test_run_desk_marks_repeats() -> None:
    script = desk.desk_posts()[:2]
    recorder = Recorder(stop_after=6)
    _run(recorder, posts=script)

    first, second = (p.headline for p in script)
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
