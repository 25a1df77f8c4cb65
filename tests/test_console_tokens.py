"""API tokens in the console: everyone lists, makes (shown once) and revokes their own; an
admin sees and revokes anyone's; every form carries its CSRF token; a token acts with its
owner's role."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from liveline.model import Role
from tests.newsroom import (
    Browser,
    Newsroom,
    cheap_hashing,  # noqa: F401  (the fixture, used here)
    console_settings,
    open_newsroom,
)

TOKEN = re.compile(r'id="new-token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newsroom]:
    for newsroom in open_newsroom(console_settings(tmp_path_factory.mktemp("tokens"))):
        newsroom.add("root", Role.ADMIN, "Root Admin")
        newsroom.add("ed", Role.EDITOR, "Ed Itor")
        newsroom.add("ana", Role.REPORTER, "Ana Ruiz")
        newsroom.add("ben", Role.REPORTER, "Ben Ong")
        newsroom.blog("tokens")
        yield newsroom


def make(browser: Browser, label: str) -> tuple[str, int]:
    """A new token through the form: its text (shown once) and its id."""
    page = browser.post("/edit/_tokens", label=label)
    assert page.status_code == 201, page.text
    found = TOKEN.search(page.text)
    assert found, page.text
    assert 'data-copy="new-token"' in page.text  # the copy button
    ids = re.findall(r'id="token-(\d+)"', page.text)
    return found[1], max(map(int, ids))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_reporter_makes_a_token_that_is_shown_once_and_acts_as_a_reporter(
    room: Newsroom,
) -> None:
    ana = room.browser("ana")
    token, token_id = make(ana, "results script")
    assert token.startswith("ll_") or len(token) > 30

    listed = ana.get("/edit/_tokens")
    assert listed.status_code == 200
    assert "results script" in listed.text and f"Token {token_id}" in listed.text
    assert token not in listed.text  # shown once, never again

    posted = room.client.post(
        "/api/blogs/tokens/posts", json={"headline": "By script", "body": "Hi."},
        headers=bearer(token),
    )  # fmt: skip
    assert posted.status_code == 201, posted.text
    pinned = room.client.patch(
        f"/api/blogs/tokens/posts/{posted.json()['id']}",
        json={"pinned": True},
        headers={**bearer(token), "If-Match": str(posted.json()["version"])},
    )
    assert pinned.status_code == 403  # a reporter's token cannot pin: it carries her role


def test_one_revokes_ones_own_token_and_not_a_colleagues(room: Newsroom) -> None:
    ana, ben = room.browser("ana"), room.browser("ben")
    token, token_id = make(ana, "to revoke")
    assert "to revoke" not in ben.get("/edit/_tokens").text  # his list is his own

    refused = ben.post(f"/edit/_tokens/{token_id}/revoke")
    assert refused.status_code == 404
    still = room.client.get("/api/blogs/tokens/posts", headers=bearer(token))
    assert room.client.post("/api/blogs/tokens/posts", json={"headline": "Still", "body": "."},
                            headers=bearer(token)).status_code == 201  # fmt: skip
    assert still.status_code == 200

    revoked = ana.post(f"/edit/_tokens/{token_id}/revoke")
    assert revoked.status_code == 200 and revoked.url.params["revoked"] == str(token_id)
    assert f"Token {token_id} is revoked" in revoked.text
    after = room.client.post(
        "/api/blogs/tokens/posts", json={"headline": "Gone", "body": "."}, headers=bearer(token)
    )
    assert after.status_code == 401


def test_an_admin_sees_and_revokes_anyones_token(room: Newsroom) -> None:
    ed, root = room.browser("ed"), room.browser("root")
    token, token_id = make(ed, "ed's laptop")
    everyone = root.get("/edit/_tokens")
    assert "Everyone&#39;s tokens" in everyone.text or "Everyone's tokens" in everyone.text
    assert f'id="token-{token_id}"' in everyone.text and " · ed · " in everyone.text
    assert "Your tokens" in ed.get("/edit/_tokens").text

    assert root.post(f"/edit/_tokens/{token_id}/revoke").status_code == 200
    after = room.client.post(
        "/api/blogs/tokens/posts", json={"headline": "Gone", "body": "."}, headers=bearer(token)
    )
    assert after.status_code == 401
    again = root.post(f"/edit/_tokens/{token_id}/revoke")
    assert again.status_code == 409 and "already revoked" in again.text


def test_token_forms_without_their_csrf_token_are_refused(room: Newsroom) -> None:
    ana = room.browser("ana")
    _, token_id = make(ana, "kept")
    before = ana.get("/edit/_tokens").text.count('class="desk-post"')
    assert ana.post("/edit/_tokens", csrf="", label="forged").status_code == 403
    assert ana.post("/edit/_tokens", csrf="wrong", label="forged").status_code == 403
    assert ana.post(f"/edit/_tokens/{token_id}/revoke", csrf="").status_code == 403
    page = ana.get("/edit/_tokens").text
    assert page.count('class="desk-post"') == before and "forged" not in page
    assert "revoked" not in page.split(f'id="token-{token_id}"')[1].split("</li>")[0]


def test_a_label_too_long_is_refused_and_kept_in_the_form(room: Newsroom) -> None:
    ana = room.browser("ana")
    long = "x" * 101
    page = ana.post("/edit/_tokens", label=long)
    assert page.status_code == 422 and "at most 100" in page.text
    assert f'value="{long}"' in page.text and 'id="new-token"' not in page.text


def test_the_tokens_page_is_for_signed_in_people(room: Newsroom) -> None:
    stranger = Browser(room.app)
    assert stranger.get("/edit/_tokens").url.path == "/login"
