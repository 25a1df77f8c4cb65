"""Signing in to the console: sessions, cookies, CSRF, the throttle, and the secret key."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Literal

import pytest
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from liveline.app import create_app
from liveline.model import Role
from liveline.service import passwords, sessions
from liveline.store.tables import sign_in_failures
from tests.newsroom import (
    PASSWORD,
    Browser,
    Newsroom,
    cheap_hashing,  # noqa: F401  (the fixture, used here)
    console_settings,
    open_newsroom,
)


@pytest.fixture
def newsroom(tmp_path: Path) -> Iterator[Newsroom]:
    for room in open_newsroom(console_settings(tmp_path)):
        room.add("ed", Role.EDITOR, "Ed Marsh")
        room.add("rita", Role.REPORTER)
        yield room


def test_the_sign_in_form_asks_for_a_name_and_password_and_carries_a_csrf_token(newsroom):
    page = Browser(newsroom.app).get("/login")
    assert page.status_code == 200
    for field in ('name="name"', 'name="password"', 'type="hidden" name="csrf"'):
        assert field in page.text
    assert "liveline_signin" in page.headers["set-cookie"]


def test_signing_in_sets_a_signed_httponly_lax_cookie_secure_over_https(newsroom):
    plain = Browser(newsroom.app)
    plain.get("/login")
    response = plain.http.post(
        "/login",
        data={"csrf": plain.csrf, "name": "ed", "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/edit"
    cookie = next(c for c in response.headers.get_list("set-cookie") if "liveline_session" in c)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert "." in cookie.split(";")[0]  # token.signature

    secure = Browser(newsroom.app, base_url="https://testserver")
    secure.get("/login")
    response = secure.http.post(
        "/login",
        data={"csrf": secure.csrf, "name": "ed", "password": PASSWORD},
        follow_redirects=False,
    )
    cookie = next(c for c in response.headers.get_list("set-cookie") if "liveline_session" in c)
    assert "Secure" in cookie


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer_after_the_same_work(
    newsroom, monkeypatch
):
    checked: list[str] = []

    class CountingHasher(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            checked.append(str(hash))
            return super().verify(hash, password)

    monkeypatch.setattr(passwords, "HASHER", CountingHasher.from_parameters(profiles.CHEAPEST))
    answers = []
    for name in ("ed", "nobody-here"):
        browser = Browser(newsroom.app)
        response = browser.sign_in(name, "not the password")
        answers.append((response.status_code, _message(response.text)))
    assert answers[0] == answers[1] == (401, sessions.WRONG)
    assert len(checked) == 2  # the unknown name cost one Argon2 check too (a dummy hash)
    assert all(hash_.startswith("$argon2id$") for hash_ in checked)


def test_sign_in_is_throttled_per_account_across_restarts_with_429_and_retry_after(
    newsroom, tmp_path
):
    browser = Browser(newsroom.app)
    for _ in range(sessions.PER_NAME):
        assert browser.sign_in("ed", "guess").status_code == 401
    refused = browser.sign_in("ed")  # even the right password, until the window passes
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= sessions.WINDOW.total_seconds()
    assert "liveline_session" not in refused.headers.get("set-cookie", "")
    # An unknown name is throttled the same way: the 429 says nothing about who exists.
    for _ in range(sessions.PER_NAME):
        browser.sign_in("ghost", "guess")
    assert browser.sign_in("ghost", "guess").status_code == 429
    # Held in the store: another process (a worker, or a restart) on the database agrees.
    with TestClient(create_app(console_settings(tmp_path))) as restarted:
        other = Browser(restarted.app)
        assert other.sign_in("ed").status_code == 429
    # Others may still sign in.
    assert Browser(newsroom.app).sign_in("rita").url.path == "/edit"


def test_sign_in_is_throttled_per_address(newsroom, monkeypatch):
    monkeypatch.setattr(sessions, "PER_ADDRESS", 4)
    browser = Browser(newsroom.app)
    for index in range(4):
        assert browser.sign_in(f"someone-{index}", "guess").status_code == 401
    refused = browser.sign_in("rita")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_the_sign_in_form_without_its_csrf_token_is_refused(newsroom):
    browser = Browser(newsroom.app)
    browser.get("/login")
    response = browser.post("/login", csrf="", name="ed", password=PASSWORD)
    assert response.status_code == 403
    assert "liveline_session" not in browser.http.cookies


def test_a_form_or_a_cookie_write_without_its_csrf_token_is_refused_403(newsroom):
    blog = newsroom.blog()
    ed = newsroom.browser("ed")
    form = {"headline": "Evacuation ordered", "body": "Leave now.", "action": "publish"}
    assert ed.post(f"/edit/{blog}/posts", csrf="", **form).status_code == 403
    assert ed.post(f"/edit/{blog}/posts", csrf="forged", **form).status_code == 403
    assert ed.post("/edit/blogs", csrf="", title="Another").status_code == 403
    api = f"/api/blogs/{blog}/posts"
    assert ed.http.post(api, json=form).status_code == 403
    assert ed.http.post(api, json=form, headers={"X-CSRF-Token": "forged"}).status_code == 403
    posts = newsroom.client.get(api).json()["posts"]
    assert posts == []  # nothing was written by any of them

    post = {"headline": "Evacuation ordered", "body": "Leave now."}
    made = ed.http.post(api, json=post, headers={"X-CSRF-Token": ed.csrf})
    assert made.status_code == 201, made.text
    assert ed.post(f"/edit/{blog}/posts", **form).status_code == 200


def test_cookie_and_bearer_writes_are_the_same_person_with_the_same_role(newsroom):
    blog = newsroom.blog()
    rita = newsroom.browser("rita")
    api = f"/api/blogs/{blog}/posts"
    pinned = {"headline": "Mine", "body": "", "pinned": True}
    by_cookie = rita.http.post(api, json=pinned, headers={"X-CSRF-Token": rita.csrf})
    by_token = newsroom.client.post(api, json=pinned, headers=newsroom.tokens["rita"])
    assert by_cookie.status_code == by_token.status_code == 403
    mine = newsroom.post(blog, "rita")
    edit = rita.http.patch(
        f"{api}/{mine['id']}",
        json={"headline": "Mine, by cookie"},
        headers={"X-CSRF-Token": rita.csrf, "If-Match": str(mine["version"])},
    )
    assert edit.status_code == 200, edit.text  # her own post, whichever way she proves it


def test_signing_out_ends_this_session_and_the_users_other_sessions(newsroom):
    desk, phone = newsroom.browser("ed"), newsroom.browser("ed")
    rita = newsroom.browser("rita")
    out = desk.post("/logout")
    assert out.url.path == "/login"
    assert "liveline_session" not in desk.http.cookies
    assert phone.get("/edit").url.path == "/login"  # ended too, though it kept its cookie
    assert rita.get("/edit").url.path == "/edit"  # someone else's session is theirs


def test_a_password_change_ends_the_users_sessions(newsroom):
    ed = newsroom.browser("ed")
    rita = newsroom.browser("rita")
    result = subprocess.run(
        [sys.executable, "-m", "liveline", "user", "passwd", "ed"],
        input="a brand new password\n",
        env={**os.environ, "LIVELINE_DATABASE_URL": newsroom.app.state.settings.database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert ed.get("/edit").url.path == "/login"
    assert rita.get("/edit").url.path == "/edit"
    assert Browser(newsroom.app).sign_in("ed", "a brand new password").url.path == "/edit"


def test_a_cookie_not_signed_with_the_key_is_ignored(newsroom):
    ed = newsroom.browser("ed")
    token = ed.http.cookies["liveline_session"].rsplit(".", 1)[0]
    forged = Browser(newsroom.app)
    forged.http.cookies.set("liveline_session", token + ".AAAA")
    assert forged.get("/edit").url.path == "/login"


def test_without_a_secret_key_the_console_is_off_and_the_rest_runs(client: TestClient):
    for path in ("/login", "/edit"):
        response = client.get(path)
        assert response.status_code == 503
        assert "LIVELINE_SECRET_KEY" in response.text
    assert client.get("/healthz").status_code == 200


def _message(html: str) -> str:
    start = html.index('id="sign-in-error">') + len('id="sign-in-error">')
    return html[start : html.index("<", start)]


def test_the_throttle_lifts_when_its_window_has_passed_and_old_failures_are_deleted(newsroom):
    browser = Browser(newsroom.app)
    for _ in range(sessions.PER_NAME):
        browser.sign_in("ed", "guess")
    assert browser.sign_in("ed").status_code == 429
    unit = newsroom.app.state.service._unit
    later = unit.clock() + sessions.WINDOW + timedelta(seconds=1)
    unit.clock = lambda: later
    assert browser.sign_in("ed").url.path == "/edit"
    with unit.store.reading() as conn:
        left = conn.execute(select(func.count()).select_from(sign_in_failures)).scalar_one()
    assert left == 0


@pytest.mark.postgres
def test_on_postgresql_sign_in_the_throttle_sign_out_and_history(postgres_database, tmp_path):
    from liveline.config import Settings
    from tests.harness import emptied

    settings = Settings(database_url=emptied(postgres_database), secret_key="k" * 32)
    for room in open_newsroom(settings):
        room.add("ed", Role.EDITOR, "Ed Marsh")
        blog = room.blog()
        ed = room.browser("ed")
        made = ed.post(f"/edit/{blog}/posts", headline="On PostgreSQL", body="x", action="publish")
        assert made.status_code == 200
        post_id = int(made.url.params["saved"])
        ed.post(f"/edit/{blog}/posts/{post_id}", headline="Edited", body="y", version=1,
                action="save")  # fmt: skip
        assert "Edited" in ed.get(f"/edit/{blog}/posts/{post_id}/history").text
        guesser = Browser(room.app)
        for _ in range(sessions.PER_NAME):
            assert guesser.sign_in("ed", "guess").status_code == 401
        refused = guesser.sign_in("ed")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        ed.post("/logout")
        assert ed.get("/edit").url.path == "/login"
