"""Hostile text written through the console, read back everywhere it is shown.

tests/test_xss.py sends its payloads through the API and reads the reader's side. Here the
same payloads go in through the console's own forms — the compose box (every field, the
image too), a blog's settings, a contribution's return note, a person's display name, an API
token's label — on one real `liveline serve`, and are read back from the console's pages
(the blog list, the desk and each of its tabs, the edit page, the history, the preview, the
people and token pages), the post's own page, the real SSE stream, the polling answer and
the feeds. None may hold a script, a handler, a script URL or an element Liveline did not
put there; and each payload's marker must be on the page, so a payload that never arrived
cannot pass for one that was made harmless.
"""

from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from httpx_sse import connect_sse

from liveline.config import Settings
from liveline.model import Limit, Role
from liveline.service import open_service
from tests.harness import LiveServer
from tests.newsroom import PASSWORD, cheap_hashing  # noqa: F401  (the fixture)
from tests.test_xss import ACTIVE_TAGS, PAYLOADS, Inspector, inspect

CSRF = re.compile(r'name="csrf" value="([^"]*)"')
CHUNK = 35  # payloads a blog: the desk shows 50 posts, the feeds 50
HOSTILE_PEOPLE = 6  # people signed in under a hostile display name
WAIT = 20.0
# The console's own forms, inputs and buttons are in every page; an injected one would need
# a handler or a script URL to do harm, and those are looked for on every element.
CONSOLE_CONTROLS = {"form", "input", "button", "textarea", "select"}
CONSOLE_OWN = Counter({"details": 1})  # the compose box's image fields


def marker(i: int) -> str:
    return f"mk{i:03d}x"


class Text(HTMLParser):
    """A page's text as a browser shows it (entities decoded), scripts aside."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.values.extend(value for name, value in attrs if name == "value" and value)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(html: str) -> str:
    parser = Text()
    parser.feed(html)
    return "\n".join(parser.parts + parser.values)


def check_console(html: str, where: str, markers: list[str]) -> None:
    """No script, handler or script URL; no active element beyond the console's controls;
    and every marker there (in the text or a form field's value)."""
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    extra = {
        tag: n for tag, n in (inspector.active - CONSOLE_OWN).items() if tag not in CONSOLE_CONTROLS
    }
    assert not inspector.problems and not extra, f"{where}: {inspector.problems[:5]} {extra}"
    assert set(ACTIVE_TAGS) >= CONSOLE_CONTROLS
    shown = text_of(html)
    missing = [m for m in markers if m not in shown]
    assert not missing, f"{where}: payloads never shown: {missing[:5]}"


class Person:
    def __init__(self, server: LiveServer, name: str) -> None:
        self.http = httpx.Client(base_url=server.url, timeout=WAIT, follow_redirects=True)
        token = CSRF.search(self.http.get("/login").text)
        assert token
        signed = self.http.post(
            "/login", data={"csrf": token[1], "name": name, "password": PASSWORD, "next": "/edit"}
        )
        assert signed.url.path == "/edit", signed.text
        found = CSRF.search(signed.text)
        assert found
        self.csrf = found[1]
        self.page = signed.text

    def form(self, path: str, **fields: object) -> httpx.Response:
        return self.http.post(path, data={"csrf": self.csrf, **fields})

    def submit(self, path: str, **fields: object) -> httpx.URL:
        """A form whose redirect is not followed: where it leads. (The fixture's hundreds of
        writes would each render the desk they lead to; the tests read every page after.)"""
        sent = self.http.post(path, data={"csrf": self.csrf, **fields}, follow_redirects=False)
        assert sent.status_code == 303, (path, sent.status_code, sent.text[:300])
        return httpx.URL(sent.headers["location"])


def compose_fields(i: int, payload: str) -> dict[str, str]:
    return {
        "headline": f"{marker(i)} {payload}"[: Limit.HEADLINE],
        "body": f"{marker(i)} before.\n\n{payload}\n\nAfter.",
        "authors": payload[:200],
        "location": payload[:200],
        "contributors": payload[:200],
        "image_url": "https://img.example/a.jpg",
        "image_caption": payload,
        "image_credit": payload[:300],
        "image_alt": payload,
    }


class Story:
    """What the fixture made: the server, its people, and the blogs and posts of each chunk."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.people: dict[str, Person] = {}
        self.blogs: list[tuple[str, list[int]]] = []  # slug, the payloads' indexes
        self.posts: dict[int, int] = {}  # payload index → its published post's id
        self.returned: dict[int, int] = {}  # payload index → its returned contribution's id
        self.deleted: list[int] = []


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    where: Path = tmp_path_factory.mktemp("xss-console")
    server = LiveServer(
        f"sqlite:///{where / 'x.db'}", where / "server.log", {"LIVELINE_PAGE_SIZE": "200"}
    )
    server.start()
    try:
        service = open_service(Settings(database_url=server.database_url))
        try:
            accounts = service.accounts
            for name, role in (("ed", Role.EDITOR), ("root", Role.ADMIN),
                               ("cara", Role.CONTRIBUTOR)):  # fmt: skip
                accounts.add_user(name, role, name.title())
                accounts.set_password(name, PASSWORD)
            for i, payload in enumerate(PAYLOADS):
                # Every payload a display name; a few of these people sign in.
                accounts.add_user(f"h{i}", Role.REPORTER, f"{marker(i)} {payload}"[: Limit.NAME])
                if i < HOSTILE_PEOPLE:
                    accounts.set_password(f"h{i}", PASSWORD)
        finally:
            service.close()
        made = Story(server)
        made.people = {name: Person(server, name) for name in ("ed", "root", "cara")}
        ed, cara = made.people["ed"], made.people["cara"]
        for start in range(0, len(PAYLOADS), CHUNK):
            indexes = list(range(start, min(start + CHUNK, len(PAYLOADS))))
            first = PAYLOADS[start]
            opened = ed.submit(
                "/edit/blogs",
                title=f"{marker(start)} {first}"[:300],
                slug=f"hostile-{start}",
                authors=PAYLOADS[start + 1][:200],
                organization=PAYLOADS[start + 2][:200],
            )
            assert opened.path == f"/edit/hostile-{start}", opened
            slug = f"hostile-{start}"
            for i in indexes:
                fields = compose_fields(i, PAYLOADS[i])
                sent = ed.submit(f"/edit/{slug}/posts", **fields, action="publish")
                assert sent.path == f"/edit/{slug}" and "saved" in sent.params, (i, sent)
                made.posts[i] = int(sent.params["saved"])
                waiting = cara.submit(f"/edit/{slug}/posts", **fields, action="submit")
                post_id = int(waiting.params["saved"])
                back = ed.submit(
                    f"/edit/{slug}/posts/{post_id}/return",
                    version=1,
                    note=f"{marker(i)} {PAYLOADS[i]}"[: Limit.NOTE],
                )
                assert back.path.startswith("/edit/"), (i, back)
                made.returned[i] = post_id
            # The first of each chunk is deleted as well (the Deleted tab shows it).
            doomed = ed.submit(
                f"/edit/{slug}/posts", **compose_fields(start, first), action="publish"
            )
            doomed_id = int(doomed.params["saved"])
            gone = ed.submit(f"/edit/{slug}/posts/{doomed_id}/delete", version=1)
            assert gone.path.startswith("/edit/"), gone
            made.deleted.append(doomed_id)
            made.blogs.append((slug, indexes))
        for i, payload in enumerate(PAYLOADS[:20]):
            token = ed.form("/edit/_tokens", label=f"{marker(i)} {payload}"[: Limit.TOKEN_LABEL])
            assert token.status_code == 201, token.text
        yield made
    finally:
        server.stop()


def markers_of(indexes: list[int]) -> list[str]:
    return [marker(i) for i in indexes]


def test_the_desk_and_its_tabs_show_every_payload_as_text(story: Story) -> None:
    ed, cara = story.people["ed"], story.people["cara"]
    blog_list = ed.http.get("/edit").text
    check_console(blog_list, "/edit", [marker(start) for start in range(0, len(PAYLOADS), CHUNK)])
    for slug, indexes in story.blogs:
        check_console(ed.http.get(f"/edit/{slug}").text, f"/edit/{slug}", markers_of(indexes))
        # The returned contributions, with their notes, for the editor and their author.
        for person, who in ((ed, "editor"), (cara, "contributor")):
            drafts = person.http.get(f"/edit/{slug}?tab=drafts")
            assert drafts.status_code == 200
            check_console(drafts.text, f"{slug} drafts ({who})", markers_of(indexes))
            assert drafts.text.count('class="desk-post__note"') == len(indexes)
        deleted = ed.http.get(f"/edit/{slug}?tab=deleted").text
        check_console(deleted, f"{slug} deleted", [marker(indexes[0])])
        for tab in ("scheduled", "queue"):
            check_console(ed.http.get(f"/edit/{slug}?tab={tab}").text, f"{slug} {tab}", [])


def test_each_posts_edit_page_and_history_show_it_as_text(story: Story) -> None:
    ed = story.people["ed"]
    for slug, indexes in story.blogs:
        for i in indexes:
            post = f"/edit/{slug}/posts/{story.posts[i]}"
            edit = ed.http.get(post)
            assert edit.status_code == 200
            check_console(edit.text, post, [marker(i)])
            history = ed.http.get(post + "/history")
            assert history.status_code == 200
            check_console(history.text, post + "/history", [marker(i)])


def test_the_preview_renders_every_payload_safely(story: Story) -> None:
    ed = story.people["ed"]
    slug, _ = story.blogs[0]
    for i, payload in enumerate(PAYLOADS):
        shown = ed.form(f"/edit/{slug}/preview", **compose_fields(i, payload))
        assert shown.status_code == 200
        inspect(shown.text, f"preview of payload {i}")
        assert marker(i) in text_of(shown.text)
    for url in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
                "\tjavascript:alert(1)", "vbscript:msgbox(1)", "VBSCRIPT:msgbox(1)",
                "data:text/html,<script>alert(1)</script>", "DATA:image/svg+xml,<svg>",
                "java\nscript:alert(1)"):  # fmt: skip
        fields = {**compose_fields(0, "x"), "image_url": url}
        shown = ed.form(f"/edit/{slug}/preview", **fields)
        inspect(shown.text, f"preview with image {url!r}")
        assert "<img" not in shown.text, url  # an address not accepted is not shown
        refused = ed.form(f"/edit/{slug}/posts", **fields, action="draft")
        assert refused.status_code == 422 and "saved" not in refused.url.params, url


def test_hostile_display_names_and_token_labels_stay_text(story: Story) -> None:
    root = story.people["root"]
    people = root.http.get("/edit/_people").text
    check_console(people, "/edit/_people", markers_of(list(range(len(PAYLOADS)))))
    names = root.http.get("/edit/_names")
    found = names.json()["people"]  # still one JSON document
    assert len([p for p in found if p["name"].startswith("h")]) == len(PAYLOADS)
    tokens = story.people["ed"].http.get("/edit/_tokens").text
    check_console(tokens, "/edit/_tokens", markers_of(list(range(20))))
    slug, _ = story.blogs[0]
    for i in range(HOSTILE_PEOPLE):
        person = Person(story.server, f"h{i}")
        # The header names them; the compose box's byline starts as their display name.
        check_console(person.page, f"/edit as h{i}", [marker(i)])
        desk = person.http.get(f"/edit/{slug}").text
        check_console(desk, f"/edit/{slug} as h{i}", [marker(i)])
        account = person.http.get("/edit/_account").text
        check_console(account, f"/edit/_account as h{i}", [marker(i)])


def test_the_settings_page_shows_the_blogs_fields_as_text(story: Story) -> None:
    ed = story.people["ed"]
    for start in range(0, len(PAYLOADS), CHUNK):
        page = ed.http.get(f"/edit/hostile-{start}/settings").text
        check_console(page, f"hostile-{start}/settings", [marker(start)])


def test_readers_see_the_console_made_posts_safely_everywhere(story: Story) -> None:
    base = story.server.url
    with httpx.Client(base_url=base, timeout=WAIT) as http:
        landing = http.get("/").text
        inspect(landing, "/", Inspector().active)
        assert "hostile-0" in landing
        clean = Inspector()
        clean.feed(http.get(f"/blogs/{story.blogs[0][0]}").text)
        for slug, indexes in story.blogs:
            page = http.get(f"/blogs/{slug}").text
            inspect(page, f"/blogs/{slug}", clean.active)
            assert all(m in text_of(page) for m in markers_of(indexes))
            for i in indexes:
                path = f"/blogs/{slug}/posts/{story.posts[i]}"
                post = http.get(path)
                assert post.status_code == 200, path
                found = inspect(post.text, path, clean.active)
                assert len(found.jsonld) >= 1 and marker(i) in text_of(post.text)
            polled = http.get(f"/api/blogs/{slug}/events", params={"since": 0}).json()
            fragments = [event["html"] for event in polled["events"] if "html" in event]
            assert len(fragments) == len(indexes)  # the deleted one's text is gone
            for n, html in enumerate(fragments):
                inspect(html, f"{slug} poll {n}")
            for feed in ("feed.atom", "feed.rss"):
                root = ET.fromstring(http.get(f"/blogs/{slug}/{feed}").content)
                kinds = ("content", "summary", "description")
                parts = [e.text or "" for e in root.iter() if e.tag.rsplit("}", 1)[-1] in kinds]
                assert parts
                for part in parts:
                    inspect(part, f"{slug}/{feed}")
            for item in http.get(f"/blogs/{slug}/feed.json").json()["items"]:
                inspect(item.get("content_html", ""), f"{slug}/feed.json")


def test_the_live_stream_carries_every_payload_safely(story: Story) -> None:
    """The real SSE stream, replayed from the start, as a browser's EventSource reads it."""
    slug, indexes = story.blogs[0]
    received: list[dict] = []
    done = threading.Event()

    def read() -> None:
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(WAIT, read=WAIT)) as client,
                connect_sse(
                    client, "GET", f"{story.server.url}/blogs/{slug}/events?since=0"
                ) as sse,
            ):
                for event in sse.iter_sse():
                    if not event.data:
                        continue  # the retry: line
                    received.append(json.loads(event.data))  # each one JSON document
                    if len([e for e in received if "html" in e]) >= len(indexes):
                        break
        finally:
            done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert done.wait(WAIT), f"only {len(received)} events"
    html = [event["html"] for event in received if "html" in event]
    assert len(html) == len(indexes)
    for n, fragment in enumerate(html):
        inspect(fragment, f"{slug} stream event {n}")
    assert all(m in text_of("".join(html)) for m in markers_of(indexes))
