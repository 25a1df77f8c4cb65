"""Cache headers for reads: a blog's last event seq says whether anything changed."""

from __future__ import annotations

import hashlib
import re

from fastapi import Request, Response

from liveline.model import Blog


def conditional(request: Request, blog: Blog, response: Response) -> Response:
    """Tag `response` with the blog's seq (and the query), and answer 304 when it matches."""
    variant = hashlib.sha1(str(request.url.query).encode()).hexdigest()[:8]
    etag = f'W/"{blog.last_seq}-{variant}"'
    max_age = request.app.state.settings.cache_max_age
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}",
        "X-Liveline-Seq": str(blog.last_seq),
    }
    if none_match(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


ENTITY_TAG = re.compile(r'\*|(?:W/)?"[^"]*"')


def none_match(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header matches our tag, as RFC 9110 §13.1.2 says: `*` or
    any tag of the list, compared weakly (W/"x" and "x" are the same tag)."""
    ours = etag.removeprefix("W/")
    return any(
        tag == "*" or tag.removeprefix("W/") == ours for tag in ENTITY_TAG.findall(if_none_match)
    )
