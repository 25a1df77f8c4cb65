"""Cache headers for reads: a blog's last event seq says whether anything changed."""

from __future__ import annotations

import hashlib

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
    if etag in _tags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


def _tags(header: str) -> set[str]:
    return {tag.strip() for tag in header.split(",") if tag.strip()}
