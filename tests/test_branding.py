"""The newsroom's own name, logo, favicon and accent on its pages, not Liveline's."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from liveline.config import Settings
from liveline.model import Role
from liveline.values import BlogIn
from tests.harness import create_app


def test_the_page_wears_the_newsrooms_name_logo_favicon_and_accent(database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        site_name="The Gazette",
        logo_url="https://cdn.gazette.example/logo.svg",
        favicon_url="/media/favicon.png",
        accent_color="#0055aa",
    )
    with TestClient(create_app(settings)) as client:
        service = client.app.state.service  # type: ignore[attr-defined]
        editor = service.accounts.add_user("ed", Role.EDITOR)
        client.portal.call(service.blogs.create, editor, BlogIn(title="Storm", slug="storm"))  # type: ignore[union-attr]
        page = client.get("/blogs/storm").text
        index = client.get("/").text
        brand = client.get("/brand.css")
    assert "<title>Storm | The Gazette</title>" in page
    assert (
        '<img class="site-logo" src="https://cdn.gazette.example/logo.svg" alt="">The Gazette</a>'
        in page
    )
    assert '<link rel="icon" href="/media/favicon.png">' in page
    assert '<link rel="stylesheet" href="/brand.css">' in page
    assert 'data-site-name="The Gazette"' in page  # live.js keeps it in a retitled title
    assert "<title>Live blogs | The Gazette</title>" in index
    assert brand.headers["content-type"].startswith("text/css")
    assert brand.text.startswith(":root{--accent:#0055aa}\n")  # reads on white as it is
    assert "@media (prefers-color-scheme: dark){:root{--accent:#" in brand.text


def test_unset_it_is_liveline_and_no_brand_sheet_is_linked(client: TestClient) -> None:
    page = client.get("/").text
    assert "<title>Live blogs | Liveline</title>" in page
    assert "/brand.css" not in page and "site-logo" not in page


@pytest.mark.parametrize(
    "field, value",
    [
        ("accent_color", "red; background: url(x)"),
        ("accent_color", "#12345"),
        ("logo_url", "javascript:alert(1)"),
        ("logo_url", "//evil.example/x.png"),
        ("logo_url", 'https://x.example/a"onerror=alert(1)'),
        ("favicon_url", "http://plain.example/icon.png"),
        ("site_name", ""),
    ],
)
def test_marks_that_could_break_out_of_their_place_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValidationError):
        Settings(**{field: value})
