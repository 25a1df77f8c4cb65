"""Which methods a path answers: HEAD wherever GET is, and a 405 that names them all.

HEAD: monitors, CDNs and link checkers send it. FastAPI routes answer only the methods they
name, so this layer serves a HEAD as the GET it stands for and drops the body on the way
out (headers, Content-Length and ETag included, stay as GET's). Live streams are served
ahead of it (see stream.open_stream), since their GET never ends.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)
        await self.app({**scope, "method": "GET"}, receive, headers_only(send))


def headers_only(send: Send) -> Send:
    """`send`, passing on a response's start and its end, but none of its body."""

    async def send_headers(message: Message) -> None:
        if message["type"] != "http.response.body":
            await send(message)
        elif not message.get("more_body", False):
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    return send_headers


def allowed(app: Starlette, scope: Scope) -> str:
    """A 405's Allow header: every method some route answers at this path (Starlette names
    only those of the first route that matched the path), with HEAD wherever GET is."""
    routes = [route for route in app.router.routes if not isinstance(route, Mount)]
    methods = [
        method
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)
    ]
    if "GET" in methods:
        methods.insert(1, "HEAD")
    return ", ".join(methods)
