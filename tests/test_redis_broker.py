"""The Redis broker against a real Redis: two brokers in one event loop play two nodes.

Each test gets a channel prefix of its own, so runs in parallel never hear each other.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest
import redis
import redis.asyncio

from liveline.broker import make_broker
from liveline.broker.redis import RedisBroker
from liveline.model import DeskNotice, Event, EventType, PostStatus
from tests.harness import free_port, reachable_redis

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def redis_url() -> str:
    return reachable_redis(0)


@pytest.fixture
def prefix() -> str:
    return f"liveline-test-{uuid.uuid4().hex[:12]}:"


def event(seq: int, blog_id: int = 1, headline: str = "Winds pick up") -> Event:
    """An event shaped like the ones the service logs."""
    return Event(
        blog_id=blog_id,
        seq=seq,
        type=EventType.POST_PUBLISHED,
        post_id=100 + seq,
        payload={
            "post": {"id": 100 + seq, "headline": headline, "authors": ["Niamh Kennedy"]},
            "blog": {"post_count": seq, "updated_at": "2022-02-07T19:20:05.123456+00:00"},
        },
        created_at=datetime(2022, 2, 7, 19, 20, 5, 123456 + seq, tzinfo=UTC),
    )


@asynccontextmanager
async def nodes(
    url: str, prefix: str, n: int = 2, **options: float
) -> AsyncIterator[list[RedisBroker]]:
    brokers = [RedisBroker(url, prefix=prefix, **options) for _ in range(n)]
    for broker in brokers:
        await broker.start()
    try:
        yield brokers
    finally:
        for broker in brokers:
            await broker.close()


async def until(condition: Callable[[], object], what: str, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"not within {within} s: {what}"
        await asyncio.sleep(0.01)


async def until_subscribers(channel: str, n: int, within: float = 5.0) -> None:
    """Waits until Redis itself counts `n` subscribers of the channel (subscribing is async)."""
    async with redis.asyncio.Redis(host=REDIS_HOST, port=REDIS_PORT) as admin:
        deadline = time.monotonic() + within
        while (count := (await admin.pubsub_numsub(channel))[0][1]) != n:
            assert time.monotonic() < deadline, f"{count} subscribers of {channel}, expected {n}"
            await asyncio.sleep(0.01)


def test_an_event_published_on_one_node_reaches_another_with_equal_fields(
    redis_url: str, prefix: str
) -> None:
    async def scenario() -> None:
        async with nodes(redis_url, prefix) as (a, b):
            on_a: list[Event] = []
            on_b: list[Event] = []
            other_blog: list[Event] = []
            a.subscribe(1, on_a.append)
            b.subscribe(1, on_b.append)
            b.subscribe(2, other_blog.append)
            await until_subscribers(b.channel(1), 2)
            await until_subscribers(b.channel(2), 1)

            first, second = event(1, headline="Gusts of “60 mph” — Zürich"), event(2)
            await a.publish(first)
            await a.publish(second)
            await until(lambda: len(on_b) == 2, "B receives both events")

            assert on_b == [first, second]
            received = on_b[0]
            assert type(received.type) is EventType
            assert received.created_at == first.created_at
            assert received.created_at.tzinfo is not None
            assert received.payload["post"]["headline"] == "Gusts of “60 mph” — Zürich"
            assert other_blog == []

            # A's own listener got its events at once, and not again when Redis echoes them:
            # once B's reply has come back through Redis, any echo would have arrived first.
            reply = event(3)
            await b.publish(reply)
            await until(lambda: len(on_a) == 3, "A receives B's event")
            assert on_a == [first, second, reply]

    asyncio.run(scenario())


def test_the_message_is_compact_json_carrying_the_whole_event(redis_url: str, prefix: str) -> None:
    async def scenario() -> bytes:
        async with (
            nodes(redis_url, prefix, n=1) as (a,),
            redis.asyncio.Redis(host=REDIS_HOST, port=REDIS_PORT) as client,
            client.pubsub(ignore_subscribe_messages=True) as raw,
        ):
            await raw.subscribe(a.channel(7))
            await a.publish(event(5, blog_id=7))
            message = await raw.get_message(timeout=5)
            while message is None:
                message = await raw.get_message(timeout=5)
            return message["data"]

    data = asyncio.run(scenario())
    assert b'"seq":5,' in data  # compact: no spaces after separators
    assert b'"blog_id":7' in data
    assert b'"type":"post.published"' in data
    assert b'"post_id":105' in data
    assert b'"created_at":"2022-02-07T19:20:05.123461+00:00"' in data
    assert b'"payload":{"post":{"id":105,' in data


def test_unsubscribe_stops_delivery(redis_url: str, prefix: str) -> None:
    async def scenario() -> None:
        async with nodes(redis_url, prefix) as (a, b):
            first: list[Event] = []
            second: list[Event] = []
            unsubscribe_first = b.subscribe(1, first.append)
            unsubscribe_second = b.subscribe(1, second.append)
            await until_subscribers(b.channel(1), 1)

            unsubscribe_first()
            await a.publish(event(1))
            await until(lambda: len(second) == 1, "the remaining listener receives")
            assert first == []  # listeners are called together: it would have been by now

            unsubscribe_second()  # the last listener gone: B leaves the channel
            await until_subscribers(b.channel(1), 0)
            await a.publish(event(2))

            third: list[Event] = []
            b.subscribe(1, third.append)
            await until_subscribers(b.channel(1), 1)
            await a.publish(event(3))
            await until(lambda: len(third) == 1, "a new listener receives")
            assert [e.seq for e in third] == [3]
            assert [e.seq for e in second] == [1]
            assert first == []

    asyncio.run(scenario())


def test_a_listener_that_raises_does_not_stop_the_others(
    redis_url: str, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: Event) -> None:
        raise RuntimeError(f"cannot render seq {event.seq}")

    async def scenario() -> list[Event]:
        async with nodes(redis_url, prefix) as (a, b):
            received: list[Event] = []
            b.subscribe(1, broken)
            b.subscribe(1, received.append)
            await until_subscribers(b.channel(1), 1)
            for seq in (1, 2, 3):
                await a.publish(event(seq))
            await until(lambda: len(received) == 3, "the good listener receives all three")
            return received

    with caplog.at_level(logging.ERROR, logger="liveline.broker.redis"):
        received = asyncio.run(scenario())

    assert [e.seq for e in received] == [1, 2, 3]
    failures = [r for r in caplog.records if "broker listener failed" in r.getMessage()]
    assert len(failures) == 3
    assert "cannot render seq 3" in str(failures[-1].exc_info[1])


def test_delivery_resumes_after_redis_kills_the_subscriber_connection(
    redis_url: str, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> list[Event]:
        async with (
            nodes(redis_url, prefix) as (a, b),
            redis.asyncio.Redis(host=REDIS_HOST, port=REDIS_PORT) as admin,
        ):
            received: list[Event] = []
            b.subscribe(1, received.append)
            b.subscribe(2, received.append)
            await until_subscribers(b.channel(1), 1)
            await a.publish(event(1))
            await until(lambda: len(received) == 1, "delivery before the kill")

            # Kill only this test's pub/sub connections (CLIENT KILL TYPE pubsub would kill
            # every run's): the brokers name them after their prefix.
            clients = await admin.client_list()
            ours = [c for c in clients if c["name"].startswith(prefix)]
            assert len(ours) == 2  # one per node
            for connection in ours:
                assert await admin.client_kill_filter(_id=connection["id"]) == 1

            await until_subscribers(b.channel(2), 1)  # both channels subscribed again
            await until_subscribers(b.channel(1), 1)
            await a.publish(event(2))
            await a.publish(event(1, blog_id=2))
            await until(lambda: len(received) == 3, "delivery after the kill")
            return received

    with caplog.at_level(logging.WARNING, logger="liveline.broker.redis"):
        received = asyncio.run(scenario())

    assert [(e.blog_id, e.seq) for e in received] == [(1, 1), (1, 2), (2, 1)]
    assert "lost the Redis pub/sub connection" in caplog.text
    assert "reconnected to Redis; subscribed to 2 blogs" in caplog.text


class Relay:
    """A TCP relay to Redis that can be cut and restored, as a network or a restart would."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []
        self.frozen: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def down(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.close()
        await self.server.wait_closed()
        self.writers.clear()

    def freeze(self) -> None:
        """Open connections go silent, as behind a dead NAT: nothing passes, nothing errors."""
        self.frozen.update(self.writers)

    async def _relay(self, client_in: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        redis_in, to_redis = await asyncio.open_connection(REDIS_HOST, REDIS_PORT)
        self.writers += [client, to_redis]

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    if sink not in self.frozen:
                        sink.write(data)
                        await sink.drain()
            except OSError:
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(client_in, to_redis), pipe(redis_in, client))


def test_publish_while_redis_is_unreachable_returns_and_delivery_resumes_after(
    redis_url: str, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> tuple[list[Event], list[Event], float]:
        relay = Relay()
        await relay.up()
        try:
            async with nodes(relay.url, prefix) as (a, b):
                on_a: list[Event] = []
                on_b: list[Event] = []
                a.subscribe(1, on_a.append)
                b.subscribe(1, on_b.append)
                await until_subscribers(b.channel(1), 2)
                await a.publish(event(1))
                await until(lambda: len(on_b) == 1, "delivery before the outage")

                await relay.down()
                started = time.monotonic()
                await a.publish(event(2))  # must neither raise nor hang: the post is committed
                outage_publish = time.monotonic() - started

                await relay.up()
                await until_subscribers(b.channel(1), 2, within=10)  # both back, with backoff
                await a.publish(event(3))
                await until(lambda: len(on_b) == 2, "delivery after the outage")
                return on_a, on_b, outage_publish
        finally:
            await relay.down()

    with caplog.at_level(logging.WARNING, logger="liveline.broker.redis"):
        on_a, on_b, outage_publish = asyncio.run(scenario())

    assert outage_publish < 3.0
    assert "Redis publish of blog 1 seq 2 failed" in caplog.text
    assert [e.seq for e in on_a] == [1, 2, 3]  # the publishing node's readers never noticed
    assert [e.seq for e in on_b] == [1, 3]  # 2 was lost in Redis; the log fills that gap


def test_a_connection_gone_silent_is_noticed_and_replaced(
    redis_url: str, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> list[Event]:
        relay = Relay()
        await relay.up()
        try:
            async with (
                nodes(redis_url, prefix, n=1) as (a,),
                nodes(relay.url, prefix, n=1, ping_seconds=0.2) as (b,),
            ):
                received: list[Event] = []
                b.subscribe(1, received.append)
                await until_subscribers(b.channel(1), 1)
                await a.publish(event(1))
                await until(lambda: len(received) == 1, "delivery before the silence")

                relay.freeze()  # no error, no EOF: only the missing PING replies tell
                await until(lambda: "reconnected to Redis" in caplog.text, "a reconnection")
                await a.publish(event(2))
                await until(lambda: len(received) == 2, "delivery on the new connection")
                return received
        finally:
            await relay.down()

    with caplog.at_level(logging.WARNING, logger="liveline.broker.redis"):
        received = asyncio.run(scenario())

    assert [e.seq for e in received] == [1, 2]
    assert "no reply from Redis in 0.6 s" in caplog.text


def test_start_names_the_setting_when_redis_is_unreachable() -> None:
    closed_port = free_port()
    broker = RedisBroker(f"redis://:s3cret@127.0.0.1:{closed_port}/0")
    with pytest.raises(ConnectionError) as failure:
        asyncio.run(broker.start())
    message = str(failure.value)
    assert f"LIVELINE_BROKER_URL=redis://:***@127.0.0.1:{closed_port}/0" in message
    assert "s3cret" not in message  # the password stays out of logs


def test_make_broker_picks_redis_and_keeps_databases_apart() -> None:
    # Redis pub/sub ignores the database number, so the channel names carry it.
    on_db5 = make_broker("redis://127.0.0.1:6379/5")
    assert isinstance(on_db5, RedisBroker)
    assert on_db5.channel(7) == "liveline:5:blog:7"
    assert make_broker("redis://127.0.0.1:6379").channel(7) == "liveline:0:blog:7"
    assert make_broker("rediss://cache.example:6380/0?prefix=desk:").channel(7) == "desk:blog:7"
    with pytest.raises(ValueError, match="memory://"):
        make_broker("amqp://127.0.0.1/")


def test_desk_notices_cross_nodes_on_their_own_channel_never_a_readers(
    redis_url: str, prefix: str
) -> None:
    notice = DeskNotice(1, 7, PostStatus.DRAFT, 3, 1, public=False)

    async def scenario() -> tuple[list[DeskNotice], list[Event]]:
        async with nodes(redis_url, prefix) as (a, b):
            desk: list[DeskNotice] = []
            readers: list[Event] = []
            b.listen(1, desk.append)
            b.subscribe(1, readers.append)
            await until_subscribers(b.desk_channel(1), 1)
            await until_subscribers(b.channel(1), 1)
            await a.notify(notice)
            await a.publish(event(1))
            await until(lambda: desk and readers, "the notice and the event")
            await asyncio.sleep(0.1)  # nothing else follows
            return desk, readers

    desk, readers = asyncio.run(scenario())
    assert desk == [notice]  # whole, once
    assert [e.seq for e in readers] == [1]  # the reader's channel carried the event alone
