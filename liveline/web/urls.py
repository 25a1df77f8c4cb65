"""The site's public address, for absolute URLs in feeds and JSON-LD.

A configured LIVELINE_BASE_URL is the only safe source: the Host header is the client's to
choose, and a response built from it and cached publicly could be served to everyone (cache
poisoning). Without one (development) the request's own base URL is used, and responses
built from it say `Vary: Host` so a cache keeps one copy per host.
"""

from __future__ import annotations

from fastapi import Request, Response


def public_base_url(request: Request) -> str:
    configured: str | None = request.app.state.settings.base_url
    if configured:
        return configured
    return str(request.base_url).rstrip("/")


def vary_on_host(request: Request, response: Response) -> Response:
    """Mark `response` as depending on Host when its URLs came from it."""
    if not request.app.state.settings.base_url:
        existing = response.headers.get("vary")
        response.headers["Vary"] = f"{existing}, Host" if existing else "Host"
    return response
