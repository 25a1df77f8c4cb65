"""A newsroom for console tests: an app with a secret key, people of each role with a
password and a token, and a browser (its own cookie jar) for each of them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher, profiles
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveline.app import create_app
from liveline.config import Settings
from liveline.model import Role
from liveline.service import passwords
from tests.harness import auth, fresh_database

PASSWORD = "correct horse battery staple"
SECRET = "a-test-secret-key-that-is-long-enough"
CSRF = re.compile(r'name="csrf" value="([^"]*)"')


@pytest.fixture(scope="session", autouse=True)
def cheap_hashing() -> Iterator[None]:
    """Argon2 at its cheapest: the same code path, a hundredth of the time. (Import this
    fixture into a test module to use it there.)"""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
        yield


def console_settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=fresh_database(tmp_path / "desk.db"), secret_key=SECRET, max_body_bytes=64_000
    )


@dataclass
class Browser:
    """One person's browser on the app: cookies of its own, and the page's CSRF token."""

    app: FastAPI
    base_url: str = "http://testserver"
    csrf: str = ""
    http: TestClient = field(init=False)

    def __post_init__(self) -> None:
        self.http = TestClient(self.app, base_url=self.base_url, follow_redirects=True)

    def get(self, path: str, **options: object) -> httpx.Response:
        response = self.http.get(path, **options)  # type: ignore[arg-type]
        self._remember(response)
        return response

    def sign_in(self, name: str, password: str = PASSWORD) -> httpx.Response:
        self.get("/login")
        return self.post("/login", name=name, password=password, next="/edit")

    def post(self, path: str, *, csrf: str | None = None, **fields: object) -> httpx.Response:
        """Submit a form as the page would: with its CSRF token unless told otherwise."""
        data = {"csrf": self.csrf if csrf is None else csrf, **fields}
        response = self.http.post(path, data={k: v for k, v in data.items() if v is not None})
        self._remember(response)
        return response

    def _remember(self, response: httpx.Response) -> None:
        found = CSRF.search(response.text)
        if found:
            self.csrf = found[1]


@dataclass
class Newsroom:
    app: FastAPI
    client: TestClient
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, name: str, role: Role, display_name: str | None = None) -> dict[str, str]:
        accounts = self.app.state.service.accounts
        accounts.add_user(name, role, display_name)
        accounts.set_password(name, PASSWORD)
        self.tokens[name] = auth(accounts.create_token(name))
        return self.tokens[name]

    def browser(self, name: str | None = None, base_url: str = "http://testserver") -> Browser:
        browser = Browser(self.app, base_url)
        if name is not None:
            signed = browser.sign_in(name)
            assert signed.url.path == "/edit", signed.text
        return browser

    def blog(self, slug: str = "storm", timezone: str = "America/New_York") -> str:
        editor = next(iter(self.tokens.values()))
        made = self.client.post(
            "/api/blogs",
            json={"slug": slug, "title": "Storm watch", "timezone": timezone},
            headers=editor,
        )
        assert made.status_code == 201, made.text
        return slug

    def post(self, blog: str, name: str, **fields: object) -> dict:
        made = self.client.post(
            f"/api/blogs/{blog}/posts",
            json={"headline": "Winds pick up", "body": "Gusts.", **fields},
            headers=self.tokens[name],
        )
        assert made.status_code == 201, made.text
        return made.json()


def open_newsroom(settings: Settings) -> Iterator[Newsroom]:
    app = create_app(settings)
    with TestClient(app) as client:
        yield Newsroom(app, client)
