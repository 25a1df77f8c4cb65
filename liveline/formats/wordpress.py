"""WordPress Liveblog entries (the JSON its REST API returns) as a parsed live blog.

The plugin (github.com/Automattic/liveblog) answers `…/liveblog/v1/{post}/entries/{from}/{to}`
and `…/get-entries/{page}/{last}` with `{"entries": [...], ...}`; each entry, from
`WPCOM_Liveblog_Entry::for_json()`, holds `id`, `type` ("new", "update" or "delete": an update
or delete carries the id of the entry it replaces), `render` (the entry's HTML, shortcodes and
embeds applied) and `content` (as written), `timestamp` and `entry_time` (Unix seconds, GMT;
`entry_time` is the original entry's), `authors` (`[{"id", "key", "name", "avatar"}]`),
`share_link`, and from the key-events extension `key_event`. A file may hold one such answer,
a list of them (one per page), or a bare list of entries.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from liveline.formats.htmltext import html_to_markdown, join_blocks
from liveline.formats.textparse.parsed import ParsedBlog, ParsedImage, ParsedPost, ParseError

EXPECTED = (
    'expected the JSON of WordPress Liveblog\'s entries: {"entries": [{"id", "render" or '
    '"content", "timestamp", "authors", …}]}'
)
HEADLINE_WORDS = 10  # as the plugin's own get_entry_title()


def parse_wordpress(data: bytes, *, timezone: str = "UTC", title: str | None = None) -> ParsedBlog:
    """Read the entries; `title` names the blog (the API's entries do not carry it)."""
    try:
        text = data.decode("utf-8-sig")
        document = json.loads(text)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError(line, f"the file is not UTF-8 text; {EXPECTED}") from None
    except json.JSONDecodeError as exc:
        raise ParseError(exc.lineno, f"this is not JSON ({exc.msg}); {EXPECTED}") from None
    pages = document if isinstance(document, list) else [document]
    if pages and all(isinstance(p, dict) and "entries" not in p for p in pages):
        pages = [{"entries": pages}]  # a bare list of entries
    entries: dict[str, dict[str, Any]] = {}  # by id, in the order they first appear
    total = None
    for page in pages:
        if not isinstance(page, dict) or not isinstance(page.get("entries"), list):
            raise ParseError(1, EXPECTED)
        if isinstance(page.get("total"), int):
            total = page["total"]
        for entry in page["entries"]:
            if not isinstance(entry, dict) or "id" not in entry:
                raise ParseError(_line_of(text, entry), f"an entry has no 'id'; {EXPECTED}")
            key = str(entry["id"])
            if entry.get("type") == "delete":
                entries.pop(key, None)
            elif entry.get("type") == "update" and key in entries:
                entries[key] = {**entries[key], **entry}
            else:
                entries[key] = entry
    if not entries:
        raise ParseError(1, f"there are no entries; {EXPECTED}")
    zone = ZoneInfo(timezone)
    posts = [_post(text, entry, zone) for entry in entries.values()]
    links = [str(e["share_link"]) for e in entries.values() if isinstance(e.get("share_link"), str)]
    updated = max(
        max(p.published for p in posts),
        *(_time(text, e, "timestamp", zone) for e in entries.values() if "timestamp" in e),
    )
    authors = tuple(dict.fromkeys(a for p in posts for a in p.authors))
    return ParsedBlog(
        title or _title_from_link(links[0] if links else "") or "Live blog",
        authors, None, updated, timezone, total, tuple(posts),
        tuple(
            f"line {p.line}: entry {key} has no text; its headline is {p.headline!r}"
            for key, p in zip(entries, posts, strict=True)
            if p.headline == f"Entry {key}" and not p.body
        ),
    )  # fmt: skip


def _post(text: str, entry: dict[str, Any], zone: ZoneInfo) -> ParsedPost:
    line = _line_of(text, entry)
    kinds = ("render", "html", "content")
    html = next((entry[k] for k in kinds if isinstance(entry.get(k), str)), None)
    if html is None:
        message = f"entry {entry['id']} has no 'render' or 'content' HTML"
        raise ParseError(line, f"{message}; {EXPECTED}")
    # The original entry's time (entry_time) over the time of its latest edit (timestamp).
    field = "entry_time" if entry.get("entry_time") not in (None, "") else "timestamp"
    published = _time(text, entry, field, zone)
    converted = html_to_markdown(html)
    blocks = converted.blocks
    if converted.headings:
        # The entry's first heading is its headline; leading the body, it is not repeated there.
        headline = converted.headings[0]
        if blocks[:1] and blocks[0][0] == "heading":
            blocks = blocks[1:]
    else:
        words = converted.text.split()
        headline = " ".join(words[:HEADLINE_WORDS]) + ("…" if len(words) > HEADLINE_WORDS else "")
    headline = headline or f"Entry {entry['id']}"
    authors = entry.get("authors") or []
    if not isinstance(authors, list):
        raise ParseError(line, f"entry {entry['id']}: 'authors' is not a list; {EXPECTED}")
    names = tuple(
        name
        for author in authors
        if isinstance(author, dict) and (name := str(author.get("name") or "").strip())
    )
    images = tuple(ParsedImage(i.caption or i.alt, None, url=i.url) for i in converted.images)
    body = join_blocks(blocks)
    paragraphs = tuple(t for kind, t in blocks if kind == "paragraph")
    return ParsedPost(
        published, headline, names, None, images, paragraphs, (), line,
        key_event=entry.get("key_event") is True, body=body,
    )  # fmt: skip


def _time(text: str, entry: dict[str, Any], field: str, zone: ZoneInfo) -> datetime:
    value = entry.get(field)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**33:
        raise ParseError(
            _line_of(text, entry),
            f"entry {entry.get('id')}: '{field}' is {value!r}; expected Unix seconds (GMT)",
        )
    return datetime.fromtimestamp(value, UTC).astimezone(zone)


def _line_of(text: str, entry: object) -> int:
    """The line of an entry's "id" in the file, for messages (1 when it cannot be found)."""
    if isinstance(entry, dict) and "id" in entry:
        m = re.search(rf'"id"\s*:\s*"?{re.escape(str(entry["id"]))}\b', text)
        if m:
            return text.count("\n", 0, m.start()) + 1
    return 1


def _title_from_link(link: str) -> str | None:
    """ "https://news.example/2024/05/storm-watch/#123" → "Storm watch"."""
    try:
        path = urlsplit(link).path
    except ValueError:  # not a URL after all: no title from it
        return None
    parts = [p for p in path.split("/") if p and not p.isdigit()]
    if not parts:
        return None
    words = re.sub(r"[-_]+", " ", parts[-1]).strip()
    return words[:1].upper() + words[1:] if words else None
