"""HTTP details that monitors, CDNs and link checkers rely on: HEAD, Allow, If-None-Match."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from liveline.app import create_app
from liveline.config import Settings
from liveline.web import api, feeds, reader, stream
from tests.harness import invoke_cli

STORY = Path(__file__).resolve().parents[1] / "liveline" / "demo" / "story.txt"
SLUG = "storm"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the module, with one imported live blog: these tests only read."""
    database_url = f"sqlite:///{tmp_path_factory.mktemp('http') / 'liveline.db'}"
    invoke_cli("import", str(STORY), "--slug", SLUG, env={"LIVELINE_DATABASE_URL": database_url})
    with TestClient(create_app(Settings(database_url=database_url))) as test_client:
        yield test_client


def get_routes() -> list[str]:
    """Every GET route of the app but the stream, with its parameters filled in."""
    routers = (api.router, reader.router, feeds.router, stream.router)
    routes = [r for router in routers for r in router.routes if "GET" in getattr(r, "methods", ())]
    paths = [str(getattr(route, "path", "")) for route in routes]
    paths.remove("/blogs/{slug}/events")  # a GET that never ends: see the stream's own test
    return [*paths, "/healthz", "/api/openapi.json", "/api/docs", "/static/liveline.css"]


def test_every_get_route_answers_head_with_get_s_headers_and_no_body(client: TestClient) -> None:
    post_id = client.get(f"/api/blogs/{SLUG}/posts").json()["posts"][0]["id"]
    for template in get_routes():
        path = template.format(slug=SLUG, post_id=post_id)
        got, head = client.get(path), client.head(path)
        assert got.status_code == 200, path
        assert head.status_code == 200, path
        assert head.content == b"", path
        for name in ("content-type", "content-length", "etag", "cache-control"):
            assert head.headers.get(name) == got.headers.get(name), (path, name)


def test_head_on_a_missing_blog_is_404_like_get(client: TestClient) -> None:
    for path in ("/blogs/nowhere", "/api/blogs/nowhere", "/blogs/nowhere/events"):
        head = client.head(path)
        assert head.status_code == 404, path
        assert head.content == b""


def test_head_on_the_stream_answers_its_headers_without_opening_it(client: TestClient) -> None:
    head = client.head(f"/blogs/{SLUG}/events")
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/event-stream")
    assert head.headers["cache-control"].startswith("no-cache")
    assert head.content == b""
    assert client.get("/healthz").json()["readers"] == 0


def test_a_405_names_the_methods_allowed(client: TestClient) -> None:
    refused = client.post("/healthz")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD"
    refused = client.put(f"/api/blogs/{SLUG}/posts/1")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD, PATCH, DELETE"
    refused = client.delete("/api/blogs")
    assert refused.headers["allow"] == "GET, HEAD, POST"


@pytest.mark.parametrize(
    "path", [f"/blogs/{SLUG}", f"/api/blogs/{SLUG}", f"/blogs/{SLUG}/feed.atom"]
)
def test_if_none_match_compares_tags_weakly_and_takes_lists_and_star(
    client: TestClient, path: str
) -> None:
    etag = client.get(path).headers["etag"]
    assert etag.startswith('W/"')
    strong = etag.removeprefix("W/")
    for header in (etag, strong, f'"other", {strong}', f'W/"other",{etag} ', "*"):
        answer = client.get(path, headers={"If-None-Match": header})
        assert answer.status_code == 304, header
        assert answer.headers["etag"] == etag
        assert answer.content == b""
    for header in ('"other"', 'W/"other", "0-nothing"', etag.replace('"', "")):
        assert client.get(path, headers={"If-None-Match": header}).status_code == 200, header
    assert client.head(path, headers={"If-None-Match": strong}).status_code == 304


def test_swagger_ui_comes_from_the_package_and_asks_no_other_origin(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", page.text)
    assert urls and all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert "cdn" not in page.text.lower()
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_openapi_document_says_what_the_server_really_sends(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "HTTPValidationError" not in document["components"]["schemas"]
    error = {"$ref": "#/components/schemas/Error"}
    paths = document["paths"]
    edit = paths["/api/blogs/{slug}/posts/{post_id}"]["patch"]
    assert {"401", "403", "404", "409", "413", "422", "428"} <= set(edit["responses"])
    for status in ("401", "409", "422", "428"):
        assert edit["responses"][status]["content"]["application/json"]["schema"] == error
    assert edit["security"] == [{"bearer": []}]
    parameters = {p["name"]: p for p in edit["parameters"]}
    assert parameters["if-match"]["required"] is True
    assert parameters["slug"]["schema"]["minLength"] == 1
    poll = {p["name"]: p["schema"] for p in paths["/api/blogs/{slug}/events"]["get"]["parameters"]}
    assert poll["since"]["minimum"] == 0 and poll["since"]["maximum"] == 2**31 - 1
    listing = paths["/api/blogs/{slug}/posts"]["get"]["parameters"]
    cursor = next(p["schema"] for p in listing if p["name"] == "cursor")
    assert cursor["minLength"] == 1 and "anyOf" not in cursor  # no null, no empty cursor
    assert "security" not in paths["/api/blogs/{slug}"]["get"]
