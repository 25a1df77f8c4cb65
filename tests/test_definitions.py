"""One definition of a post and a blog: every other spelling is derived from it or checked here.

Add a field to `model.Post` and these tests say where else it must go: the table, the
writers' inputs, the archive, the JSON the API answers with, the public event payload.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from liveline.formats.archive import ArchivedBlog, ArchivedImage, ArchivedPost, ArchivedRendition
from liveline.model import (
    BLOG_WRITABLE,
    IMAGE_WRITABLE,
    POST_SERVER_FIELDS,
    POST_WRITABLE,
    Blog,
    Image,
    Limit,
    Post,
    PostStatus,
    Rendition,
)
from liveline.store.tables import blogs, posts
from liveline.values import BlogIn, BlogPatch, ImageIn, PostIn, PostPatch

POST_FIELDS = {item.name for item in fields(Post)}
BLOG_FIELDS = {item.name for item in fields(Blog)}
NOW = datetime(2026, 1, 1, tzinfo=UTC)
STORE_ONLY_POST_COLUMNS = {"client_key"}  # the writer's Idempotency-Key, never shown


def test_every_post_field_is_either_written_or_kept_by_the_server() -> None:
    assert set(POST_WRITABLE) | set(POST_SERVER_FIELDS) == POST_FIELDS
    assert not set(POST_WRITABLE) & set(POST_SERVER_FIELDS)


def test_the_posts_table_has_a_column_for_each_field() -> None:
    assert {column.name for column in posts.columns} == POST_FIELDS | STORE_ONLY_POST_COLUMNS


def test_the_blogs_table_has_a_column_for_each_field() -> None:
    assert {column.name for column in blogs.columns} == BLOG_FIELDS


def test_writers_inputs_name_exactly_the_writable_fields() -> None:
    assert set(PostPatch.model_fields) == set(POST_WRITABLE)
    assert set(PostIn.model_fields) == set(POST_WRITABLE)
    assert set(BlogIn.model_fields) == set(BLOG_WRITABLE)
    assert set(BlogPatch.model_fields) == set(BLOG_WRITABLE) - {"slug"}  # a slug never changes


def test_an_image_is_the_same_everywhere() -> None:
    names = {item.name for item in fields(Image)}
    # A writer names the picture; its sizes and renditions come from the upload.
    assert set(ImageIn.model_fields) == set(IMAGE_WRITABLE)
    assert set(IMAGE_WRITABLE) <= names
    assert set(ArchivedImage.model_fields) == names
    assert set(ArchivedRendition.model_fields) == {item.name for item in fields(Rendition)}


def test_an_image_round_trips_through_its_json() -> None:
    image = Image(media="a" * 32, width=800, height=600, renditions=(Rendition("/m/x", 480, "t"),))
    post_json = Post(
        id=1, blog_id=2, headline="h", body="b", authors=(), location=None, contributors=(),
        images=(image,), label=None, status=PostStatus.PUBLISHED, pinned=False,
        key_event=False, published_at=None, publish_at=None, created_at=NOW, updated_at=NOW,
        version=1,
    ).to_json()  # fmt: skip
    assert Image.from_json(post_json["images"][0]) == image


def test_the_archive_keeps_every_field_but_those_of_one_database() -> None:
    # A post's blog is the archive itself; whose account wrote it means nothing elsewhere.
    assert set(ArchivedPost.model_fields) == POST_FIELDS - {"blog_id", "author_user_id"}
    # The log position and the count are the new database's own.
    assert set(ArchivedBlog.model_fields) == BLOG_FIELDS - {"id", "last_seq", "post_count"}


def test_the_json_of_a_post_is_derived_from_its_fields() -> None:
    post = Post(
        id=1, blog_id=2, headline="h", body="b", authors=("A",), location=None,
        contributors=(), images=(Image(url="/x.jpg"),), label=None, status=PostStatus.PUBLISHED,
        pinned=False, key_event=True, published_at=None, publish_at=None,
        created_at=NOW, updated_at=NOW,
        version=1, author_user_id=3,
    )  # fmt: skip
    assert set(post.to_json()) == POST_FIELDS - {"blog_id", "author_user_id"}
    assert post.to_json()["images"] == [
        {"url": "/x.jpg", "caption": None, "credit": None, "alt": None, "media": None,
         "width": None, "height": None, "renditions": []}
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "limit"),
    [("headline", Limit.HEADLINE), ("location", Limit.LOCATION), ("label", Limit.LABEL)],
)
def test_a_post_column_holds_exactly_what_the_input_accepts(name: str, limit: int) -> None:
    assert posts.c[name].type.length == limit  # type: ignore[attr-defined]
    PostIn.model_validate({"headline": "h", "body": "", name: "x" * limit})
    with pytest.raises(ValidationError):
        PostIn.model_validate({"headline": "h", "body": "", name: "x" * (limit + 1)})


@pytest.mark.parametrize(("name", "limit"), [("title", Limit.TITLE), ("organization", Limit.NAME)])
def test_a_blog_column_holds_exactly_what_the_input_accepts(name: str, limit: int) -> None:
    assert blogs.c[name].type.length == limit  # type: ignore[attr-defined]
    BlogIn.model_validate({"title": "t", name: "x" * limit})
    with pytest.raises(ValidationError):
        BlogIn.model_validate({"title": "t", name: "x" * (limit + 1)})


def test_a_blogs_language_column_holds_every_tag_the_inputs_accept() -> None:
    assert blogs.c["language"].type.length == Limit.LANGUAGE  # type: ignore[attr-defined]
    longest = "zh-Hant-TW"  # a tag Babel knows, well within the bound
    assert BlogIn.model_validate({"title": "t", "language": longest}).language == longest
    assert ArchivedBlog.model_fields["language"].default == "en-US"  # archives before v4
    with pytest.raises(ValidationError):
        BlogIn.model_validate({"title": "t", "language": "de-" + "x" * Limit.LANGUAGE})
