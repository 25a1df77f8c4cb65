"""Turns blogs and posts into HTML: whole pages, and the one-post fragments the stream carries."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import BytecodeCache, Environment, FileSystemLoader, select_autoescape
from jinja2.bccache import Bucket
from markupsafe import Markup

from liveline.formats import aptime, pictures
from liveline.formats.embeds import Provider, embed_urls, with_cards
from liveline.formats.feeds import blog_byline
from liveline.formats.jsonld import html_text
from liveline.formats.language import DEFAULT, language
from liveline.formats.richtext import render_markdown
from liveline.model import Blog, Image, Post
from liveline.web import words
from liveline.web.branding import Site

TEMPLATES = Path(__file__).parent / "templates"


class CompiledOnce(BytecodeCache):
    """Compiled templates kept for the life of the process, by name and source checksum, for
    every environment `make_templates` makes: each app (an instance, a test, `liveline
    export`) then parses and compiles a template once per process instead of once per app.
    Sound only because those environments are made alike; a changed source is compiled again."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = CompiledOnce()


def make_templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates change only with a release: no stat() of each template file (one per
        # post a page includes) on every render.
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
        bytecode_cache=_COMPILED,
    )
    words.install(env)  # each render's words are its context's `language` (web/words.py)
    env.globals["site"] = Site()  # the app sets the instance's own (web/branding.py)
    return env


@dataclass(frozen=True, slots=True)
class RenderedBody:
    body_hash: int  # the body it was made from: a key that outlived its text never matches
    html: str
    text: str  # the words a reader sees, for JSON-LD

    @property
    def size(self) -> int:
        return len(self.html) + len(self.text) + 200  # roughly: one byte a character, plus keys


class RenderCache:
    """Each post's body rendered once per version, kept up to `max_bytes` (least recently used
    goes first). Pages, embeds, feeds, JSON-LD and stream fragments all take bodies from here,
    so a page view, a feed poll or a new reader costs a dictionary look-up per post, not a
    Markdown parse. Safe to share between threads (renders run in the thread pool)."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.renders = 0  # bodies actually rendered: what tests and metrics watch
        self._entries: OrderedDict[tuple[int, int], RenderedBody] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        return self._bytes

    def get(self, post_id: int, version: int, body: str) -> RenderedBody:
        key = (post_id, version)
        body_hash = hash(body)
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found.body_hash == body_hash:
                self._entries.move_to_end(key)
                return found
        html = render_markdown(body)  # outside the lock: other posts need not wait for it
        rendered = RenderedBody(body_hash, html, html_text(html))
        with self._lock:
            self.renders += 1
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            if rendered.size <= self.max_bytes:
                self._entries[key] = rendered
                self._bytes += rendered.size
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.size
        return rendered

    def html(self, post: Post) -> str:
        return self.get(post.id, post.version, post.body).html

    def text(self, post: Post) -> str:
        return self.get(post.id, post.version, post.body).text


def post_view(
    post: dict[str, Any],
    timezone: str,
    organization: str | None,
    cache: RenderCache | None = None,
    tag: str = DEFAULT,
) -> dict[str, Any]:
    """A post's JSON plus what a page shows of it: the body as HTML and its time in words,
    in the blog's language (`tag`)."""
    lang = language(tag)
    published = post.get("published_at")
    moment = datetime.fromisoformat(published) if published else None
    if cache is not None and "id" in post and "version" in post:
        body_html = cache.get(post["id"], post["version"], post["body"]).html
    else:
        body_html = render_markdown(post["body"])
    return {
        **post,
        "images": [pictures.view(Image.from_json(image)) for image in post.get("images") or ()],
        "body_html": Markup(body_html),
        "time_text": aptime.post_time(moment, timezone, lang) if moment else "",
        "updated_text": edited_text(moment, post, timezone, tag),
        "byline": byline(post, organization, tag),
    }


EDIT_GRACE_SECONDS = 120  # a typo fixed at once is not news: later edits say when


def edited_text(
    published: datetime | None, post: dict[str, Any], timezone: str, tag: str = DEFAULT
) -> str:
    """When a post was changed after it was published ("" if it was not, or only at once).
    Version 1 was never changed: an imported post's row is younger than its time, not edited.
    """
    updated_at = post.get("updated_at")
    if published is None or not updated_at or post.get("version", 1) <= 1:
        return ""
    updated = datetime.fromisoformat(updated_at)
    if (updated - published).total_seconds() <= EDIT_GRACE_SECONDS:
        return ""
    return aptime.post_time(updated, timezone, language(tag))


def first_image_eager(views: list[dict[str, Any]]) -> None:
    """The page's first picture is likely in view at once: load it first, not lazily."""
    for view in views:
        if view["images"]:
            view["images"][0]["eager"] = True
            return


def byline(post: dict[str, Any], organization: str | None, tag: str = DEFAULT) -> str:
    """ "From CNN's Niamh Kennedy in London", or "From Ana Ruiz" for a blog with no outlet."""
    lang = language(tag)
    names = aptime.join_names(post.get("authors") or [], lang)
    if not names:
        return ""
    location = post.get("location")
    if organization and location:
        return lang.gettext(
            "From %(organization)s's %(names)s in %(location)s",
            organization=organization,
            names=names,
            location=location,
        )
    if organization:
        return lang.gettext(
            "From %(organization)s's %(names)s", organization=organization, names=names
        )
    if location:
        return lang.gettext("From %(names)s in %(location)s", names=names, location=location)
    return lang.gettext("From %(names)s", names=names)


def blog_view(blog: Blog, tag: str | None = None) -> dict[str, Any]:
    """The blog as a page shows it, in its language (or `tag`'s: the console's)."""
    tag = tag or blog.language
    updated = aptime.updated_time(blog.updated_at, blog.timezone, language(tag))
    return {
        **blog.to_json(),
        "updated_text": updated_text(updated, tag),
        "updated_time": updated,  # the time alone, as the snapshot's footer says it
        "byline": blog_byline(blog),
        "count_text": count_text(blog.post_count, tag),
    }


def summary_html(summary: str) -> Markup:
    """A blog's "What we know", rendered and sanitised exactly as a post's body is."""
    return Markup(render_markdown(summary)) if summary.strip() else Markup("")


def updated_text(time_text: str, tag: str = DEFAULT) -> str:
    """ "Updated 2:20 PM ET, Mon February 7, 2022" """
    return language(tag).gettext("Updated %(time)s", time=time_text)


def count_text(count: int, tag: str = DEFAULT) -> str:
    return language(tag).ngettext("%(num)d Post", "%(num)d Posts", count)


class PostRenderer:
    """Renders one post's article fragment, for the page and for the stream alike."""

    def __init__(
        self,
        templates: Environment,
        cache: RenderCache | None = None,
        providers: tuple[Provider, ...] = (),
        answers: Callable[[list[str]], dict[str, dict[str, Any] | None]] | None = None,
    ) -> None:
        self._template = templates.get_template("_post.html")
        self.cache = cache or RenderCache()
        self.providers = providers
        self.answers = answers

    def __call__(self, post: dict[str, Any], blog: Blog) -> str:
        view = post_view(post, blog.timezone, blog.organization, self.cache, blog.language)
        if self.providers:
            # What the providers have said so far: a post just published shows link cards,
            # and its post.updated, once they answer, the full cards (service.embeds).
            body = str(view["body_html"])
            urls = embed_urls(body, self.providers)
            said = self.answers(urls) if urls and self.answers is not None else {}
            view["body_html"] = Markup(with_cards(body, self.providers, said))
        return self._template.render(
            post=view, blog=blog_view(blog), language=language(blog.language)
        )
