"""The JSON API: who may write what, versions that stop lost updates, errors a person can act on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
import pytest
from fastapi.testclient import TestClient

from liveline.model import Role
from tests.harness import LiveServer, auth, unique

PEOPLE = {"ed": Role.EDITOR, "eve": Role.EDITOR, "rita": Role.REPORTER, "rob": Role.REPORTER}
BLOGS = "/api/blogs"
POSTS = "/api/blogs/{blog}/posts"
EDITORS_POST = "/api/blogs/{blog}/posts/{editors_post}"
REPORTERS_POST = "/api/blogs/{blog}/posts/{reporters_post}"
A_TIME = "2026-01-01T09:00:00-05:00"


def a_post(**fields) -> dict:
    return {"headline": "Polls close", "body": "At 8 p.m.", **fields}


@pytest.fixture
def people(client: TestClient) -> dict[str, dict[str, str]]:
    """Two editors and two reporters, each with a token: name -> Authorization header."""
    service = client.app.state.service
    headers = {}
    for name, role in PEOPLE.items():
        service.accounts.add_user(name, role)
        headers[name] = auth(service.accounts.create_token(name))
    return headers


@pytest.fixture
def blog(client: TestClient, people) -> str:
    created = client.post(
        "/api/blogs",
        json={"title": "Election night", "authors": ["Ana Ruiz"], "organization": "Desk"},
        headers=people["ed"],
    )
    assert created.status_code == 201, created.text
    return created.json()["slug"]


@pytest.fixture
def posts(client: TestClient, people, blog: str) -> dict[str, int]:
    """One post by an editor, one by a reporter: which -> id."""
    ids = {}
    for which, name in (("editors_post", "ed"), ("reporters_post", "rita")):
        made = client.post(
            f"/api/blogs/{blog}/posts",
            json={"headline": f"By {name}", "body": "Polls are open."},
            headers=people[name],
        )
        assert made.status_code == 201, made.text
        ids[which] = made.json()["id"]
    return ids


def error(response: httpx.Response, status: int) -> dict:
    """The error body every refusal carries: JSON, with a message a person can act on."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()["error"]
    assert body["status"] == status
    assert len(body["message"]) > 15, body
    return body


# Who may write


WRITES = [
    ("POST", BLOGS, {"title": "Another story"}),
    ("POST", POSTS, a_post()),
    ("PATCH", EDITORS_POST, {"headline": "Changed"}),
    ("DELETE", EDITORS_POST, None),
]
NOT_SIGNED_IN = {
    "no header": {},
    "another scheme": {"Authorization": "Basic ZWQ6c2VjcmV0"},
    "no scheme": {"Authorization": "ll_abcdef"},
    "bearer without a token": {"Authorization": "Bearer "},
    "unknown token": {"Authorization": "Bearer ll_not-a-token-anyone-was-given"},
}


@pytest.mark.parametrize("credentials", NOT_SIGNED_IN.values(), ids=NOT_SIGNED_IN.keys())
@pytest.mark.parametrize(("method", "url", "body"), WRITES, ids=[" ".join(w[:2]) for w in WRITES])
def test_writes_without_a_valid_token_are_refused_401(
    client: TestClient, blog: str, posts: dict[str, int], method, url, body, credentials
) -> None:
    before = client.get(f"/api/blogs/{blog}/posts").json()

    response = client.request(
        method,
        url.format(blog=blog, **posts),
        json=body,
        headers={**credentials, "If-Match": '"1"'},
    )

    refused = error(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert "token" in refused["message"]
    assert client.get(f"/api/blogs/{blog}/posts").json() == before
    assert [b["slug"] for b in client.get("/api/blogs").json()["blogs"]] == [blog]


ROLES = [
    # who, method, url, body, expected status
    ("rita", "POST", POSTS, a_post(), 201),
    ("rita", "POST", BLOGS, {"title": "My own story"}, 403),
    ("rita", "POST", POSTS, a_post(pinned=True), 403),
    ("rita", "PATCH", REPORTERS_POST, {"pinned": True}, 403),
    ("rita", "PATCH", REPORTERS_POST, {"published_at": A_TIME}, 403),
    ("rita", "PATCH", EDITORS_POST, {"headline": "Mine now"}, 403),
    ("rita", "DELETE", EDITORS_POST, None, 403),
    ("rob", "PATCH", REPORTERS_POST, {"headline": "Rob's now"}, 403),
    ("rob", "DELETE", REPORTERS_POST, None, 403),
    ("rita", "PATCH", REPORTERS_POST, {"headline": "Fixed a typo"}, 200),
    ("rita", "DELETE", REPORTERS_POST, None, 200),
    ("ed", "POST", BLOGS, {"title": "Another story"}, 201),
    ("ed", "POST", POSTS, a_post(pinned=True), 201),
    ("ed", "PATCH", REPORTERS_POST, {"pinned": True}, 200),
    ("eve", "PATCH", EDITORS_POST, {"headline": "Eve's edit"}, 200),
    ("eve", "PATCH", REPORTERS_POST, {"published_at": A_TIME}, 200),
    ("ed", "DELETE", REPORTERS_POST, None, 200),
    ("eve", "DELETE", EDITORS_POST, None, 200),
]


@pytest.mark.parametrize(
    ("who", "method", "url", "body", "expected"),
    ROLES,
    ids=[
        f"{w} {m} {u.rsplit('/', 1)[-1].strip('{}')} {','.join(b or '')} {e}"
        for w, m, u, b, e in ROLES
    ],
)
def test_what_reporters_and_editors_may_do(
    client: TestClient, people, blog: str, posts: dict[str, int], who, method, url, body, expected
) -> None:
    before = client.get(f"/api/blogs/{blog}/posts").json()

    response = client.request(
        method, url.format(blog=blog, **posts), json=body, headers={**people[who], "If-Match": "1"}
    )

    if expected == 403:
        error(response, 403)
        assert client.get(f"/api/blogs/{blog}/posts").json() == before
        assert len(client.get("/api/blogs").json()["blogs"]) == 1
    else:
        assert response.status_code == expected, response.text
        if "/posts" in url:
            assert response.headers["etag"] == f'"{response.json()["version"]}"'


# Versions: If-Match


def test_an_edit_needs_the_version_it_was_made_from(client: TestClient, people, blog, posts):
    url = f"/api/blogs/{blog}/posts/{posts['editors_post']}"

    missing = error(client.patch(url, json={"headline": "New"}, headers=people["ed"]), 428)
    assert "If-Match" in missing["message"]
    error(client.delete(url, headers=people["ed"]), 428)
    nonsense = client.patch(
        url, json={"headline": "New"}, headers={**people["ed"], "If-Match": "x"}
    )
    assert error(nonsense, 422)["field"] == "If-Match"

    saved = client.patch(url, json={"headline": "New"}, headers={**people["ed"], "If-Match": '"1"'})
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2
    assert saved.json()["headline"] == "New"
    assert saved.headers["etag"] == '"2"'

    stale = client.patch(
        url, json={"headline": "Older"}, headers={**people["eve"], "If-Match": '"1"'}
    )
    conflict = error(stale, 409)
    assert conflict["current_version"] == 2
    assert "reload" in conflict["message"]
    error(client.delete(url, headers={**people["eve"], "If-Match": '"1"'}), 409)
    assert client.get(url).json()["headline"] == "New"

    weak = client.patch(url, json={"body": "More."}, headers={**people["eve"], "If-Match": 'W/"2"'})
    assert weak.status_code == 200 and weak.json()["version"] == 3


def at_once(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Runs the calls in threads released at the same instant; their responses, in order."""
    start = threading.Barrier(len(calls))
    responses: list[httpx.Response | None] = [None] * len(calls)

    def run(index: int) -> None:
        start.wait()
        responses[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


def test_two_editors_saving_the_same_version_at_once(shared_server: LiveServer) -> None:
    editors = {name: auth(shared_server.token(unique(name))) for name in ("ed", "eve")}
    api = f"{shared_server.url}/api/blogs"
    race = unique("race")
    created = httpx.post(api, json={"title": "Race", "slug": race}, headers=editors["ed"])
    assert created.status_code == 201, created.text

    for round_ in range(5):
        made = httpx.post(
            f"{api}/{race}/posts",
            json={"headline": f"Round {round_}", "body": "."},
            headers=editors["ed"],
        )
        url = f"{api}/{race}/posts/{made.json()['id']}"

        ed, eve = at_once(
            *(
                partial(httpx.patch, url, json={"headline": f"{name}'s"},
                        headers={**headers, "If-Match": '"1"'})
                for name, headers in editors.items()
            )
        )  # fmt: skip

        assert sorted([ed.status_code, eve.status_code]) == [200, 409], (ed.text, eve.text)
        winner, loser = ("ed", eve) if ed.status_code == 200 else ("eve", ed)
        assert "reload" in error(loser, 409)["message"]
        stored = httpx.get(url).json()
        assert (stored["version"], stored["headline"]) == (2, f"{winner}'s")


# Errors a person can act on


def test_a_body_over_the_limit_is_refused_413(client: TestClient, people, blog: str) -> None:
    huge = {"headline": "Long read", "body": "x" * 70_000}  # the settings allow 64,000 bytes

    declared = error(client.post(f"/api/blogs/{blog}/posts", json=huge, headers=people["ed"]), 413)
    assert "64000" in declared["message"]

    chunks = (b"x" * 10_000 for _ in range(8))  # no Content-Length: counted as it arrives
    streamed = client.post(
        f"/api/blogs/{blog}/posts",
        content=chunks,
        headers={**people["ed"], "Content-Type": "application/json"},
    )
    error(streamed, 413)
    assert client.get(f"/api/blogs/{blog}").json()["post_count"] == 0


INVALID = [
    (POSTS, {"body": "No headline"}, "headline"),
    (POSTS, a_post(headline="   "), "headline"),
    (POSTS, {"headline": "No body"}, "body"),
    (POSTS, a_post(status="scheduled"), "publish_at"),
    (POSTS, a_post(status="scheduled", publish_at="2020-01-01T00:00:00+00:00"), "publish_at"),
    (POSTS, a_post(status="scheduled", publish_at="2099-01-01T00:00:00"), "publish_at"),
    (POSTS, a_post(status="deleted"), "status"),
    (POSTS, a_post(status=None), "status"),
    (POSTS, a_post(pinned=None), "pinned"),
    (POSTS, a_post(published_at=None), "published_at"),
    (POSTS, a_post(colour="red"), "colour"),
    (POSTS, a_post(images=[{"url": "javascript:alert(1)"}]), "images.0.url"),
    ("/api/blogs", {"title": "Somewhere", "timezone": "Mars/Olympus_Mons"}, "timezone"),
    ("/api/blogs", {"title": "Bad slug", "slug": "Not A Slug"}, "slug"),
    ("/api/blogs", {"slug": "untitled"}, "title"),
]


@pytest.mark.parametrize(("url", "body", "field"), INVALID, ids=[i[2] for i in INVALID])
def test_invalid_input_is_refused_422_naming_the_field(
    client: TestClient, people, blog: str, url: str, body: dict, field: str
) -> None:
    refused = error(client.post(url.format(blog=blog), json=body, headers=people["ed"]), 422)

    assert refused["field"] == field
    assert client.get(f"/api/blogs/{blog}").json()["post_count"] == 0
    assert len(client.get("/api/blogs").json()["blogs"]) == 1


@pytest.mark.parametrize("field", ["headline", "pinned", "key_event", "status", "published_at"])
def test_an_edit_cannot_blank_out_a_field_a_post_must_have(
    client: TestClient, people, blog: str, posts: dict[str, int], field: str
) -> None:
    url = f"/api/blogs/{blog}/posts/{posts['editors_post']}"
    before = client.get(url).json()

    response = client.patch(url, json={field: None}, headers={**people["ed"], "If-Match": '"1"'})

    assert error(response, 422)["field"] == field
    assert client.get(url).json() == before


def test_a_body_that_is_not_json_is_refused_422(client: TestClient, people, blog: str) -> None:
    response = client.post(
        POSTS.format(blog=blog),
        content=b'{"headline": "Polls close",',
        headers={**people["ed"], "Content-Type": "application/json"},
    )

    assert "not valid JSON" in error(response, 422)["message"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("order=sideways", "order"),
        ("cursor=nonsense", "cursor"),
    ],
)
def test_bad_list_parameters_are_refused_422(client: TestClient, blog: str, query, field):
    assert error(client.get(f"/api/blogs/{blog}/posts?{query}"), 422)["field"] == field


def test_unknown_blogs_and_posts_are_404(client: TestClient, people, blog, posts) -> None:
    editor = {**people["ed"], "If-Match": '"1"'}
    for response in (
        client.get("/api/blogs/no-such-story"),
        client.get("/api/blogs/no-such-story/posts"),
        client.post(
            "/api/blogs/no-such-story/posts", json={"headline": "h", "body": "b"}, headers=editor
        ),
        client.get(f"/api/blogs/{blog}/posts/999999"),
        client.get(f"/api/blogs/{blog}/posts/99999999999999999999999"),
        client.patch(f"/api/blogs/{blog}/posts/999999", json={"headline": "h"}, headers=editor),
        client.delete(f"/api/blogs/{blog}/posts/99999999999999999999999", headers=editor),
    ):
        assert "no" in error(response, 404)["message"]


def test_a_taken_slug_is_a_409(client: TestClient, people, blog: str) -> None:
    again = client.post("/api/blogs", json={"title": "Again", "slug": blog}, headers=people["ed"])
    assert blog in error(again, 409)["message"]


def test_the_api_documents_itself(client: TestClient) -> None:
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    assert "/api/blogs/{slug}/posts/{post_id}" in schema.json()["paths"]


# Drafts and scheduled posts


def test_a_draft_stays_off_the_page_until_it_is_published(client: TestClient, people, blog):
    draft = client.post(
        f"/api/blogs/{blog}/posts",
        json={"headline": "Exit poll embargoed", "body": "Not yet.", "status": "draft"},
        headers=people["rita"],
    )
    assert draft.status_code == 201, draft.text
    assert (draft.json()["status"], draft.json()["published_at"]) == ("draft", None)
    post_id = draft.json()["id"]

    assert client.get(f"/api/blogs/{blog}/posts").json()["posts"] == []
    error(client.get(f"/api/blogs/{blog}/posts/{post_id}"), 404)
    assert "Exit poll embargoed" not in client.get(f"/blogs/{blog}").text
    assert client.get(f"/api/blogs/{blog}").json()["post_count"] == 0

    published = client.patch(
        f"/api/blogs/{blog}/posts/{post_id}",
        json={"status": "published"},
        headers={**people["rita"], "If-Match": '"1"'},
    )

    assert published.status_code == 200, published.text
    assert published.json()["published_at"] is not None
    listed = client.get(f"/api/blogs/{blog}/posts").json()["posts"]
    assert [post["id"] for post in listed] == [post_id]
    assert "Exit poll embargoed" in client.get(f"/blogs/{blog}").text
    assert client.get(f"/api/blogs/{blog}").json()["post_count"] == 1


def test_a_scheduled_post_appears_when_its_time_comes(shared_server: LiveServer) -> None:
    editor = auth(shared_server.token(unique("ed")))
    launch = unique("launch")
    api = f"{shared_server.url}/api/blogs/{launch}"
    created = httpx.post(
        f"{shared_server.url}/api/blogs", json={"title": "Launch", "slug": launch}, headers=editor
    )
    assert created.status_code == 201, created.text
    publish_at = datetime.now(UTC) + timedelta(seconds=2)
    scheduled = httpx.post(
        f"{api}/posts",
        json={
            "headline": "Liftoff",
            "body": "3, 2, 1…",
            "status": "scheduled",
            "publish_at": publish_at.isoformat(),
        },
        headers=editor,
    )
    assert scheduled.status_code == 201, scheduled.text
    assert scheduled.json()["status"] == "scheduled"
    assert httpx.get(f"{api}/posts").json()["posts"] == []

    deadline = publish_at + timedelta(seconds=3)
    listed: list = []
    while not listed and datetime.now(UTC) < deadline:
        time.sleep(0.2)
        listed = httpx.get(f"{api}/posts").json()["posts"]

    assert [post["headline"] for post in listed] == ["Liftoff"]
    assert datetime.fromisoformat(listed[0]["published_at"]) == publish_at
    assert datetime.now(UTC) >= publish_at


def test_a_write_to_an_unknown_blog_without_a_token_is_401_not_404(client: TestClient) -> None:
    response = client.post("/api/blogs/no-such-blog/posts", json=a_post())
    assert error(response, 401)["message"]


def test_polling_with_a_seq_beyond_any_blog_is_422_not_500(client: TestClient, blog) -> None:
    response = client.get(f"/api/blogs/{blog}/events", params={"since": 10**30})
    assert error(response, 422)["field"] == "since"


def test_a_reporter_cannot_unpin_a_post(client: TestClient, people, blog, posts) -> None:
    url = f"/api/blogs/{blog}/posts/{posts['reporters_post']}"
    response = client.patch(
        url, json={"pinned": False}, headers={**people["rita"], "If-Match": "1"}
    )
    assert error(response, 403)["field"] == "pinned"


def test_a_scheduled_post_cannot_lose_its_time(client: TestClient, people, blog) -> None:
    when = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    made = client.post(
        f"/api/blogs/{blog}/posts",
        json=a_post(status="scheduled", publish_at=when),
        headers=people["ed"],
    )
    assert made.status_code == 201, made.text
    url = f"/api/blogs/{blog}/posts/{made.json()['id']}"
    response = client.patch(
        url, json={"publish_at": None}, headers={**people["ed"], "If-Match": "1"}
    )
    assert error(response, 422)["field"] == "publish_at"


def test_only_editors_change_or_close_a_blog(client: TestClient, people, blog: str) -> None:
    url = f"/api/blogs/{blog}"
    assert error(client.patch(url, json={"title": "Mine now"}, headers=people["rita"]), 403)
    renamed = client.patch(url, json={"title": "Election night, day two"}, headers=people["ed"])
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["title"] == "Election night, day two"
    assert renamed.json()["slug"] == blog  # readers' links keep working
    assert client.get(f"/api/blogs/{blog}").json()["title"] == "Election night, day two"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"timezone": "Mars/Olympus"}, "timezone"), ({"status": "paused"}, "status"),
     ({"title": None}, "title"), ({"slug": "new-slug"}, "slug")],
)  # fmt: skip
def test_a_bad_blog_change_is_refused_422(client: TestClient, people, blog, body, field) -> None:
    response = client.patch(f"/api/blogs/{blog}", json=body, headers=people["ed"])
    assert error(response, 422)["field"] == field


def test_a_closed_blog_takes_no_posts_until_reopened(client: TestClient, people, blog) -> None:
    url = f"/api/blogs/{blog}"
    assert client.patch(url, json={"status": "closed"}, headers=people["ed"]).status_code == 200
    assert "Closed" in client.get(f"/blogs/{blog}").text
    assert error(client.post(f"{url}/posts", json=a_post(), headers=people["ed"]), 409)
    assert client.patch(url, json={"status": "open"}, headers=people["ed"]).status_code == 200
    assert client.post(f"{url}/posts", json=a_post(), headers=people["ed"]).status_code == 201


def test_a_publish_retried_with_its_idempotency_key_makes_one_post(
    client: TestClient, people, blog: str
) -> None:
    url, key = f"/api/blogs/{blog}/posts", {"Idempotency-Key": "3f0c-retry-after-timeout"}
    first = client.post(url, json=a_post(), headers={**people["rita"], **key})
    again = client.post(url, json=a_post(), headers={**people["rita"], **key})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(client.get(url).json()["posts"]) == 1
    assert len(client.get(f"/api/blogs/{blog}/events").json()["events"]) == 1
    # Keys belong to their writer: another reporter's same key is a post of their own.
    other = client.post(url, json=a_post(), headers={**people["ed"], **key})
    assert other.json()["id"] != first.json()["id"]


def test_an_idempotency_key_reused_for_another_post_is_refused(
    client: TestClient, people, blog: str
) -> None:
    url, key = f"/api/blogs/{blog}/posts", {"Idempotency-Key": "one-key"}
    assert client.post(url, json=a_post(), headers={**people["ed"], **key}).status_code == 201
    different = client.post(
        url, json=a_post(headline="Something else"), headers={**people["ed"], **key}
    )
    assert "another post" in error(different, 409)["message"]
    bad = client.post(url, json=a_post(), headers={**people["ed"], "Idempotency-Key": "a b"})
    assert error(bad, 422)["field"] == "Idempotency-Key"


def test_the_same_publish_sent_twice_at_once_makes_one_post(shared_server: LiveServer) -> None:
    token = auth(shared_server.token(unique("twice"), "editor"))
    race = unique("race")
    created = httpx.post(
        f"{shared_server.url}/api/blogs", json={"title": "Race", "slug": race}, headers=token
    )
    assert created.status_code == 201, created.text
    url = f"{shared_server.url}/api/blogs/{race}/posts"
    made: list[int] = []
    for round_ in range(5):
        # A key of the round's own: every round is a race, not only the first.
        headers = {**token, "Idempotency-Key": f"flaky-train-wifi-{round_}"}
        answers = at_once(*[partial(httpx.post, url, json=a_post(), headers=headers)] * 4)
        assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
        [post_id] = {a.json()["id"] for a in answers}
        replayed = [a.headers.get("idempotent-replayed", "no") for a in answers]
        assert sorted(replayed) == ["no", "true", "true", "true"], replayed
        made.append(post_id)
        # Exactly one post for the round: the blog holds one more, and it is this one.
        listed = httpx.get(url, params={"limit": 200}).json()["posts"]
        assert sorted(post["id"] for post in listed) == sorted(made)
    assert len(set(made)) == 5
