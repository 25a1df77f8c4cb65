"""Cache headers for reads: a blog's last event seq says whether anything changed."""

from __future__ import annotations

import hashlib
import re

from fastapi import Request, Response

from liveline.model import Blog


def conditional(request: Request, blog: Blog, response: Response) -> Response:
    """Tag `response` with the blog's seq (and the query), and answer 304 when it matches."""
    headers = cache_headers(request, blog)
    if none_match(request.headers.get("if-none-match", ""), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


def cache_headers(request: Request, blog: Blog) -> dict[str, str]:
    """The ETag (the blog's seq and the query), Cache-Control and seq of a read."""
    # The raw query string, as `request.url.query` would give it, without building the URL.
    variant = hashlib.sha1(request.scope.get("query_string", b"")).hexdigest()[:8]
    return {
        "ETag": f'W/"{blog.last_seq}-{variant}"',
        "Cache-Control": f"public, max-age={request.app.state.settings.cache_max_age}",
        "X-Liveline-Seq": str(blog.last_seq),
    }


ENTITY_TAG = re.compile(r'\*|(?:W/)?"[^"]*"')


def none_match(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header matches our tag, as RFC 9110 §13.1.2 says: `*` or
    any tag of the list, compared weakly (W/"x" and "x" are the same tag)."""
    ours = etag.removeprefix("W/")
    return any(
        tag == "*" or tag.removeprefix("W/") == ours for tag in ENTITY_TAG.findall(if_none_match)
    )
