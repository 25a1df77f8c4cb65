"""The store under the service: what goes in comes back out, and the event log never lies.

Every test here runs twice: on SQLite (a file, as `liveline serve` uses it) and on PostgreSQL.
PostgreSQL gets a database of its own for the session, emptied before each test.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from liveline.broker import MemoryBroker
from liveline.errors import Conflict, NotFound, PreconditionRequired
from liveline.formats.textparse import ParsedBlog, parse_bytes
from liveline.model import Blog, EventType, Image, PostStatus, Role, User
from liveline.service import Service
from liveline.store.db import make_engine, migrate
from liveline.store.queries import Store
from liveline.store.tables import blogs, events, posts
from liveline.values import BlogIn, PostIn, PostPatch
from tests.harness import SEED, emptied, needs_seed

# Fixtures: a service on a fresh store, SQLite or PostgreSQL


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def store_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("database_url"))  # a copy of a migrated file
    return emptied(request.getfixturevalue("postgres_database"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    engine = make_engine(store_url)
    migrate(engine)
    yield Store(engine)
    engine.dispose()


@pytest.fixture
def service(store: Store) -> Service:
    return Service(store, MemoryBroker())


@pytest.fixture
def editor(service: Service) -> User:
    return service.accounts.add_user("ed", Role.EDITOR)


@pytest.fixture
def reporter(service: Service) -> User:
    return service.accounts.add_user("rita", Role.REPORTER)


@pytest.fixture
def blog(service: Service, editor: User) -> Blog:
    return asyncio.run(
        service.blogs.create(
            editor,
            BlogIn(
                title="Storm watch",
                authors=["Ana Ruiz", "June Okafor"],
                organization="Liveline Desk",
                timezone="America/Chicago",
            ),
        )
    )


def publish(service: Service, user: User, blog: Blog, headline: str, **fields: Any):
    post, _ = asyncio.run(
        service.posts.create(user, blog, PostIn(**{"headline": headline, "body": "", **fields}))
    )
    return post


def all_rows(store: Store) -> dict[str, list[dict]]:
    """Everything a reader could ever see, straight from the tables."""
    with store.reading() as conn:
        return {
            table.name: [
                dict(row)
                for row in conn.execute(select(table).order_by(*table.primary_key)).mappings()
            ]
            for table in (blogs, posts, events)
        }


def seed() -> ParsedBlog:
    return parse_bytes(SEED.read_bytes())


# Round trip


def test_a_blog_and_its_posts_read_back_as_they_were_written(
    service: Service, editor: User, blog: Blog
) -> None:
    assert service.blogs.get("storm-watch") == blog
    assert blog.title == "Storm watch"
    assert blog.authors == ("Ana Ruiz", "June Okafor")
    assert blog.organization == "Liveline Desk"
    assert blog.timezone == "America/Chicago"
    assert blog.is_open

    published_at = datetime(2022, 2, 7, 14, 20, 5, 123456, tzinfo=UTC)
    written = publish(
        service,
        editor,
        blog,
        "Winds “pick up” near the coast",
        body="Gusts of **60 mph**.\n\nMore background: the storm formed on Monday.",
        authors=["Niamh Kennedy", "Ana Ruiz"],
        location="Calder Bay",
        contributors=["Ivana Kottasová", "Bryony Jones"],
        images=[
            {"url": "https://img.example/1.jpg", "caption": "Waves", "credit": "A/B", "alt": "Sea"},
            {"url": None, "caption": None, "credit": "Sputnik/AFP/Getty Images", "alt": None},
        ],
        key_event=True,
        published_at=published_at,
    )

    read = service.posts.get(service.blogs.get("storm-watch"), written.id)
    assert read == written
    assert read.headline == "Winds “pick up” near the coast"
    assert read.body == "Gusts of **60 mph**.\n\nMore background: the storm formed on Monday."
    assert read.authors == ("Niamh Kennedy", "Ana Ruiz")
    assert read.location == "Calder Bay"
    assert read.contributors == ("Ivana Kottasová", "Bryony Jones")
    assert read.images == (
        Image("https://img.example/1.jpg", "Waves", "A/B", "Sea"),
        Image(None, None, "Sputnik/AFP/Getty Images", None),
    )
    assert read.key_event is True
    assert read.pinned is False
    assert read.status == PostStatus.PUBLISHED
    assert read.published_at == published_at
    assert read.published_at.tzinfo is not None
    assert read.version == 1
    assert read.author_user_id == editor.id

    pinned, page, cursor = service.posts.page(service.blogs.get("storm-watch"))
    assert (pinned, page, cursor) == ([], [read], None)
    assert service.blogs.get("storm-watch").post_count == 1


@needs_seed
def test_an_imported_live_blog_reads_back_like_its_text(service: Service) -> None:
    parsed = seed()
    blog = asyncio.run(service.importing.import_blog(parsed, "ukraine"))

    assert (blog.title, blog.authors, blog.organization, blog.timezone) == (
        parsed.title,
        parsed.authors,
        parsed.organization,
        parsed.timezone,
    )
    assert blog.updated_at == parsed.updated
    assert blog.post_count == len(parsed.posts) == 9
    _, page, _ = service.posts.page(blog, newest_first=False, limit=100)
    by_headline = {post.headline: post for post in page}
    for parsed_post in parsed.posts:
        post = by_headline[parsed_post.headline]
        assert post.published_at == parsed_post.published
        assert post.authors == parsed_post.authors
        assert post.location == parsed_post.location
        assert post.contributors == parsed_post.contributors
        assert [(i.caption, i.credit) for i in post.images] == [
            (i.caption, i.credit) for i in parsed_post.images
        ]


# The event log


def test_seqs_have_no_gaps_when_four_writers_publish_at_once(
    service: Service, blog: Blog, editor: User
) -> None:
    writers = [
        editor,
        *(service.accounts.add_user(f"reporter{n}", Role.REPORTER) for n in range(3)),
    ]
    per_writer = 10
    start = threading.Barrier(len(writers))
    failures: list[BaseException] = []

    def write(user: User) -> None:
        try:
            start.wait()
            for n in range(per_writer):
                publish(service, user, blog, f"{user.name} #{n}")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(user,)) for user in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures

    total = len(writers) * per_writer
    log = service.events_since(blog.id, 0, limit=1000)
    assert [event.seq for event in log] == list(range(1, total + 1))
    assert {event.type for event in log} == {EventType.POST_PUBLISHED}
    assert len({event.post_id for event in log}) == total  # each post announced exactly once
    assert service.blogs.get(blog.slug).last_seq == total
    assert service.blogs.get(blog.slug).post_count == total
    assert service.events_since(blog.id, total - 3) == log[-3:]


def test_every_change_appends_one_event_in_order(
    service: Service, blog: Blog, editor: User
) -> None:
    post = publish(service, editor, blog, "First")
    draft = publish(service, editor, blog, "Not yet", status="draft")
    edited = asyncio.run(
        service.posts.update(editor, blog, post.id, 1, PostPatch(**{"headline": "First!"}))
    )
    pinned = asyncio.run(
        service.posts.update(editor, blog, post.id, 2, PostPatch(**{"pinned": True}))
    )
    asyncio.run(
        service.posts.update(editor, blog, draft.id, 1, PostPatch(**{"body": "still a draft"}))
    )
    before_delete = service.events_since(blog.id, 0)
    asyncio.run(service.posts.delete(editor, blog, post.id, pinned.version))

    log = service.events_since(blog.id, 0)
    assert [(e.seq, e.type, e.post_id) for e in log] == [
        (1, EventType.POST_PUBLISHED, post.id),
        (2, EventType.POST_UPDATED, post.id),
        (3, EventType.POST_PINNED, post.id),
        (4, EventType.POST_DELETED, post.id),
    ]  # the draft's changes are the desk's business, not the readers'
    # Each entry shows the post as it is at the time of reading: edited, then deleted.
    assert {e.payload["post"]["headline"] for e in before_delete} == {edited.headline}
    assert {e.revision for e in before_delete} == {0, 3}  # rewritten by seq 3, the pin
    assert [e.payload["post"] for e in log] == [{"id": post.id, "status": "deleted"}] * 4
    assert log[3].payload["blog"]["post_count"] == 0


# Versions and deletes


def test_a_stale_version_is_refused_and_the_newer_edit_survives(
    service: Service, blog: Blog, editor: User
) -> None:
    post = publish(service, editor, blog, "Draft headline")
    saved = asyncio.run(
        service.posts.update(editor, blog, post.id, 1, PostPatch(**{"headline": "Mine"}))
    )
    assert saved.version == 2

    with pytest.raises(Conflict) as refused:
        asyncio.run(
            service.posts.update(editor, blog, post.id, 1, PostPatch(**{"headline": "Theirs"}))
        )
    assert refused.value.current_version == 2
    assert "reload" in refused.value.message
    with pytest.raises(PreconditionRequired):
        asyncio.run(
            service.posts.update(editor, blog, post.id, None, PostPatch(**{"headline": "Blind"}))
        )

    assert service.posts.get(blog, post.id).headline == "Mine"
    assert service.posts.get(blog, post.id).version == 2


def test_the_store_compares_and_sets_the_version(
    store: Store, service: Service, blog: Blog, editor: User
) -> None:
    post = publish(service, editor, blog, "Original")
    now = datetime.now(UTC)
    with store.transaction() as conn:
        first = store.update_post(conn, post, {"headline": "A", "updated_at": now})
        second = store.update_post(conn, post, {"headline": "B", "updated_at": now})
    assert first is not None and first.version == 2
    assert second is None  # `post` still says version 1: someone else saved first
    assert service.posts.get(blog, post.id).headline == "A"


def test_deleting_a_post_keeps_the_row_and_hides_it(
    store: Store, service: Service, blog: Blog, editor: User
) -> None:
    kept = publish(service, editor, blog, "Kept")
    gone = publish(service, editor, blog, "Gone")
    assert service.blogs.get(blog.slug).post_count == 2

    deleted = asyncio.run(service.posts.delete(editor, blog, gone.id, gone.version))

    assert deleted.status == PostStatus.DELETED
    assert deleted.version == gone.version + 1
    with store.reading() as conn:
        row = conn.execute(select(posts).where(posts.c.id == gone.id)).mappings().one()
    assert (row["headline"], row["status"]) == ("Gone", "deleted")
    _, page, _ = service.posts.page(service.blogs.get(blog.slug))
    assert [post.id for post in page] == [kept.id]
    assert service.blogs.get(blog.slug).post_count == 1
    with pytest.raises(NotFound):
        asyncio.run(service.posts.delete(editor, blog, gone.id, deleted.version))


def test_a_scheduled_post_publishes_itself_when_due(
    store: Store, service: Service, editor: User
) -> None:
    now = [datetime(2026, 3, 1, 12, 0, tzinfo=UTC)]
    clocked = Service(store, service.broker, clock=lambda: now[0])
    blog = asyncio.run(clocked.blogs.create(editor, BlogIn(title="Election night")))
    due = now[0] + timedelta(minutes=5)
    post = publish(clocked, editor, blog, "Polls close", status="scheduled", publish_at=due)
    assert asyncio.run(clocked.scheduling.publish_due()) == 0
    assert clocked.posts.page(clocked.blogs.get(blog.slug))[1] == []

    now[0] = due + timedelta(seconds=1)
    assert asyncio.run(clocked.scheduling.publish_due()) == 1
    assert asyncio.run(clocked.scheduling.publish_due()) == 0

    published = clocked.posts.get(blog, post.id)
    assert published.status == PostStatus.PUBLISHED
    assert published.published_at == due
    assert [p.id for p in clocked.posts.page(clocked.blogs.get(blog.slug))[1]] == [post.id]
    assert [e.type for e in clocked.events_since(blog.id, 0)] == [EventType.POST_PUBLISHED]


# Pagination


def test_pages_never_repeat_or_skip_a_post_even_when_times_tie(
    service: Service, blog: Blog, editor: User
) -> None:
    base = datetime(2022, 2, 7, 16, 0, tzinfo=UTC)
    # 45 posts, three to a minute: ties on published_at across page boundaries.
    written = [
        publish(service, editor, blog, f"Post {n}", published_at=base + timedelta(minutes=n // 3))
        for n in range(45)
    ]
    pin = asyncio.run(
        service.posts.update(editor, blog, written[7].id, 1, PostPatch(**{"pinned": True}))
    )
    unpinned = [post for post in written if post.id != pin.id]

    for newest_first in (True, False):
        seen, cursor, pages = [], None, []
        while True:
            pinned, page, cursor = service.posts.page(
                service.blogs.get(blog.slug), newest_first=newest_first, cursor=cursor, limit=20
            )
            pages.append(len(page))
            assert [p.id for p in pinned] == ([pin.id] if len(pages) == 1 else [])
            seen += [post.id for post in page]
            if cursor is None:
                break
        expected = sorted(unpinned, key=lambda p: (p.published_at, p.id), reverse=newest_first)
        assert seen == [post.id for post in expected]
        assert pages == [20, 20, 4]


# Importing


@needs_seed
def test_importing_again_with_replace_soft_deletes_the_old_posts(service: Service) -> None:
    first = asyncio.run(service.importing.import_blog(seed(), "seed"))
    _, old_posts, _ = service.posts.page(first, limit=100)

    again = asyncio.run(service.importing.import_blog(seed(), "seed", replace=True))

    assert again.id == first.id
    assert again.post_count == 9
    for old in old_posts:
        assert service.posts.get(again, old.id).status == PostStatus.DELETED
    _, new_posts, _ = service.posts.page(again, limit=100)
    assert {post.id for post in new_posts}.isdisjoint(post.id for post in old_posts)
    assert sorted(p.headline for p in new_posts) == sorted(p.headline for p in old_posts)
    log = service.events_since(again.id, 0)
    assert [event.seq for event in log] == list(range(1, 28))
    assert [event.type for event in log[9:18]] == [EventType.POST_DELETED] * 9


@needs_seed
def test_importing_onto_a_taken_slug_changes_nothing(store: Store, service: Service) -> None:
    asyncio.run(service.importing.import_blog(seed(), "seed"))
    before = all_rows(store)

    with pytest.raises(Conflict) as refused:
        asyncio.run(service.importing.import_blog(seed(), "seed"))

    assert "--replace" in refused.value.message
    assert all_rows(store) == before


@needs_seed
def test_an_import_that_fails_halfway_changes_nothing(store: Store, service: Service) -> None:
    asyncio.run(service.importing.import_blog(seed(), "seed"))
    before = all_rows(store)
    parsed = seed()
    # The last post cannot be stored, after the old posts are soft-deleted and the first
    # new ones inserted: all of it must roll back.
    insert_post = store.insert_post
    inserted = []

    def failing_insert(conn: Any, blog_id: int, values: Any) -> Any:
        if len(inserted) == len(parsed.posts) - 1:
            raise StatementError("the disk is full", None, None, Exception("disk full"))
        inserted.append(values)
        return insert_post(conn, blog_id, values)

    store.insert_post = failing_insert  # type: ignore[method-assign]
    with pytest.raises(StatementError, match="disk is full"):
        asyncio.run(service.importing.import_blog(parsed, "seed", replace=True))
    store.insert_post = insert_post  # type: ignore[method-assign]

    assert len(inserted) == len(parsed.posts) - 1
    assert all_rows(store) == before
    assert service.blogs.get("seed").post_count == 9


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Runs the calls in threads released together; each one's result or exception, in order."""
    start = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        start.wait()
        try:
            outcomes[index] = calls[index]()
        except Exception as exc:
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_editors_saving_the_same_version_at_once_one_wins(
    service: Service, blog: Blog, editor: User
) -> None:
    editors = [editor, service.accounts.add_user("eve", Role.EDITOR)]
    for round_ in range(10):
        post = publish(service, editor, blog, f"Round {round_}")

        outcomes = at_once(
            *(
                partial(
                    asyncio.run,
                    service.posts.update(
                        user, blog, post.id, 1, PostPatch(**{"headline": user.name})
                    ),
                )
                for user in editors
            )
        )

        conflicts = [outcome for outcome in outcomes if isinstance(outcome, Conflict)]
        [saved] = [outcome for outcome in outcomes if not isinstance(outcome, Conflict)]
        assert len(conflicts) == 1, outcomes
        assert conflicts[0].current_version == 2  # the loser learns which version won
        assert service.posts.get(blog, post.id) == saved


@needs_seed
def test_replacing_a_blog_retires_its_drafts_and_scheduled_posts_too(
    service: Service, editor: User
) -> None:
    blog = asyncio.run(service.importing.import_blog(seed(), "seed"))
    draft = publish(service, editor, blog, "Unfinished", status="draft")
    later = datetime.now(UTC) + timedelta(hours=1)
    scheduled = publish(service, editor, blog, "Embargoed", status="scheduled", publish_at=later)

    asyncio.run(service.importing.import_blog(seed(), "seed", replace=True))

    assert service.posts.get(blog, draft.id).status == PostStatus.DELETED
    assert service.posts.get(blog, scheduled.id).status == PostStatus.DELETED


def test_a_reader_does_not_wait_for_a_writer(tmp_path: Path) -> None:
    # SQLite under WAL lets readers read while a writer holds the lock; only writers queue.
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    migrate(engine)
    store = Store(engine)
    with store.transaction() as writing:
        writing.execute(blogs.insert().values(
            slug="s", title="T", authors=[], timezone="UTC", status="open", last_seq=0,
            created_at=datetime.now(UTC), updated_at=datetime.now(UTC),
        ))  # fmt: skip
        started = time.monotonic()
        with store.reading() as reading:
            reading.exec_driver_sql("PRAGMA busy_timeout=1000")
            assert store.list_blogs(reading) == []  # the writer has not committed yet
        assert time.monotonic() - started < 0.5
    engine.dispose()
