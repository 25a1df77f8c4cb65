"""Issue 8: feeds and JSON-LD never take absolute URLs from a forged Host (defect 9); the RSS
channel description is HTML-escaped like its items (defect 10); odd dates never fail a page
(defect 3, rendering side)."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from liveline.app import create_app
from liveline.config import Settings
from liveline.formats import aptime
from liveline.web.render import post_view
from tests.harness import auth, make_token

ATOM = "{http://www.w3.org/2005/Atom}"
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
PUBLIC = "https://live.example.org"
FORGED = {"Host": "evil.example"}
FEEDS = ("feed.atom", "feed.rss", "feed.json")


def open_blog(client: TestClient, settings: Settings, **blog: object) -> dict[str, str]:
    editor = auth(make_token(settings, "ed", "editor"))
    created = client.post("/api/blogs", json={"title": "Storm", **blog}, headers=editor)
    assert created.status_code == 201, created.text
    posted = client.post(
        "/api/blogs/storm/posts", json={"headline": "Winds", "body": "Gusts."}, headers=editor
    )
    assert posted.status_code == 201, posted.text
    return editor


@pytest.fixture
def public_settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, base_url=PUBLIC + "/")


@pytest.fixture
def public_client(public_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(public_settings)) as test_client:
        yield test_client


def absolute_urls(text: str) -> set[str]:
    return set(re.findall(r"https?://[^\s\"'<>\\]+", text))


def test_a_forged_host_never_reaches_feeds_or_json_ld(
    public_client: TestClient, public_settings: Settings
) -> None:
    open_blog(public_client, public_settings)
    for name in FEEDS:
        response = public_client.get(f"/blogs/storm/{name}", headers=FORGED)
        assert response.status_code == 200
        assert "evil.example" not in response.text
        assert f"{PUBLIC}/blogs/storm" in response.text
        assert "host" not in response.headers.get("vary", "").lower()
    page = public_client.get("/blogs/storm", headers=FORGED)
    assert "evil.example" not in page.text
    (block,) = JSON_LD.findall(page.text)
    data = json.loads(block)
    assert data["url"] == f"{PUBLIC}/blogs/storm"
    assert data["liveBlogUpdate"][0]["url"].startswith(f"{PUBLIC}/blogs/storm#post-")


def test_without_a_base_url_the_host_is_used_and_responses_vary_on_it(
    client: TestClient, settings: Settings
) -> None:
    open_blog(client, settings)
    for path in [f"/blogs/storm/{name}" for name in FEEDS] + ["/blogs/storm"]:
        response = client.get(path, headers={"Host": "dev.local:8000"})
        assert "http://dev.local:8000/blogs/storm" in response.text
        assert "Host" in response.headers["vary"]
        again = client.get(path, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304
        assert "Host" in again.headers["vary"]


@pytest.mark.parametrize(
    "value",
    ["ftp://example.org", "example.org", "https://", "https://x.org/?a=1", "https://x.org/#top",
     "https://user:pw@x.org", "https://x.org:99999"],
)  # fmt: skip
def test_a_bad_base_url_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="base_url"):
        Settings(base_url=value)


def test_a_base_url_may_have_a_path_and_loses_its_trailing_slash() -> None:
    assert Settings(base_url="https://x.org/live/").base_url == "https://x.org/live"
    assert Settings(base_url="").base_url is None


def test_rss_channel_description_is_escaped_like_its_items(
    client: TestClient, settings: Settings
) -> None:
    open_blog(client, settings, authors=["<b>Ana</b> & Co"], organization="Gazette")
    channel = ET.fromstring(client.get("/blogs/storm/feed.rss").content).find("channel")
    assert channel is not None
    description = channel.findtext("description")
    # The element's text is HTML, as an item's description is: markup in a byline is text.
    assert description == html.escape("By <b>Ana</b> & Co, Gazette")
    assert html.unescape(description) == "By <b>Ana</b> & Co, Gazette"
    item = channel.find("item")
    assert item is not None and item.findtext("description") == "<p>Gusts.</p>\n"
    atom = ET.fromstring(client.get("/blogs/storm/feed.atom").content)
    assert atom.findtext(f"{ATOM}subtitle") == "By <b>Ana</b> & Co, Gazette"  # type="text"


EDGES = [
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
    datetime(1, 1, 1, 5, tzinfo=timezone(timedelta(hours=-14))),
    datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-14))),
    datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=14))),
]
ZONES = [
    "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Etc/GMT-14", "Etc/GMT+12",
    "Asia/Tokyo", "UTC", "America", "Not/A_Zone",
]  # fmt: skip


@pytest.mark.parametrize("moment", EDGES, ids=str)
@pytest.mark.parametrize("zone", ZONES)
def test_any_time_in_any_zone_renders(moment: datetime, zone: str) -> None:
    for text in (aptime.post_time(moment, zone), aptime.updated_time(moment, zone)):
        assert re.fullmatch(r"\d{1,2}:\d\d [ap]\.?m\.? \S+, .+, \d{1,4}", text, re.I), text


def test_a_zone_that_overflows_falls_back_to_utc_text() -> None:
    assert aptime.post_time(datetime(1, 1, 1, tzinfo=UTC), "America/New_York") == (
        "12:00 a.m. UTC, January 1, 1"
    )
    assert aptime.updated_time(datetime(9999, 12, 31, 23, 0, tzinfo=UTC), "Asia/Tokyo") == (
        "11:00 PM UTC, Fri December 31, 9999"
    )
    assert aptime.post_time(datetime(2022, 2, 7, 19, 20, tzinfo=UTC), "America/New_York") == (
        "2:20 p.m. ET, February 7, 2022"
    )


def test_a_post_at_the_edge_of_the_calendar_renders() -> None:
    post = {"id": 1, "version": 1, "body": "x", "published_at": "0001-01-01T00:00:00+00:00"}
    assert post_view(post, "America/New_York", None)["time_text"] == "12:00 a.m. UTC, January 1, 1"
