"""Syndication: a blog's latest posts as Atom, RSS 2.0 and JSON Feed 1.1.

Pure functions of a blog, its posts (newest first, published only) and the site's base URL,
so the same feed comes out of a web request, a test or a script alike.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from feedgen.ext.base import BaseEntryExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from liveline.formats import aptime, pictures
from liveline.formats.language import language
from liveline.formats.richtext import render_markdown
from liveline.model import Blog, Post

MAX_ITEMS = 50
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

# XML 1.0 cannot carry most control characters at all; lxml refuses them outright, so one stray
# byte pasted into a headline would otherwise take the whole feed down.
XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def blog_url(base_url: str, blog: Blog) -> str:
    return f"{base_url}/blogs/{blog.slug}"


def post_url(base_url: str, blog: Blog, post: Post) -> str:
    """The post's anchor on the reader page; also its permanent id in every feed."""
    return f"{blog_url(base_url, blog)}#post-{post.id}"


def utc(moment: datetime) -> datetime:
    # The store hands back aware UTC already; a naive time here would be a bug upstream,
    # and reading it as UTC is the least surprising repair.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # year 1 east of UTC: the clock as written beats no feed at all
        return moment.replace(tzinfo=UTC)


def blog_byline(blog: Blog) -> str:
    """ "By Aditi Sangal and Mike Hayes, CNN", in the blog's language; "" with no authors."""
    if not blog.authors:
        return ""
    lang = language(blog.language)
    names = aptime.join_names(blog.authors, lang)
    if blog.organization:
        return lang.gettext(
            "By %(names)s, %(organization)s", names=names, organization=blog.organization
        )
    return lang.gettext("By %(names)s", names=names)


def subtitle(blog: Blog) -> str:
    """The blog's byline — or the organization or title, since RSS needs a description."""
    return blog_byline(blog) or blog.organization or blog.title


def feed_posts(posts: Sequence[Post]) -> list[Post]:
    """Published posts only, newest first, at most MAX_ITEMS: pinning is a page's affair."""
    visible = [post for post in posts if post.is_visible and post.published_at is not None]
    visible.sort(key=lambda post: (published(post), post.id), reverse=True)
    return visible[:MAX_ITEMS]


def published(post: Post) -> datetime:
    """A feed's post's time, in UTC: feed_posts keeps only posts that have one."""
    if post.published_at is None:
        raise ValueError(f"post {post.id} has no publication time to put in a feed")
    return utc(post.published_at)


# A post's body as sanitised HTML: by default rendered here; a web process passes its cache.
BodyHtml = Callable[[Post], str]


def _render(post: Post) -> str:
    return render_markdown(post.body)


def atom(blog: Blog, posts: Sequence[Post], base_url: str, body_html: BodyHtml = _render) -> bytes:
    return bytes(_generator(blog, posts, base_url, "feed.atom", body_html).atom_str(pretty=False))


def rss(blog: Blog, posts: Sequence[Post], base_url: str, body_html: BodyHtml = _render) -> bytes:
    return bytes(_generator(blog, posts, base_url, "feed.rss", body_html).rss_str(pretty=False))


def json_feed(
    blog: Blog, posts: Sequence[Post], base_url: str, body_html: BodyHtml = _render
) -> dict[str, Any]:
    home = blog_url(base_url, blog)
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": blog.title,
        "home_page_url": home,
        "feed_url": f"{home}/feed.json",
        "description": subtitle(blog),
        "language": blog.language,
        "items": [],
    }
    if blog.authors:
        feed["authors"] = [{"name": name} for name in blog.authors]
    for post in feed_posts(posts):
        item: dict[str, Any] = {
            "id": post_url(base_url, blog, post),
            "url": post_url(base_url, blog, post),
            "title": post.headline,
            "content_html": body_html(post),
            "date_published": published(post).isoformat(),
            "date_modified": utc(post.updated_at).isoformat(),
        }
        if post.authors:
            item["authors"] = [{"name": name} for name in post.authors]
        pictures = _pictures(post, base_url)
        if pictures:
            item["image"] = pictures[0][0]
            item["attachments"] = [{"url": url, "mime_type": type} for url, type in pictures]
        feed["items"].append(item)
    return feed


def _generator(
    blog: Blog, posts: Sequence[Post], base_url: str, name: str, body_html: BodyHtml
) -> FeedGenerator:
    """One generator per format: the rel=self link differs, and feedgen holds one of each."""
    home = blog_url(base_url, blog)
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)  # RSS <author> wants an e-mail; dc:creator not
    fg.id(home)
    fg.title(_xml(blog.title))
    fg.language(blog.language)  # RSS <language>, Atom xml:lang
    # Atom's subtitle is plain text (type="text"); an RSS <description> is HTML, as its items'
    # are, so the plain byline is escaped as HTML first: "<b>" must reach a reader as text.
    description = subtitle(blog)
    fg.subtitle(_xml(html.escape(description) if name == "feed.rss" else description))
    # feedgen makes the last link given the RSS <channel><link>: the page, not the feed.
    fg.link(href=f"{home}/{name}", rel="self")
    fg.link(href=home, rel="alternate")
    fg.updated(utc(blog.updated_at))
    for author in blog.authors:
        fg.author({"name": _xml(author)})
    for post in feed_posts(posts):
        entry = fg.add_entry(order="append")  # feedgen prepends by default; we are sorted
        url = post_url(base_url, blog, post)
        entry.id(url)
        entry.title(_xml(post.headline))
        entry.link(href=url, rel="alternate")
        entry.published(published(post))
        entry.updated(utc(post.updated_at))
        for author in post.authors:
            entry.author({"name": _xml(author)})
        if post.authors:
            entry.dc.dc_creator([_xml(author) for author in post.authors])
        entry.content(_xml(body_html(post)), type="html")
        found = _pictures(post, base_url)
        if found and name == "feed.rss":
            # RSS takes one enclosure an item: the post's first picture. Length unknown: 0.
            entry.enclosure(_xml(found[0][0]), "0", found[0][1])
        elif found:
            # feedgen writes Atom links without their rel (a bug of its link loop), which
            # would make enclosures alternates: they are added by an extension instead.
            entry.register_extension("enclosures", _AtomEnclosures, atom=True, rss=False)
            entry.enclosures.links = found
    return fg


class _AtomEnclosures(BaseEntryExtension):  # type: ignore[misc]
    def __init__(self) -> None:
        self.links: list[tuple[str, str]] = []

    def extend_atom(self, entry: Any) -> Any:
        for url, type in self.links:
            link = etree.SubElement(entry, "{http://www.w3.org/2005/Atom}link")
            link.attrib.update({"rel": "enclosure", "href": _xml(url), "type": type})
        return entry


def _pictures(post: Post, base_url: str) -> list[tuple[str, str]]:
    """(absolute URL, MIME type) of each picture of a post: a 960 px rendition of an upload."""
    found = []
    for image in post.images:
        url = pictures.src(image)
        if url is None:
            continue
        type = pictures.fallback_type(image) if image.renditions else _guess_type(url)
        found.append((pictures.absolute(url, base_url), type))
    return found


def _guess_type(url: str) -> str:
    ending = url.rsplit("?", 1)[0].rsplit(".", 1)[-1].lower()
    return {"png": "image/png", "webp": "image/webp", "gif": "image/gif"}.get(ending, "image/jpeg")


def _xml(text: str) -> str:
    return XML_INVALID.sub("", text)
