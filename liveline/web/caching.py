"""Cache headers for reads: a blog's last event seq says whether anything changed."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from fastapi import Request, Response

from liveline.config import Settings
from liveline.model import Blog
from liveline.service.purging import surrogate_keys


def conditional(
    request: Request, blog: Blog, response: Response, post_ids: Iterable[int] = ()
) -> Response:
    """Tag `response` with the blog's seq (and the query), and answer 304 when it matches.

    It also carries the surrogate keys of the blog and of each post in `post_ids`, which
    every change purges from the CDN (service/purging.py).
    """
    headers = cache_headers(request, blog, post_ids)
    if none_match(request.headers.get("if-none-match", ""), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


def cache_headers(request: Request, blog: Blog, post_ids: Iterable[int] = ()) -> dict[str, str]:
    """The ETag (the blog's seq and the query), Cache-Control, seq and surrogate keys of a
    read."""
    keys = surrogate_keys(blog.id, post_ids)
    return {
        # The raw query string, as `request.url.query` would give it, without the URL.
        "ETag": etag(blog, request.scope.get("query_string", b"")),
        "Cache-Control": cache_control(request.app.state.settings),
        "X-Liveline-Seq": str(blog.last_seq),
        "Surrogate-Key": " ".join(keys),  # Varnish (our VCL) and Fastly
        "Cache-Tag": ",".join(keys),  # Cloudflare
    }


def etag(blog: Blog, query_string: bytes) -> str:
    """A read's tag: the blog's last seq, and its query (each query is a variant)."""
    return f'W/"{blog.last_seq}-{hashlib.sha1(query_string).hexdigest()[:8]}"'


def shared(request: Request, response: Response, blog_id: int, post_ids: Iterable[int]) -> Response:
    """The cache headers of a read that is not tagged by the blog's seq (a post's own JSON,
    whose ETag is its version): cacheable like the rest, and purged by the same keys."""
    keys = surrogate_keys(blog_id, post_ids)
    response.headers["Cache-Control"] = cache_control(request.app.state.settings)
    response.headers["Surrogate-Key"] = " ".join(keys)
    response.headers["Cache-Tag"] = ",".join(keys)
    return response


def cache_control(settings: Settings) -> str:
    """Browsers keep a read `max-age`; shared caches `s-maxage`, since every change purges
    them; both may serve a stale copy for a while as they fetch a fresh one."""
    return (
        f"public, max-age={settings.cache_max_age}, s-maxage={settings.shared_max_age}, "
        f"stale-while-revalidate={settings.cache_stale_seconds}"
    )


ENTITY_TAG = re.compile(r'\*|(?:W/)?"[^"]*"')


def none_match(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header matches our tag, as RFC 9110 §13.1.2 says: `*` or
    any tag of the list, compared weakly (W/"x" and "x" are the same tag)."""
    ours = etag.removeprefix("W/")
    return any(
        tag == "*" or tag.removeprefix("W/") == ours for tag in ENTITY_TAG.findall(if_none_match)
    )
