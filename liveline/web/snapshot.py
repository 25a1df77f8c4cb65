"""`liveline export-html SLUG DIR`: a closed blog's archive as static files (one HTML page, its
stylesheet, and the photos it shows) that any plain file server can serve, with no Liveline
and no script behind it: every post on one page, newest first, key events linking to their
posts, "What we know" above them, in the blog's own branding.

Photos uploaded to Liveline (/media/…) are copied beside the page, in `media/`, the ones the
page references (each rendition in its srcsets); their addresses become relative, so the page
asks nothing of the site it came from. Photos elsewhere (https://…) stay where they are."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from liveline.config import Settings
from liveline.formats.language import language
from liveline.model import Blog, Image, Post
from liveline.service import Service
from liveline.web.branding import Site, accent_rule, site_for, site_of
from liveline.web.landing import key_event_views
from liveline.web.render import RenderCache, blog_view, make_templates, post_view, summary_html

STATIC = Path(__file__).parent / "static"
BATCH = 200  # posts read at a time
MEDIA = "media"  # the photos' folder beside index.html


def write_snapshot(
    service: Service, slug: str, directory: Path, settings: Settings | None = None
) -> int:
    """Write index.html, liveline.css (and brand.css, media/) into `directory`, in the
    instance's branding (`settings`) and the blog's own; the number of posts written."""
    blog = service.blogs.get(slug)
    pinned, posts = _everything(service, slug)
    photos = _Photos(service, directory / MEDIA)
    pinned, posts = [photos.of(p) for p in pinned], [photos.of(p) for p in posts]
    cache = RenderCache()
    keys = [post for post in (*pinned, *posts) if post.key_event]
    keys.sort(key=lambda post: (post.published_at, post.id), reverse=True)
    views = [
        post_view(p.to_json(), blog.timezone, blog.organization, cache, blog.language)
        for p in (*pinned, *posts)
    ]
    site = site_of(settings) if settings is not None else Site()
    marks = _marks(site_for(site, blog), photos)
    html = (
        make_templates()
        .get_template("snapshot.html")
        .render(
            blog=blog_view(blog),
            pinned=views[: len(pinned)],
            posts=views[len(pinned) :],
            key_events=key_event_views(keys, blog, cache),
            summary=summary_html(blog.summary),
            site=marks,
            snapshot=True,
            language=language(blog.language),
        )
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "index.html").write_text(html, encoding="utf-8")
    shutil.copyfile(STATIC / "liveline.css", directory / "liveline.css")
    if marks.accent_color:
        (directory / "brand.css").write_text(accent_rule(marks.accent_color), encoding="utf-8")
    return len(views)


def _marks(site: Site, photos: _Photos) -> Site:
    """The page's marks, with a logo or favicon of ours copied beside it."""
    return replace(
        site,
        logo_url=photos.url(site.logo_url) if site.logo_url else None,
        favicon_url=photos.url(site.favicon_url) if site.favicon_url else None,
        stylesheet="brand.css",
    )


class _Photos:
    """Copies the /media/ files the page shows into the snapshot, once each."""

    def __init__(self, service: Service, folder: Path) -> None:
        self._media = service.media
        self._folder = folder
        self.copied: set[str] = set()

    def _key(self, url: str) -> str | None:
        for prefix in {f"{self._media.origin}/media/", "/media/"}:
            if url.startswith(prefix) and "/" not in url[len(prefix) :]:
                return url[len(prefix) :]
        return None

    def url(self, url: str) -> str:
        """A relative address for one of ours (copied), the same one for any other."""
        key = self._key(url)
        if key is None:
            return url
        if key not in self.copied:
            blob = self._media.file(key)
            if blob is not None:
                self._folder.mkdir(parents=True, exist_ok=True)
                (self._folder / key).write_bytes(blob.data)
            self.copied.add(key)
        return f"{MEDIA}/{key}"

    def of(self, post: Post) -> Post:
        if not post.images:
            return post
        return replace(post, images=tuple(self._image(image) for image in post.images))

    def _image(self, image: Image) -> Image:
        if image.renditions:  # the page shows these (srcset and src), not the original
            renditions = tuple(replace(r, url=self.url(r.url)) for r in image.renditions)
            return replace(image, renditions=renditions)
        return replace(image, url=self.url(image.url)) if image.url else image


def _everything(service: Service, slug: str) -> tuple[list[Post], list[Post]]:
    blog: Blog = service.blogs.get(slug)
    pinned, posts, cursor = service.posts.page(blog, limit=BATCH)
    while cursor is not None:
        _, more, cursor = service.posts.page(blog, cursor=cursor, limit=BATCH)
        posts.extend(more)
    return pinned, posts
