"""The doorbell across machines: Redis pub/sub, one channel per blog.

A message carries the whole event, so other nodes render it without a database read.
Redis may lose, repeat or reorder messages (a dropped connection, a restart): a channel
skips seqs it has sent and fills gaps from the log, so here Redis trouble is only logged,
never passed on to a writer or a reader. One pub/sub connection serves the whole process.

Pub/sub ignores the database number, so it goes into the channel names: /0 and /1 of one
Redis never hear each other. `?prefix=name:` in the URL replaces the default prefix, for
deployments that share a database.

The console's desk notices (which post changed, no words) go on a channel of their own per
blog, `desk:<id>`, which no reader's stream ever subscribes to.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from liveline.broker.base import DeskListener, Listener
from liveline.model import DeskNotice, Event, EventType

log = logging.getLogger(__name__)

FIRST_RETRY, LAST_RETRY = 0.1, 5.0  # seconds between reconnection attempts, doubling
CONNECT_TIMEOUT, COMMAND_TIMEOUT = 2.0, 5.0  # seconds; a writer waits no longer
Unavailable = (RedisError, OSError)  # OSError includes ConnectionError and TimeoutError


class RedisBroker:
    def __init__(self, url: str, prefix: str | None = None, ping_seconds: float = 10.0) -> None:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        url_prefix = query.pop("prefix", None)
        self._url = urlunsplit(parts._replace(query=urlencode(query)))
        self.prefix = prefix or url_prefix or f"liveline:{parse_url(self._url).get('db', 0)}:"
        # A quiet connection is pinged this often; after two unanswered pings it is replaced.
        self.ping_seconds = ping_seconds
        self._node = uuid.uuid4().hex[:12]  # to recognise our own messages coming back
        self._listeners: dict[int, list[Listener]] = {}
        self._desk: dict[int, list[DeskListener]] = {}
        self._subscribed: set[str] = set()  # channels subscribed on the current connection
        self._lock = asyncio.Lock()  # one subscription change at a time, in order
        self._redis: Redis | None = None  # commands (PUBLISH)
        self._sub: Redis | None = None  # the pool the pub/sub connection comes from
        self._pubsub: PubSub | None = None  # None while (re)connecting
        self._reader: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.on_reconnect: Callable[[], object] = lambda: None  # metrics count these

    def channel(self, blog_id: int) -> str:
        return f"{self.prefix}blog:{blog_id}"

    def desk_channel(self, blog_id: int) -> str:
        return f"{self.prefix}desk:{blog_id}"

    async def start(self) -> None:
        # One quick retry for commands (a pooled connection may predate a Redis restart).
        # None at all for pub/sub, not even redis-py's quiet reconnection: that one is ours,
        # done once, in one place, with the subscriptions and the log lines that go with it.
        self._redis = Redis.from_url(
            self._url,
            retry=Retry(NoBackoff(), 1),
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=COMMAND_TIMEOUT,
        )
        # Named, so that CLIENT LIST tells whose pub/sub connection it is.
        name = "".join(c if "!" <= c <= "~" else "_" for c in self.prefix) + "pubsub"
        self._sub = Redis.from_url(
            self._url,
            retry=Retry(NoBackoff(), 0, supported_errors=()),
            client_name=name,
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=COMMAND_TIMEOUT,
        )
        try:
            await self._redis.ping()
            pubsub = await self._connect()
        except Unavailable as exc:
            await self.close()
            raise ConnectionError(
                f"cannot reach Redis at LIVELINE_BROKER_URL={_redact(self._url)}: {exc}"
            ) from exc
        self._reader = asyncio.create_task(self._read(pubsub))

    async def close(self) -> None:
        for task in [self._reader, *self._tasks]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._reader = None
        await self._drop()
        for client in (self._redis, self._sub):
            if client is not None:
                await client.aclose()
        self._redis = self._sub = None
        self._listeners.clear()
        self._desk.clear()

    async def publish(self, event: Event) -> None:
        message = _encode(event, self._node)
        self._dispatch(event)  # readers on this node need not wait for, or on, Redis
        if self._redis is None:
            return  # not started (a CLI import): no other node is listening through us
        try:
            await self._redis.publish(self.channel(event.blog_id), message)
        except Unavailable as exc:
            # The event is committed to the log; other nodes catch up from it on their next.
            log.warning(
                "Redis publish of blog %s seq %s failed: %s", event.blog_id, event.seq, _why(exc)
            )

    async def notify(self, notice: DeskNotice) -> None:
        self._dispatch_desk(notice)
        if self._redis is None:
            return
        message = json.dumps({**notice.to_json(), "node": self._node}, separators=(",", ":"))
        try:
            await self._redis.publish(self.desk_channel(notice.blog_id), message)
        except Unavailable as exc:  # the consoles elsewhere refetch when they reconnect
            log.warning("Redis desk notice of blog %s failed: %s", notice.blog_id, _why(exc))

    def listen(self, blog_id: int, listener: DeskListener) -> Callable[[], None]:
        listeners = self._desk.setdefault(blog_id, [])
        listeners.append(listener)
        if len(listeners) == 1:
            self._sync_soon()

        def unlisten() -> None:
            listeners = self._desk.get(blog_id, [])
            if listener in listeners:
                listeners.remove(listener)
                if not listeners:
                    del self._desk[blog_id]
                    self._sync_soon()

        return unlisten

    def subscribe(self, blog_id: int, listener: Listener) -> Callable[[], None]:
        listeners = self._listeners.setdefault(blog_id, [])
        listeners.append(listener)
        if len(listeners) == 1:
            self._sync_soon()

        def unsubscribe() -> None:
            listeners = self._listeners.get(blog_id, [])
            if listener in listeners:
                listeners.remove(listener)
                if not listeners:
                    del self._listeners[blog_id]
                    self._sync_soon()

        return unsubscribe

    # The pub/sub connection

    async def _connect(self) -> PubSub:
        assert self._sub is not None
        pubsub = self._sub.pubsub()
        try:
            await pubsub.connect()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
        except BaseException:
            await pubsub.aclose()  # type: ignore[no-untyped-call]
            raise
        async with self._lock:
            self._pubsub, self._subscribed = pubsub, set()
        await self._sync()
        return pubsub

    async def _drop(self) -> None:
        async with self._lock:  # after any subscription change in flight on it
            pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(*Unavailable):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _sync(self) -> None:
        """Makes the connection's subscriptions match the blogs that have listeners."""
        async with self._lock:
            pubsub = self._pubsub
            if pubsub is None:
                return  # reconnecting: the new connection subscribes to all of them
            wanted = {*map(self.channel, self._listeners), *map(self.desk_channel, self._desk)}
            if add := wanted - self._subscribed:
                await pubsub.subscribe(*add)
                self._subscribed |= add
            if drop := self._subscribed - wanted:
                await pubsub.unsubscribe(*drop)
                self._subscribed -= drop

    def _sync_soon(self) -> None:
        if self._pubsub is None:
            return  # not started, or reconnecting: subscribing happens on connect

        async def sync() -> None:
            try:
                await self._sync()
            except Unavailable as exc:  # the reader sees the same failure and reconnects
                log.debug("Redis subscription change failed: %s", _why(exc))

        task = asyncio.get_running_loop().create_task(sync())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read(self, pubsub: PubSub) -> None:
        while True:
            try:
                await self._listen(pubsub)
            except Unavailable as exc:
                log.warning("lost the Redis pub/sub connection (%s); reconnecting", _why(exc))
            except Exception:  # whatever it was, this process must not go deaf
                log.exception("the Redis reader failed; reconnecting")
            await self._drop()
            delay = FIRST_RETRY
            while True:
                await asyncio.sleep(delay)
                try:
                    pubsub = await self._connect()
                    break
                except Unavailable as exc:
                    await self._drop()
                    delay = min(delay * 2, LAST_RETRY)
                    log.warning(
                        "Redis still unreachable (%s); next try in %.1f s", _why(exc), delay
                    )
            blogs = len(self._listeners.keys() | self._desk.keys())
            log.warning("reconnected to Redis; subscribed to %d blogs", blogs)
            self.on_reconnect()

    async def _listen(self, pubsub: PubSub) -> None:
        unanswered = 0
        while True:
            message = await pubsub.get_message(timeout=self.ping_seconds)
            if message is None:
                if unanswered == 2:  # a half-open connection never errors by itself
                    raise ConnectionError(f"no reply from Redis in {3 * self.ping_seconds:g} s")
                unanswered += 1
                await pubsub.ping()
                continue
            unanswered = 0
            if message["type"] == "message" and self._is_desk(message["channel"]):
                self._desk_message(message["data"])
            elif message["type"] == "message":
                try:
                    node, event = _decode(message["data"])
                except (ValueError, KeyError, TypeError) as exc:
                    log.warning("ignored a malformed message on %s: %r", message["channel"], exc)
                    continue
                if node != self._node:
                    self._dispatch(event)

    def _is_desk(self, channel: bytes | str) -> bool:
        name = channel.decode() if isinstance(channel, bytes) else channel
        return name.startswith(f"{self.prefix}desk:")

    def _desk_message(self, data: bytes) -> None:
        try:
            message = json.loads(data)
            notice = DeskNotice.from_json(message)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignored a malformed desk notice: %r", exc)
            return
        if message.get("node") != self._node:
            self._dispatch_desk(notice)

    def _dispatch_desk(self, notice: DeskNotice) -> None:
        for listener in list(self._desk.get(notice.blog_id, ())):
            try:
                listener(notice)
            except Exception:
                log.exception("desk listener failed for blog %s", notice.blog_id)

    def _dispatch(self, event: Event) -> None:
        for listener in list(self._listeners.get(event.blog_id, ())):
            try:
                listener(event)
            except Exception:  # one broken listener must not silence the others
                log.exception("broker listener failed for blog %s", event.blog_id)


def _encode(event: Event, node: str) -> str:
    created_at = event.created_at.isoformat()
    message = {**vars(event), "type": str(event.type), "created_at": created_at, "node": node}
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def _decode(data: bytes) -> tuple[str | None, Event]:
    # Field by field: a newer node may add fields, and an older one must still hear it.
    message = json.loads(data)
    event = Event(
        blog_id=int(message["blog_id"]),
        seq=int(message["seq"]),
        type=EventType(message["type"]),
        post_id=message["post_id"],
        payload=message["payload"],
        created_at=datetime.fromisoformat(message["created_at"]),
    )
    return message.get("node"), event


def _why(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))
