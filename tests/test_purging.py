"""Cache headers and purges from the log: keys on every read, purges retried until they take."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from liveline.config import Settings
from liveline.model import Blog, Event
from liveline.service.following import Handle
from liveline.service.purging import Purging
from liveline.store.db import make_engine
from liveline.store.leases import Lease
from tests.harness import auth, emptied, make_token


def open_blog(client: TestClient, settings: Settings) -> tuple[dict[str, str], list[int]]:
    editor = auth(make_token(settings, "ed", "editor"))
    created = client.post("/api/blogs", json={"title": "Storm"}, headers=editor)
    assert created.status_code == 201, created.text
    ids = []
    for headline in ("Winds", "Rain"):
        posted = client.post(
            "/api/blogs/storm/posts", json={"headline": headline, "body": "."}, headers=editor
        )
        assert posted.status_code == 201, posted.text
        ids.append(posted.json()["id"])
    return editor, ids


@pytest.mark.parametrize(
    "path", ["/blogs/storm", "/blogs/storm/feed.atom", "/blogs/storm/feed.json"]
)
def test_reads_carry_the_blog_and_each_shown_post_as_surrogate_keys(
    client: TestClient, settings: Settings, path: str
) -> None:
    _, ids = open_blog(client, settings)
    response = client.get(path)
    blog_key = f"blog-{client.app.state.service.blogs.get('storm').id}"  # type: ignore[attr-defined]
    keys = response.headers["surrogate-key"].split()
    assert keys[0] == blog_key and set(keys[1:]) == {f"post-{i}" for i in ids}
    assert response.headers["cache-tag"].split(",") == keys
    control = response.headers["cache-control"]
    assert "max-age=5" in control and "s-maxage=5" in control  # no purges: no longer
    assert "stale-while-revalidate=30" in control


def test_with_purges_shared_caches_keep_reads_longer(database_url: str) -> None:
    settings = Settings(database_url=database_url, purge_url="http://127.0.0.1:9/")
    assert settings.shared_max_age == 60
    assert Settings(database_url=database_url, cache_shared_max_age=7).shared_max_age == 7


def test_a_poll_carries_the_blog_key(client: TestClient, settings: Settings) -> None:
    open_blog(client, settings)
    response = client.get("/api/blogs/storm/events?since=0")
    assert response.headers["surrogate-key"].startswith("blog-")
    assert "s-maxage=" in response.headers["cache-control"]


def test_a_rounded_poll_redirects_every_reader_to_one_shared_since(
    client: TestClient, settings: Settings
) -> None:
    open_blog(client, settings)
    moved = client.get("/api/blogs/storm/events?since=7&round=5&limit=9", follow_redirects=False)
    assert moved.status_code == 302
    assert moved.headers["location"] == "/api/blogs/storm/events?since=5&limit=9&round=5"
    assert "max-age=86400" in moved.headers["cache-control"]
    shared = client.get("/api/blogs/storm/events?since=0&round=5")
    assert shared.status_code == 200 and [e["seq"] for e in shared.json()["events"]] == [1, 2]


def test_a_failed_purge_keeps_its_cursor_and_is_sent_again(
    client: TestClient, settings: Settings
) -> None:
    editor, ids = open_blog(client, settings)
    purging: Purging = client.app.state.service.purging  # type: ignore[attr-defined]
    sent: list[list[str]] = []

    async def refused(keys: list[str]) -> None:
        raise OSError("the CDN is away")

    async def acknowledged(keys: list[str]) -> None:
        sent.append(keys)

    # A crash after the commit, before any purge: the log still holds what to purge.
    with pytest.raises(OSError):
        asyncio.run(purging.purge_pending(refused))
    assert asyncio.run(purging.purge_pending(acknowledged)) == 1
    blog_key = sent[0][0]
    assert sent == [[blog_key, *(f"post-{i}" for i in ids)]]
    assert asyncio.run(purging.purge_pending(acknowledged)) == 0  # the cursor moved

    deleted = client.delete(
        f"/api/blogs/storm/posts/{ids[0]}", headers={**editor, "If-Match": '"1"'}
    )
    assert deleted.status_code in (200, 204), deleted.text
    assert asyncio.run(purging.purge_pending(acknowledged)) == 1
    assert sent[-1] == [blog_key, f"post-{ids[0]}"]


@pytest.mark.postgres
def test_two_followers_keep_their_own_cursors_on_postgresql(postgres_database: str) -> None:
    from liveline.broker import MemoryBroker
    from liveline.model import Role
    from liveline.service import Service
    from liveline.service.following import LogFollower
    from liveline.store.db import make_engine, migrate
    from liveline.store.queries import Store
    from liveline.values import BlogIn, PostIn

    engine = make_engine(emptied(postgres_database))
    migrate(engine)
    service = Service(Store(engine), MemoryBroker())
    try:
        editor = service.accounts.add_user("ed", Role.EDITOR)

        async def scenario() -> tuple[list[int], list[int]]:
            blog = await service.blogs.create(editor, BlogIn(title="Storm"))
            for headline in ("one", "two"):
                await service.posts.create(editor, blog, PostIn(headline=headline, body="."))
            seen: dict[str, list[int]] = {"purge": [], "grip": []}

            def recorder(name: str) -> Handle:
                async def handle(blog: Blog, events: list[Event]) -> None:
                    seen[name].extend(event.seq for event in events)

                return handle

            await service.purging.follower.follow_pending(recorder("purge"))
            await service.purging.follower.follow_pending(recorder("purge"))  # nothing new
            assert isinstance(service.grip, LogFollower)
            await service.grip.follow_pending(recorder("grip"))
            return seen["purge"], seen["grip"]

        assert asyncio.run(scenario()) == ([1, 2], [1, 2])
    finally:
        engine.dispose()


def test_one_lease_holder_at_a_time_and_the_next_takes_over_when_it_lets_go(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'leases.db'}")
    first, second = Lease(engine, "follow-purge"), Lease(engine, "follow-purge")
    other_duty = Lease(engine, "follow-grip")
    try:
        assert first.hold() and first.hold()  # taken, then confirmed
        assert not second.hold()  # a second holder would purge everything twice
        assert other_duty.hold()  # each duty its own lease
        first.release()
        assert second.hold()
        assert not first.hold()
    finally:
        for lease in (first, second, other_duty):
            lease.release()
        engine.dispose()
