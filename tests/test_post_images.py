"""An uploaded picture everywhere a post goes: page, embed, stream, feeds, JSON-LD, archive."""

from __future__ import annotations

import base64
import json
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from liveline.app import create_app
from liveline.config import Settings
from tests.harness import auth, invoke_cli, make_token
from tests.images import photo

ATOM = "{http://www.w3.org/2005/Atom}"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the page's meta properties."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def all(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]

    def meta(self, key: str) -> str | None:
        for attrs in self.all("meta"):
            if key in (attrs.get("property"), attrs.get("name")):
                return attrs.get("content")
        return None


def tell_story(client: TestClient, settings: Settings) -> dict[str, Any]:
    """A blog with two posts of uploaded photos (the newer one with two), and a URL image."""
    token = make_token(settings, "ana", "editor")
    headers = auth(token)
    blog = {"title": "Storm watch", "slug": "storm", "organization": "Gazette"}
    assert client.post("/api/blogs", json=blog, headers=headers).status_code == 201
    uploads = []
    for index, size in enumerate([(2400, 1600), (1200, 800), (1000, 1000)]):
        answer = client.post(
            "/api/media",
            files={"file": (f"p{index}.jpg", photo(*size), "image/jpeg")},
            data={"caption": f"Upload {index}", "credit": "Ana Ruiz/Gazette"},
            headers=headers,
        )
        assert answer.status_code == 201, answer.text
        uploads.append(answer.json())
    older = {
        "headline": "Winds pick up",
        "body": "Gusts of 60 mph.",
        "images": [{"media": uploads[2]["id"], "alt": "A square"}, {"url": "https://x.org/a.png"}],
    }
    newer = {
        "headline": "Flooding downtown",
        "body": "Water on Main Street.",
        "images": [
            {"media": uploads[0]["id"], "caption": "Main Street at noon", "alt": "Flooded road"},
            {"media": uploads[1]["id"]},
        ],
    }
    for post in (older, newer):
        answer = client.post("/api/blogs/storm/posts", json=post, headers=headers)
        assert answer.status_code == 201, answer.text
    return {"uploads": uploads, "headers": headers}


@pytest.fixture(scope="module")
def told(migrated_database: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The story, told once for the module through the API (cutting its uploads into
    renditions is most of what a test here costs): the folder of its database and media,
    and what `story` gives each test."""
    where = tmp_path_factory.mktemp("story")
    shutil.copy(migrated_database, where / "liveline.db")
    settings = Settings(
        database_url=f"sqlite:///{where / 'liveline.db'}",
        max_body_bytes=64_000,
        media_dir=str(where / "media"),
    )
    with TestClient(create_app(settings)) as client:
        story = tell_story(client, settings)
    return where, story


@pytest.fixture
def database_url(told: tuple[Path, dict], tmp_path: Path) -> str:
    """This test's own copy of the told story: its database, and its media where the
    `settings` fixture looks for them (tmp_path / "media")."""
    where, _ = told
    for file in where.glob("liveline.db*"):  # and a WAL, were one left
        shutil.copy(file, tmp_path / file.name)
    shutil.copytree(where / "media", tmp_path / "media")
    return f"sqlite:///{tmp_path / 'liveline.db'}"


@pytest.fixture
def story(told: tuple[Path, dict], client: TestClient) -> dict[str, Any]:
    """The story, in this test's copy of it (which `client` serves)."""
    return told[1]


def test_an_unknown_upload_is_refused_with_the_images_place(
    client: TestClient, story: dict[str, Any]
) -> None:
    post = {"headline": "h", "body": "b", "images": [{"url": "/a.jpg"}, {"media": "0" * 32}]}
    answer = client.post("/api/blogs/storm/posts", json=post, headers=story["headers"])
    assert answer.status_code == 422
    assert "images[1].media" in answer.json()["error"]["message"]
    both = {"headline": "h", "body": "b", "images": [{"url": "/a.jpg", "media": "0" * 32}]}
    assert (
        client.post("/api/blogs/storm/posts", json=both, headers=story["headers"]).status_code
        == 422
    )


def test_the_page_has_srcset_sizes_and_dimensions_and_only_the_first_is_eager(
    client: TestClient, story: dict[str, Any]
) -> None:
    page = client.get("/blogs/storm")
    images = Tags(page.text).all("img")
    uploaded = [attrs for attrs in images if attrs.get("srcset")]
    assert len(uploaded) == 3
    first = uploaded[0]
    assert (first["width"], first["height"]) == ("2400", "1600")
    assert "480w" in (first["srcset"] or "") and "1600w" in (first["srcset"] or "")
    assert first["sizes"] and first["decoding"] == "async"
    assert "loading" not in first  # the first picture of the page is not lazy
    assert all(attrs.get("loading") == "lazy" for attrs in images[1:])
    sources = Tags(page.text).all("source")
    assert all(s["type"] == "image/webp" and ".webp 480w" in (s["srcset"] or "") for s in sources)
    assert "Main Street at noon" in page.text and "(Ana Ruiz/Gazette)" in page.text
    assert "Upload 1" in page.text  # the upload's caption, where the post gave none
    assert 'alt="Flooded road"' in page.text
    policy = page.headers["content-security-policy"]
    assert "img-src 'self'" in policy


def test_open_graph_and_twitter_show_the_lead_image(
    client: TestClient, story: dict[str, Any]
) -> None:
    tags = Tags(client.get("/blogs/storm").text)
    lead = tags.meta("og:image") or ""
    assert lead.startswith("http://testserver/media/") and lead.endswith(".jpg")
    assert tags.meta("og:image:width") == "1600"
    assert tags.meta("og:image:height") == "1067"
    assert tags.meta("twitter:card") == "summary_large_image"
    assert tags.meta("twitter:image") == lead


def test_the_embed_and_the_stream_fragment_carry_the_picture(
    client: TestClient, story: dict[str, Any]
) -> None:
    embed = Tags(client.get("/blogs/storm/embed").text).all("img")
    assert sum(1 for attrs in embed if attrs.get("srcset")) == 3
    events = client.get("/api/blogs/storm/events?since=0").json()["events"]
    posted = events[-1]["post"]
    assert posted["images"][0]["renditions"], posted["images"][0]
    # The stream's fragment is rendered by the same renderer the app gives the stream.
    renderer = client.app.state.render_post  # type: ignore[attr-defined]
    blog = client.app.state.service.blogs.get("storm")  # type: ignore[attr-defined]
    html = renderer(posted, blog)
    assert 'srcset="' in html and 'width="2400"' in html and 'loading="lazy"' in html


def test_each_feed_carries_the_pictures(client: TestClient, story: dict[str, Any]) -> None:
    atom = ET.fromstring(client.get("/blogs/storm/feed.atom").content)
    entry = atom.findall(f"{ATOM}entry")[0]
    enclosures = [link for link in entry.findall(f"{ATOM}link") if link.get("rel") == "enclosure"]
    assert {link.get("type") for link in enclosures} == {"image/jpeg"}
    assert all(
        (link.get("href") or "").startswith("http://testserver/media/") for link in enclosures
    )
    assert len(enclosures) == 2

    rss = ET.fromstring(client.get("/blogs/storm/feed.rss").content)
    items = rss.findall("channel/item")
    enclosure = items[0].find("enclosure")
    assert enclosure is not None and enclosure.get("type") == "image/jpeg"
    assert (enclosure.get("url") or "").startswith("http://testserver/media/")
    older = items[1].find("enclosure")
    assert older is not None

    feed = client.get("/blogs/storm/feed.json").json()
    newest = feed["items"][0]
    assert newest["image"].startswith("http://testserver/media/")
    assert [item["mime_type"] for item in newest["attachments"]] == ["image/jpeg", "image/jpeg"]
    assert feed["items"][1]["attachments"][1] == {
        "url": "https://x.org/a.png",
        "mime_type": "image/png",
    }


def test_json_ld_has_image_objects(client: TestClient, story: dict[str, Any]) -> None:
    html = client.get("/blogs/storm").text
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found is not None
    data = json.loads(found[1])
    assert data["image"]["@type"] == "ImageObject"
    picture = data["liveBlogUpdate"][0]["image"][0]
    assert picture["url"].startswith("http://testserver/media/")
    assert (picture["width"], picture["height"]) == (1600, 1067)
    assert picture["caption"] == "Main Street at noon"
    assert picture["creditText"] == picture["copyrightNotice"] == "Ana Ruiz/Gazette"


def test_an_archive_round_trip_keeps_every_image(
    client: TestClient, story: dict[str, Any], settings: Settings, tmp_path: Path
) -> None:
    env = {"LIVELINE_DATABASE_URL": settings.database_url}
    exported = invoke_cli("export", "storm", "--output", str(tmp_path / "a.json"), env=env)
    assert exported.returncode == 0, exported
    archive = json.loads((tmp_path / "a.json").read_text())
    invoke_cli("import-json", str(tmp_path / "a.json"), "--slug", "copy", env=env)
    original = client.get("/api/blogs/storm/posts").json()["posts"]
    copied = client.get("/api/blogs/copy/posts").json()["posts"]
    assert [p["images"] for p in copied] == [p["images"] for p in original]
    assert archive["posts"][0]["images"][0]["renditions"]
    page = Tags(client.get("/blogs/copy").text).all("img")
    assert sum(1 for attrs in page if attrs.get("srcset")) == 3
    for image in copied[0]["images"]:
        for item in image["renditions"]:
            assert client.get(item["url"]).status_code == 200


def test_an_archive_carries_its_uploads_to_another_database(
    client: TestClient, story: dict[str, Any], settings: Settings, tmp_path: Path
) -> None:
    exported = invoke_cli(
        "export", "storm", "--output", str(tmp_path / "a.json"),
        env={"LIVELINE_DATABASE_URL": settings.database_url,
             "LIVELINE_MEDIA_DIR": settings.media_dir},
    )  # fmt: skip
    assert exported.returncode == 0, exported
    archive = json.loads((tmp_path / "a.json").read_text())
    assert {upload["id"] for upload in archive["media"]} == {u["id"] for u in story["uploads"]}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = Settings(database_url=f"sqlite:///{elsewhere / 'b.db'}", media_dir=str(elsewhere / "m"))
    env = {"LIVELINE_DATABASE_URL": other.database_url, "LIVELINE_MEDIA_DIR": other.media_dir}
    invoke_cli("import-json", str(tmp_path / "a.json"), env=env)
    original = client.get("/api/blogs/storm/posts").json()["posts"]
    with TestClient(create_app(other)) as moved:
        copied = moved.get("/api/blogs/storm/posts").json()["posts"]
        assert [p["images"] for p in copied] == [p["images"] for p in original]
        for post in copied:
            for image in post["images"]:
                for item in image["renditions"]:
                    served = moved.get(item["url"])
                    assert served.status_code == 200, item
                    assert served.content == client.get(item["url"]).content


def test_an_archived_file_that_is_not_what_its_name_says_is_refused(
    client: TestClient, story: dict[str, Any], settings: Settings, tmp_path: Path
) -> None:
    env = {"LIVELINE_DATABASE_URL": settings.database_url, "LIVELINE_MEDIA_DIR": settings.media_dir}
    invoke_cli("export", "storm", "--output", str(tmp_path / "a.json"), env=env)
    archive = json.loads((tmp_path / "a.json").read_text())
    archive["media"][0]["files"][0]["data"] = base64.b64encode(b"<script>x</script>").decode()
    (tmp_path / "bad.json").write_text(json.dumps(archive))
    result = invoke_cli(
        "import-json", str(tmp_path / "bad.json"), "--slug", "bad", env=env, check=False
    )
    assert result.returncode != 0
    assert "do not match its name" in result.stderr + result.stdout
    assert client.get("/api/blogs/bad").status_code == 404


def test_a_caption_only_image_is_given_its_photo_later(
    client: TestClient, story: dict[str, Any]
) -> None:
    """As an imported post has it: caption and credit, no picture; the desk adds the photo."""
    headers = story["headers"]
    imported = {"headline": "Talks", "body": "b",
                "images": [{"caption": "Leaders meet.", "credit": "Pool/AFP"}]}  # fmt: skip
    made = client.post("/api/blogs/storm/posts", json=imported, headers=headers).json()
    assert (
        'srcset="'
        not in client.get(f"/blogs/storm#post-{made['id']}")
        .text.split(f'id="post-{made["id"]}"')[1]
        .split("</article>")[0]
    )
    given = {"images": [{"media": story["uploads"][1]["id"], "caption": "Leaders meet.",
                         "credit": "Pool/AFP"}]}  # fmt: skip
    changed = client.patch(
        f"/api/blogs/storm/posts/{made['id']}",
        json=given,
        headers={**headers, "If-Match": str(made["version"])},
    )
    assert changed.status_code == 200, changed.text
    image = changed.json()["images"][0]
    assert image["caption"] == "Leaders meet." and image["credit"] == "Pool/AFP"
    assert image["width"] == 1200 and image["renditions"]
    article = client.get("/blogs/storm").text.split(f'id="post-{made["id"]}"')[1]
    assert 'srcset="' in article.split("</article>")[0]
