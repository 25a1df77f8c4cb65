"""The console's private event stream (/edit/{slug}/events), end to end: two `liveline serve`
processes on one PostgreSQL database with Redis as the broker, people signed in through the
sign-in form, and real SSE clients on both nodes.

A reporter's draft reaches her own console and an editor's, on either node, and no one
else's: not another reporter's console, not the public stream, not the polling endpoint.
A contribution entering the queue reaches editors, and its approval reaches readers.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import pytest
from httpx_sse import connect_sse

from liveline.config import Settings
from liveline.model import Role
from liveline.service import open_service
from tests.harness import LiveServer, auth, emptied, reachable_redis
from tests.newsroom import PASSWORD, SECRET, cheap_hashing  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
CSRF = re.compile(r'name="csrf" value="([^"]*)"')
WAIT = 15.0
SLUG = "desk-live"
PEOPLE = {
    "ed": Role.EDITOR,
    "ana": Role.REPORTER,
    "ben": Role.REPORTER,
    "cara": Role.CONTRIBUTOR,
}


@dataclass
class Collected:
    """The events one SSE client has received so far, read by a thread of its own."""

    events: list[tuple[str, dict]] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    status: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)

    def add(self, kind: str, data: dict) -> None:
        with self.changed:
            self.events.append((kind, data))
            self.changed.notify_all()

    def wait_for(self, test: Callable[[str, dict], bool], what: str) -> tuple[str, dict]:
        deadline = time.monotonic() + WAIT
        with self.changed:
            while True:
                for kind, data in self.events:
                    if test(kind, data):
                        return kind, data
                left = deadline - time.monotonic()
                assert left > 0, f"no {what} in {self.events}"
                self.changed.wait(left)

    def text(self) -> str:
        with self.changed:
            return json.dumps(self.events)


@dataclass
class Person:
    server: LiveServer
    http: httpx.Client
    csrf: str = ""

    def form(self, path: str, **fields: object) -> httpx.Response:
        return self.http.post(path, data={"csrf": self.csrf, **fields})


def sign_in(server: LiveServer, name: str) -> Person:
    http = httpx.Client(base_url=server.url, timeout=WAIT, follow_redirects=True)
    page = http.get("/login")
    token = CSRF.search(page.text)
    assert token, page.text
    signed = http.post(
        "/login", data={"csrf": token[1], "name": name, "password": PASSWORD, "next": "/edit"}
    )
    assert signed.url.path == "/edit", signed.text
    person = Person(server, http)
    desk = http.get(f"/edit/{SLUG}")
    found = CSRF.search(desk.text)
    assert found
    person.csrf = found[1]
    return person


@contextmanager
def listening(url: str, cookies: httpx.Cookies | None = None) -> Iterator[Collected]:
    """An SSE client on `url` (with a person's cookies, or none), in a thread of its own."""
    got = Collected()
    stop = threading.Event()

    def read() -> None:
        with (
            httpx.Client(timeout=httpx.Timeout(WAIT, read=None), cookies=cookies) as client,
            connect_sse(client, "GET", url) as source,
        ):
            got.status = source.response.status_code
            got.ready.set()
            if got.status != 200:
                return
            for sse in source.iter_sse():
                if stop.is_set():
                    return
                got.add(sse.event, json.loads(sse.data) if sse.data else {})

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert got.ready.wait(WAIT), f"{url} did not answer"
    try:
        yield got
    finally:
        stop.set()


def console_stream(person: Person) -> Iterator[Collected]:
    return listening(f"{person.server.url}/edit/{SLUG}/events", person.http.cookies)


@pytest.fixture(scope="module")
def nodes(
    postgres_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, LiveServer]]:
    postgres_url = emptied(postgres_database)
    where = tmp_path_factory.mktemp("console-nodes")
    prefix = f"liveline-test-{uuid.uuid4().hex[:12]}:"  # pub/sub ignores the db number
    env = {
        "LIVELINE_BROKER_URL": f"{reachable_redis(6)}?prefix={prefix}",
        "LIVELINE_SECRET_KEY": SECRET,
        "LIVELINE_STREAM_HEARTBEAT_SECONDS": "1",
    }
    a, b = (LiveServer(postgres_url, where / f"{n}.log", env) for n in ("a", "b"))
    try:
        a.start()  # first: it migrates the database
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()


@pytest.fixture(scope="module")
def tokens(nodes: tuple[LiveServer, LiveServer]) -> dict[str, dict[str, str]]:
    service = open_service(Settings(database_url=nodes[0].database_url))
    try:
        made = {}
        for name, role in PEOPLE.items():
            service.accounts.add_user(name, role, name.title())
            service.accounts.set_password(name, PASSWORD)
            made[name] = auth(service.accounts.create_token(name))
    finally:
        service.close()
    created = httpx.post(
        f"{nodes[0].url}/api/blogs",
        json={"slug": SLUG, "title": "Desk live"},
        headers=made["ed"],
        timeout=WAIT,
    )
    assert created.status_code == 201, created.text
    return made


@pytest.fixture(scope="module")
def people(
    nodes: tuple[LiveServer, LiveServer], tokens: dict[str, dict[str, str]]
) -> dict[str, Person]:
    a, b = nodes
    return {"ed": sign_in(a, "ed"), "ana": sign_in(b, "ana"), "ben": sign_in(a, "ben"),
            "cara": sign_in(b, "cara"), "ed on b": sign_in(b, "ed")}  # fmt: skip


def api_post(server: LiveServer, headers: dict[str, str], **fields: object) -> dict:
    made = httpx.post(
        f"{server.url}/api/blogs/{SLUG}/posts", json=fields, headers=headers, timeout=WAIT
    )
    assert made.status_code == 201, made.text
    return made.json()


def saved(post_id: int) -> Callable[[str, dict], bool]:
    return lambda kind, data: kind == "post" and data["id"] == post_id


def test_a_draft_reaches_its_author_and_editors_on_both_nodes_and_no_one_else(
    nodes: tuple[LiveServer, LiveServer],
    people: dict[str, Person],
    tokens: dict[str, dict[str, str]],
) -> None:
    a, b = nodes
    secret = f"Embargoed {uuid.uuid4().hex[:8]}"
    with (
        console_stream(people["ed"]) as editor,  # node a, the draft is saved on node b
        console_stream(people["ed on b"]) as editor_b,
        console_stream(people["ana"]) as author,
        console_stream(people["ben"]) as other,
        listening(f"{a.url}/blogs/{SLUG}/events") as public_a,
        listening(f"{b.url}/blogs/{SLUG}/events") as public_b,
    ):
        for stream in (editor, editor_b, author, other):
            assert stream.status == 200
            stream.wait_for(lambda kind, _: kind == "hello", "hello")
        draft = people["ana"].form(
            f"/edit/{SLUG}/posts", headline=secret, body="Not yet.", action="draft"
        )
        assert draft.status_code == 200 and draft.url.params["tab"] == "drafts", draft.text
        post_id = int(draft.url.params["saved"])

        for stream in (editor, editor_b, author):
            _, row = stream.wait_for(saved(post_id), "the draft")
            assert row["headline"] == secret and row["status"] == "draft"

        # Then a public post, through node a: once everyone has it, the draft would have
        # come before it (each stream is in order), had it come at all.
        marker = api_post(a, tokens["ed"], headline="Polls open", body="At 7 a.m.")
        other.wait_for(saved(marker["id"]), "the published post")
        for public in (public_a, public_b):
            public.wait_for(lambda kind, data: data.get("post_id") == marker["id"], "the post")
            assert secret not in public.text()
        assert secret not in other.text()
        assert post_id not in [data.get("id") for _, data in other.events]
        _, told = editor.wait_for(
            lambda kind, data: kind == "public" and data["post_id"] == marker["id"], "the event"
        )
        assert told["type"] == "post.published" and set(told) == {"seq", "type", "post_id"}

    for server in nodes:
        polled = httpx.get(f"{server.url}/api/blogs/{SLUG}/events", timeout=WAIT)
        assert polled.status_code == 200 and marker["headline"] in polled.text
        assert secret not in polled.text
        for page in ("/blogs/" + SLUG, f"/blogs/{SLUG}/feed.atom", f"/blogs/{SLUG}/feed.json"):
            shown = httpx.get(server.url + page, timeout=WAIT)
            assert secret not in shown.text


def test_a_contribution_entering_the_queue_reaches_editors_and_its_approval_readers(
    nodes: tuple[LiveServer, LiveServer],
    people: dict[str, Person],
) -> None:
    a, _ = nodes
    words = f"From the scene {uuid.uuid4().hex[:8]}"
    with (
        console_stream(people["ed"]) as editor,
        console_stream(people["ben"]) as reporter,
        console_stream(people["cara"]) as contributor,
        listening(f"{a.url}/blogs/{SLUG}/events") as public,
    ):
        for stream in (editor, reporter, contributor):
            stream.wait_for(lambda kind, _: kind == "hello", "hello")
        sent = people["cara"].form(
            f"/edit/{SLUG}/posts", headline=words, body="Smoke.", action="submit"
        )
        assert sent.url.params["tab"] == "queue", sent.text
        post_id = int(sent.url.params["saved"])
        _, row = editor.wait_for(saved(post_id), "the contribution")
        assert row["status"] == "submitted" and row["headline"] == words
        contributor.wait_for(saved(post_id), "the contribution, for its author")

        # The editor on node b approves it: it leaves the queue, and readers see it.
        ed_b = people["ed on b"]
        approved = ed_b.form(f"/edit/{SLUG}/posts/{post_id}/approve", version=row["version"])
        assert approved.status_code == 200, approved.text
        editor.wait_for(
            lambda kind, data: saved(post_id)(kind, data) and data["status"] == "published",
            "the approval",
        )
        public.wait_for(lambda kind, data: data.get("post_id") == post_id, "the approved post")
        # The reporter never saw it waiting; she sees it published.
        reporter.wait_for(saved(post_id), "the published contribution")
        statuses = [data["status"] for kind, data in reporter.events if saved(post_id)(kind, data)]
        assert statuses == ["published"]


def test_a_scheduled_post_deleted_is_gone_for_those_who_saw_it(
    nodes: tuple[LiveServer, LiveServer],
    people: dict[str, Person],
    tokens: dict[str, dict[str, str]],
) -> None:
    a, _ = nodes
    later = api_post(
        a, tokens["ed"], headline="Tomorrow", body="At noon.", status="scheduled",
        publish_at="2099-01-01T12:00:00Z",
    )  # fmt: skip
    with console_stream(people["ben"]) as reporter:
        reporter.wait_for(lambda kind, _: kind == "hello", "hello")
        gone = httpx.delete(
            f"{a.url}/api/blogs/{SLUG}/posts/{later['id']}",
            headers={**tokens["ed"], "If-Match": str(later["version"])},
            timeout=WAIT,
        )
        assert gone.status_code in (200, 204), gone.text
        reporter.wait_for(
            lambda kind, data: kind == "gone" and data == {"id": later["id"]}, "the deletion"
        )


def test_the_console_stream_is_for_signed_in_people_and_ends_with_their_session(
    nodes: tuple[LiveServer, LiveServer],
) -> None:
    a, _ = nodes
    with listening(f"{a.url}/edit/{SLUG}/events") as nobody:
        assert nobody.status == 401
    person = sign_in(a, "ben")
    with console_stream(person) as stream:
        stream.wait_for(lambda kind, _: kind == "hello", "hello")
        out = person.form("/logout")
        assert out.status_code == 200, out.text
        stream.wait_for(lambda kind, _: kind == "signed-out", "the end of the session")
