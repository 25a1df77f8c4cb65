"""The newsroom console: who may do what (through the console and the API alike), stale
saves shown side by side, restores, the contributors' queue, and the compose box."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from itertools import count

import pytest

from liveline.model import Role
from tests.newsroom import (
    Browser,
    Newsroom,
    cheap_hashing,  # noqa: F401  (the fixture, used here)
    console_settings,
    open_newsroom,
)

ROLES = ("admin", "editor", "reporter", "contributor")
EVERYONE = set(ROLES)
EDITORS = {"admin", "editor"}
# Each action, and the roles allowed it; everyone else is refused with 403.
ALLOWED = {
    "publish": {"admin", "editor", "reporter"},
    "submit": EVERYONE,
    "edit own": EVERYONE,
    "delete own": EVERYONE,
    "edit others'": EDITORS,
    "delete others'": EDITORS,
    "pin": EDITORS,
    "open blog": EDITORS,
    "approve": EDITORS,
}
numbers = count(1)


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newsroom]:
    for newsroom in open_newsroom(console_settings(tmp_path_factory.mktemp("console"))):
        for role in ROLES:
            newsroom.add(role, Role(role), f"{role.title()} Person")
        newsroom.add("other", Role.REPORTER)
        newsroom.add("helper", Role.CONTRIBUTOR, "Helpful Stranger")
        newsroom.blog("desk")
        yield newsroom


@pytest.fixture(scope="module")
def browsers(room: Newsroom) -> dict[str, Browser]:
    return {name: room.browser(name) for name in (*ROLES, "helper")}


def own_post(room: Newsroom, role: str) -> dict:
    """A post of this person's own: a contributor's waits in the queue."""
    status = "published" if Role(role).publishes else "submitted"
    return room.post("desk", role, status=status)


def target(room: Newsroom, role: str, action: str) -> dict | None:
    if action in ("edit own", "delete own", "pin"):
        return own_post(room, role)
    if action in ("edit others'", "delete others'"):
        return room.post("desk", "other")
    if action == "approve":
        return room.post("desk", "helper", status="submitted")
    return None


def through_console(browser: Browser, action: str, post: dict | None) -> int:
    url = f"/edit/desk/posts/{post['id']}" if post else ""
    version = post["version"] if post else None
    edit = {"headline": "Changed", "body": "New words.", "version": version, "action": "save"}
    if action in ("publish", "submit"):
        fields = {"headline": "Polls close", "body": "At 8 p.m.", "action": action}
        return browser.post("/edit/desk/posts", **fields).status_code
    if action in ("edit own", "edit others'"):
        return browser.post(url, **edit).status_code
    if action == "pin":
        return browser.post(url, **edit, pinned="on").status_code
    if action in ("delete own", "delete others'"):
        return browser.post(url + "/delete", version=version).status_code
    if action == "open blog":
        return browser.post("/edit/blogs", title=f"Story {next(numbers)}").status_code
    if action == "approve":
        return browser.post(url + "/approve", version=version).status_code
    raise AssertionError(action)


def through_api(room: Newsroom, name: str, action: str, post: dict | None) -> int:
    headers = room.tokens[name]
    if post is not None:
        url = f"/api/blogs/desk/posts/{post['id']}"
        headers = {**headers, "If-Match": str(post["version"])}
    http = room.client
    if action in ("publish", "submit"):
        status = "published" if action == "publish" else "submitted"
        body = {"headline": "Polls close", "body": "At 8 p.m.", "status": status}
        return http.post("/api/blogs/desk/posts", json=body, headers=headers).status_code
    if action in ("edit own", "edit others'"):
        return http.patch(url, json={"headline": "Changed"}, headers=headers).status_code
    if action == "pin":
        return http.patch(url, json={"pinned": True}, headers=headers).status_code
    if action in ("delete own", "delete others'"):
        return http.delete(url, headers=headers).status_code
    if action == "open blog":
        return http.post(
            "/api/blogs", json={"title": f"Story {next(numbers)}"}, headers=headers
        ).status_code
    if action == "approve":
        return http.patch(url, json={"status": "published"}, headers=headers).status_code
    raise AssertionError(action)


# The desk's other changes, which only the console offers (the API has no restore or note):
# each role × each, allowed or refused with 403.
CONSOLE_ONLY = {
    "restore": EDITORS,
    "return": EDITORS,
    "see deleted": EDITORS,
    "change blog": EDITORS,
    "manage people": {"admin"},
    "see others' drafts": EDITORS,
}


def console_only(room: Newsroom, browser: Browser, action: str) -> int:
    if action == "restore":
        post = room.post("desk", "other")
        room.client.delete(
            f"/api/blogs/desk/posts/{post['id']}",
            headers={**room.tokens["editor"], "If-Match": str(post["version"])},
        )
        return browser.post(f"/edit/desk/posts/{post['id']}/restore", version=2).status_code
    if action == "return":
        post = room.post("desk", "helper", status="submitted")
        url = f"/edit/desk/posts/{post['id']}/return"
        return browser.post(url, version=1, note="Needs a source").status_code
    if action == "see deleted":
        return browser.get("/edit/desk?tab=deleted").status_code
    if action == "change blog":
        slug = room.blog(f"settings-{next(numbers)}")  # not the desk's: its zone stays
        return browser.post(f"/edit/{slug}/settings", title="Renamed", timezone="UTC").status_code
    if action == "manage people":
        return browser.get("/edit/_people").status_code
    if action == "see others' drafts":
        headline = f"Private draft {next(numbers)}"
        room.post("desk", "other", headline=headline, status="draft")
        drafts = browser.get("/edit/desk?tab=drafts")
        return drafts.status_code if headline in drafts.text else 403
    raise AssertionError(action)


@pytest.mark.parametrize("action", list(CONSOLE_ONLY))
@pytest.mark.parametrize("role", ROLES)
def test_the_role_matrix_of_the_desks_other_changes(room, browsers, role: str, action: str):
    status = console_only(room, browsers[role], action)
    expected = "allowed" if role in CONSOLE_ONLY[action] else 403
    assert (status if status == 403 else "allowed" if status < 300 else status) == expected


@pytest.mark.parametrize("channel", ["console", "api"])
@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_the_role_matrix(room, browsers, role: str, action: str, channel: str) -> None:
    post = target(room, role, action)
    if channel == "console":
        status = through_console(browsers[role], action, post)
    else:
        status = through_api(room, role, action, post)
    expected = "allowed" if role in ALLOWED[action] else 403
    assert (status if status == 403 else "allowed" if status < 300 else status) == expected


def test_a_stale_save_is_refused_and_shows_the_saved_version_beside_the_writers_own(room, browsers):
    post = room.post("desk", "reporter", body="First words.")
    editor, admin = browsers["editor"], browsers["admin"]
    edit_url = f"/edit/desk/posts/{post['id']}"
    assert 'name="version" value="1"' in editor.get(edit_url).text
    assert 'name="version" value="1"' in admin.get(edit_url).text

    saved = editor.post(edit_url, headline="Editor's headline", body="Editor's words.",
                        version=1, action="save")  # fmt: skip
    assert saved.status_code == 200
    stale = admin.post(edit_url, headline="Admin's headline", body="Admin's own words.",
                       version=1, action="save")  # fmt: skip

    assert stale.status_code == 409
    saved_part = stale.text[stale.text.index('id="saved-version"') : stale.text.index('id="edit"')]
    form_part = stale.text[stale.text.index('id="edit"') :]
    assert "Editor&#39;s headline" in saved_part and "Editor&#39;s words." in saved_part
    assert "Admin&#39;s headline" in form_part and "Admin&#39;s own words." in form_part
    assert 'name="version" value="2"' in form_part  # merge, then save against the newer one
    current = room.client.get(f"/api/blogs/desk/posts/{post['id']}").json()
    assert current["headline"] == "Editor's headline"  # nothing was overwritten

    merged = admin.post(edit_url, headline="Merged headline", body="Both.", version=2,
                        action="save")  # fmt: skip
    assert merged.status_code == 200
    assert room.client.get(f"/api/blogs/desk/posts/{post['id']}").json()["version"] == 3


def test_a_deleted_post_restored_by_an_editor_reappears_with_its_event(room, browsers):
    post = room.post("desk", "reporter", headline="Bridge reopens")
    editor = browsers["editor"]
    editor.post(f"/edit/desk/posts/{post['id']}/delete", version=post["version"])
    assert "Bridge reopens" not in room.client.get("/blogs/desk").text
    deleted_tab = editor.get("/edit/desk?tab=deleted").text
    assert f'id="desk-post-{post["id"]}"' in deleted_tab
    assert browsers["reporter"].get("/edit/desk?tab=deleted").status_code == 403

    restored = editor.post(f"/edit/desk/posts/{post['id']}/restore", version=post["version"] + 1)
    assert restored.status_code == 200

    assert "Bridge reopens" in room.client.get("/blogs/desk").text
    now = room.client.get(f"/api/blogs/desk/posts/{post['id']}").json()
    assert now["version"] == post["version"] + 2 and now["status"] == "published"
    events = room.client.get("/api/blogs/desk/events?since=0").json()["events"]
    mine = [(e["type"], e["post"].get("headline")) for e in events if e["post_id"] == post["id"]]
    assert mine[-2:] == [("post.deleted", "Bridge reopens"), ("post.published", "Bridge reopens")]


def test_a_contribution_waits_in_the_queue_until_an_editor_publishes_it(room, browsers):
    helper, editor = browsers["helper"], browsers["editor"]
    headline = f"Shelter opens at the high school {next(numbers)}"
    sent = helper.post("/edit/desk/posts", headline=headline, body="Cots for 200.",
                       authors="Helpful Stranger", action="submit")  # fmt: skip
    assert sent.status_code == 200 and sent.url.params["tab"] == "queue"
    assert headline in sent.text  # the contributor sees it waiting
    assert headline not in room.client.get("/blogs/desk").text
    before = room.client.get("/api/blogs/desk").json()["last_seq"]

    queue = editor.get("/edit/desk?tab=queue").text
    assert re.search(r"Waiting \(\d+\)", queue) and headline in queue
    post_id = int(re.search(rf'id="desk-post-(\d+)">\s*<p class="desk-post__meta">'
                            rf'(?:(?!</li>).)*{re.escape(headline)}', queue, re.S)[1])  # fmt: skip
    assert room.client.get("/api/blogs/desk").json()["last_seq"] == before  # no event yet

    approved = editor.post(f"/edit/desk/posts/{post_id}/approve", version=1)
    assert approved.status_code == 200
    assert headline in room.client.get("/blogs/desk").text
    events = room.client.get(f"/api/blogs/desk/events?since={before}").json()["events"]
    assert [(e["type"], e["post_id"]) for e in events] == [("post.published", post_id)]
    assert headline not in editor.get("/edit/desk?tab=queue").text


def test_a_returned_contribution_goes_back_to_its_author_with_the_editors_note(room, browsers):
    post = room.post("desk", "helper", headline="Rumour of a second storm", status="submitted")
    editor, helper = browsers["editor"], browsers["helper"]
    note = "Who told you? We need a named source."
    returned = editor.post(f"/edit/desk/posts/{post['id']}/return", version=1, note=note)
    assert returned.status_code == 200
    drafts = helper.get("/edit/desk?tab=drafts").text
    assert (
        "Rumour of a second storm" in drafts and "Who told you? We need a named source." in drafts
    )
    assert "Rumour of a second storm" not in helper.get("/edit/desk?tab=queue").text
    # A contributor may not publish it themselves, by the form or by the API.
    publish = helper.post(f"/edit/desk/posts/{post['id']}", headline="Rumour", body="",
                          version=2, action="publish")  # fmt: skip
    assert publish.status_code == 403


def test_drafts_are_their_authors_own_and_every_editors(room, browsers):
    headline = f"Half-written {next(numbers)}"
    browsers["reporter"].post("/edit/desk/posts", headline=headline, body="…", action="draft")
    assert headline in browsers["reporter"].get("/edit/desk?tab=drafts").text
    assert headline in browsers["editor"].get("/edit/desk?tab=drafts").text
    assert headline not in browsers["helper"].get("/edit/desk?tab=drafts").text
    assert headline not in room.client.get("/blogs/desk").text


def test_a_refused_post_keeps_every_word_in_the_compose_box(room, browsers):
    refused = browsers["reporter"].post(
        "/edit/desk/posts", headline="", body="A paragraph I must not lose.", action="publish"
    )
    assert refused.status_code == 422
    assert 'id="compose-error"' in refused.text
    assert "A paragraph I must not lose." in refused.text


def test_a_schedule_is_entered_and_shown_in_the_blogs_time_zone(room, browsers):
    headline = f"Curfew lifts {next(numbers)}"
    scheduled = browsers["editor"].post(
        "/edit/desk/posts", headline=headline, body="", action="schedule",
        publish_at="2030-01-07T09:00",
    )  # fmt: skip
    assert scheduled.status_code == 200 and scheduled.url.params["tab"] == "scheduled"
    assert "9:00 a.m. ET, January 7, 2030" in scheduled.text
    post_id = int(scheduled.url.params["saved"])
    stored = room.client.get(f"/edit/desk/posts/{post_id}")  # not signed in: sent to sign in
    assert stored.url.path == "/login"
    edit = browsers["editor"].get(f"/edit/desk/posts/{post_id}").text
    assert 'value="2030-01-07T09:00"' in edit


def test_the_script_gets_json_and_an_idempotency_key_publishes_once(room, browsers):
    editor = browsers["editor"]
    fields = {"csrf": editor.csrf, "headline": "Sent twice", "body": "Once.", "action": "publish"}
    headers = {"Accept": "application/json", "Idempotency-Key": f"offline-{next(numbers)}"}
    first = editor.http.post("/edit/desk/posts", data=fields, headers=headers)
    again = editor.http.post("/edit/desk/posts", data=fields, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    posts = room.client.get("/api/blogs/desk/posts?limit=200").json()["posts"]
    assert [p["headline"] for p in posts].count("Sent twice") == 1


def test_the_byline_defaults_to_the_signed_in_persons_display_name(room, browsers):
    desk = browsers["reporter"].get("/edit/desk").text
    assert 'name="authors" value="Reporter Person"' in desk


def test_without_a_session_the_script_hears_401_and_a_form_is_sent_to_sign_in(room):
    fields = {"csrf": "x", "headline": "Lost?", "body": "No.", "action": "publish"}
    answer = room.client.post(
        "/edit/desk/posts", data=fields, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 401  # not a redirect the script could take for success
    page = room.client.post("/edit/desk/posts", data=fields, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/edit/desk"
    assert (
        room.client.get("/edit/desk?tab=drafts", follow_redirects=False).headers["location"]
        == "/login?next=/edit/desk%3Ftab%3Ddrafts"
    )


def test_key_and_pin_typed_at_the_start_of_the_body_set_those_flags(room, browsers):
    headline = f"Levee holds {next(numbers)}"
    browsers["editor"].post("/edit/desk/posts", headline=headline, body="/key /pin\nIt held.",
                            action="publish")  # fmt: skip
    posts = room.client.get("/api/blogs/desk/posts").json()["pinned"]
    post = next(p for p in posts if p["headline"] == headline)
    assert (post["key_event"], post["pinned"], post["body"]) == (True, True, "It held.")
    refused = browsers["reporter"].post("/edit/desk/posts", headline="Mine", body="/pin Top!",
                                        action="publish")  # fmt: skip
    assert refused.status_code == 403  # only editors pin, however it is asked for


def test_the_preview_is_the_reader_pages_own_rendering_sanitised(room, browsers):
    editor = browsers["editor"]
    shown = editor.post("/edit/desk/preview", headline="Roads <b>closed</b>",
                        body="**Stay home.** <script>alert(1)</script> [x](javascript:alert(1))",
                        authors="Ana Ruiz", location="Port Ellery")  # fmt: skip
    assert shown.status_code == 200
    assert '<article class="post' in shown.text and "<strong>Stay home.</strong>" in shown.text
    assert "Roads &lt;b&gt;closed&lt;/b&gt;" in shown.text
    assert "<script" not in shown.text and 'href="javascript' not in shown.text
    assert "From Ana Ruiz in Port Ellery" in shown.text
    assert editor.post("/edit/desk/preview", csrf="", headline="x").status_code == 403
    image = editor.post("/edit/desk/preview", headline="x", image_url="https://example.org/a.jpg",
                        image_caption="Flooded road")  # fmt: skip
    assert 'src="https://example.org/a.jpg"' in image.text and "Flooded road" in image.text
    unsafe = editor.post("/edit/desk/preview", headline="x", image_url="javascript:alert(1)")
    assert "<img" not in unsafe.text


def test_editors_change_close_and_reopen_a_blog_from_its_settings(room, browsers):
    room.blog("ferry")
    fields = {
        "title": "Ferry strike",
        "authors": "Ana Ruiz, Colm Dwyer",
        "timezone": "Europe/Dublin",
    }
    assert browsers["reporter"].post("/edit/ferry/settings", **fields).status_code == 403
    closed = browsers["editor"].post("/edit/ferry/settings", **fields, closed="on")
    assert closed.status_code == 200 and "This live blog is closed" in closed.text
    blog = room.client.get("/api/blogs/ferry").json()
    assert (blog["title"], blog["authors"], blog["timezone"], blog["status"]) == (
        "Ferry strike", ["Ana Ruiz", "Colm Dwyer"], "Europe/Dublin", "closed"
    )  # fmt: skip
    bad = browsers["editor"].post("/edit/ferry/settings", **{**fields, "timezone": "Mars/Base"})
    assert bad.status_code == 422 and "Mars/Base" in bad.text
    browsers["editor"].post("/edit/ferry/settings", **fields)
    assert room.client.get("/api/blogs/ferry").json()["status"] == "open"


def test_admins_manage_people_and_no_one_else_does(room, browsers):
    admin = browsers["admin"]
    for name in ("editor", "reporter", "contributor"):
        assert browsers[name].get("/edit/_people").status_code == 403
    added = admin.post("/edit/_people", name="june", display_name="June Okafor", role="reporter",
                       password="a first password")  # fmt: skip
    assert added.status_code == 200 and 'id="person-june"' in added.text
    june = Browser(room.app)
    assert june.sign_in("june", "a first password").url.path == "/edit"
    assert 'name="authors" value="June Okafor"' in june.get("/edit/desk").text
    admin.post("/edit/_people/june", change="role", role="editor")
    assert room.app.state.service.accounts.user("june").role == Role.EDITOR
    admin.post("/edit/_people/june", change="disable")
    assert june.get("/edit").url.path == "/login"  # disabled: her session ends at once
    refused = admin.post("/edit/_people/admin", change="role", role="reporter")
    assert refused.status_code == 409  # an admin cannot demote themselves out of the page
    assert browsers["editor"].post("/edit/_people", name="x", role="admin",
                                   password="0123456789").status_code == 403  # fmt: skip


def test_a_person_changes_their_own_password_and_their_other_sessions_end(room):
    room.add("colm", Role.REPORTER)
    here, elsewhere = room.browser("colm"), room.browser("colm")
    wrong = here.post("/edit/_account", current_password="nope", new_password="a new password",
                      again="a new password")  # fmt: skip
    assert wrong.status_code == 401
    done = here.post("/edit/_account", current_password="correct horse battery staple",
                     new_password="a new password", again="a new password")  # fmt: skip
    assert done.status_code == 200 and 'id="account-done"' in done.text
    assert here.get("/edit").url.path == "/edit"  # the browser that changed it stays in
    assert elsewhere.get("/edit").url.path == "/login"


def test_a_post_with_contributors_and_an_image_by_its_address(room, browsers):
    headline = f"Crews at the dam {next(numbers)}"
    browsers["reporter"].post(
        "/edit/desk/posts", headline=headline, body="Work through the night.", action="publish",
        contributors="June Okafor, Priya Nand", image_url="https://example.org/dam.jpg",
        image_caption="The spillway", image_credit="Colm Dwyer", image_alt="Water over a dam",
    )  # fmt: skip
    post = next(p for p in room.client.get("/api/blogs/desk/posts?limit=200").json()["posts"]
                if p["headline"] == headline)  # fmt: skip
    assert post["contributors"] == ["June Okafor", "Priya Nand"]
    assert post["images"] == [{"url": "https://example.org/dam.jpg", "caption": "The spillway",
                               "credit": "Colm Dwyer", "alt": "Water over a dam", "media": None,
                               "width": None, "height": None, "renditions": []}]  # fmt: skip
    bad = browsers["reporter"].post("/edit/desk/posts", headline="x", body="", action="publish",
                                    image_url="javascript:alert(1)")  # fmt: skip
    assert bad.status_code == 422 and "javascript:alert(1)" in bad.text  # refused, and kept


def test_colleagues_names_for_the_byline_need_a_session(room, browsers):
    names = browsers["contributor"].get("/edit/_names").json()["people"]
    assert {"name": "editor", "byline": "Editor Person"} in names
    assert room.client.get("/edit/_names", follow_redirects=False).status_code == 303


def test_a_posts_history_lists_who_saved_each_version_and_an_earlier_one_comes_back(room, browsers):
    post = room.post("desk", "reporter", headline="Dam holds", body="For now.")
    editor = browsers["editor"]
    editor.post(f"/edit/desk/posts/{post['id']}", headline="Dam breached", body="Evacuate.",
                version=1, action="save")  # fmt: skip
    page = _text(editor.get(f"/edit/desk/posts/{post['id']}/history").text)
    assert "v2 · published · saved by Editor Person" in page
    assert "v1 · published · saved by Reporter Person" in page
    assert "Dam breached" in page and "Dam holds" in page
    before = room.client.get("/api/blogs/desk").json()["last_seq"]

    back = editor.post(f"/edit/desk/posts/{post['id']}/history/1/restore", version=2)
    assert back.status_code == 200
    assert "v3 · published · saved by Editor Person" in _text(back.text)
    now = room.client.get(f"/api/blogs/desk/posts/{post['id']}").json()
    assert (now["headline"], now["body"], now["version"]) == ("Dam holds", "For now.", 3)
    events = room.client.get(f"/api/blogs/desk/events?since={before}").json()["events"]
    assert [(e["type"], e["post"]["headline"]) for e in events] == [("post.updated", "Dam holds")]
    stale = editor.post(f"/edit/desk/posts/{post['id']}/history/2/restore", version=2)
    assert stale.status_code == 409  # a restore is an edit: it carries the version it saw
    assert browsers["contributor"].post(
        f"/edit/desk/posts/{post['id']}/history/2/restore", version=3
    ).status_code == 403  # fmt: skip


class _Elements(HTMLParser):
    """Every element and attribute as a browser would build them from the page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("iframe", "object", "embed", "svg"):
            self.found.append(tag)
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") or (name == "style" and "javascript" in value):
                self.found.append(f"{tag}[{name}]")
            if name in ("href", "src", "action") and value.startswith(("javascript:", "data:")):
                self.found.append(f"{tag}[{name}={value[:20]}]")

    def handle_data(self, data: str) -> None:
        if self.lasttag == "script" and "alert" in data:
            self.found.append("script")


def _unsafe(html: str) -> list[str]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


def _text(html: str) -> str:
    """A page's words, without its tags."""
    return re.sub(r"<[^>]+>", "", html)


PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    '<iframe src="data:text/html,<script>alert(1)</script>">',
    '<div style="background:url(javascript:alert(1))">',
    "{{ 7*7 }}",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_field_a_writer_fills_reaches_a_console_page_unescaped(room, browsers, payload):
    editor = browsers["editor"]
    fields = {"headline": f"H {payload}", "body": f"B {payload}", "authors": f"A {payload}",
              "location": f"L {payload}", "contributors": f"C {payload}"}  # fmt: skip
    made = editor.post("/edit/desk/posts", **fields, action="draft")
    post_id = int(made.url.params["saved"])
    pages = [
        made.text,
        editor.get(f"/edit/desk/posts/{post_id}").text,
        editor.get(f"/edit/desk/posts/{post_id}/history").text,
        editor.post("/edit/desk/preview", **fields).text,
        editor.post(f"/edit/desk/posts/{post_id}", **fields, version=99, action="save").text,
    ]
    for html in pages:
        assert _unsafe(html) == [], payload
        assert "H {{ 7*7 }}" in html or "7*7" not in payload  # never evaluated as a template


def test_a_post_someone_else_has_open_says_who_is_editing_it(room, browsers):
    post = room.post("desk", "reporter", headline=f"Presence {next(numbers)}")
    editor, admin = browsers["editor"], browsers["admin"]
    url = f"/edit/desk/posts/{post['id']}"
    assert 'id="presence" role="status" hidden' in editor.get(url).text  # no one else yet
    seen = _text(admin.get(url).text)
    assert "Editor Person is editing this post too" in seen
    row = admin.get("/edit/desk").text.split(f'id="desk-post-{post["id"]}"')[1].split("</li>")[0]
    assert "Editor Person is editing" in row
    assert editor.post(url + "/presence").json() == {"editing": ["Admin Person"]}
    editor.post(url, headline="Saved", body="", version=1, action="save")  # saving leaves
    admin.post(url + "/presence", gone="1")
    assert (
        "is editing"
        not in editor.get("/edit/desk")
        .text.split(f'id="desk-post-{post["id"]}"')[1]
        .split("</li>")[0]
    )
    assert admin.post(url + "/presence", csrf="").status_code == 403


def test_a_refusal_in_the_console_leads_back_to_the_desk(room, browsers):
    post = room.post("desk", "other")
    refused = browsers["reporter"].post(f"/edit/desk/posts/{post['id']}/delete", version=1)
    assert refused.status_code == 403
    assert 'href="/edit/desk">Back to the desk' in refused.text
    assert "only their own posts" in refused.text


@pytest.mark.parametrize("slug", ["people", "account", "names", "blogs"])
def test_a_blog_may_have_any_slug_and_its_desk_is_never_shadowed(room, browsers, slug):
    room.blog(slug)
    desk = browsers["editor"].get(f"/edit/{slug}")
    assert desk.status_code == 200 and f'action="/edit/{slug}/posts"' in desk.text


def test_pin_and_key_event_are_one_click_from_the_desk(room, browsers):
    post = room.post("desk", "reporter", headline=f"Flags {next(numbers)}")
    url = f"/edit/desk/posts/{post['id']}/flag"
    desk = browsers["editor"].post(url, flag="pinned", on="1", version=1)
    assert desk.status_code == 200 and "Unpin" in desk.text
    browsers["reporter"].post(url, flag="key_event", on="1", version=2)  # her own post
    now = room.client.get(f"/api/blogs/desk/posts/{post['id']}").json()
    assert (now["pinned"], now["key_event"], now["version"]) == (True, True, 3)
    assert browsers["reporter"].post(url, flag="pinned", on="", version=3).status_code == 403
    assert browsers["editor"].post(url, flag="pinned", on="", version=1).status_code == 409
    browsers["editor"].post(url, flag="pinned", on="", version=3)  # leave the desk as it was
