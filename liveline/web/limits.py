"""Refuses request bodies over the configured size before anything reads them whole."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liveline.web.mounting import route_path


def headers_over(scope: Scope, max_headers: int, max_bytes: int) -> str | None:
    """Why a request's headers are refused (too many, or too big together), or None."""
    headers = scope.get("headers", ())
    if len(headers) > max_headers:
        return f"a request may carry at most {max_headers} headers"
    if sum(len(name) + len(value) + 4 for name, value in headers) > max_bytes:
        return f"request headers over {max_bytes} bytes"
    return None


async def refuse_headers(send: Send, message: str) -> None:
    """431 to a request whose headers are over the limits (an incomplete head over the size
    limit is refused by the server before it gets here: see web/connections.py)."""
    body = json.dumps({"error": {"status": 431, "message": message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 431, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(HTTPException):
    # An HTTPException, so that FastAPI passes it on while reading a body instead of
    # turning it into "400 There was an error parsing the body".
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is over the limit of {max_bytes} bytes")


class BodySizeLimit:
    """`larger` gives paths that take more (uploads) their own limit."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        larger: dict[str, int] | None = None,
        forms_under: tuple[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}
        # (a path prefix, its limit): multipart forms there carry photos (the console's
        # forms without JavaScript); their other bodies keep the usual limit.
        self.forms_under = forms_under

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        path = route_path(scope)
        limit = self.larger.get(path, self.max_bytes)
        if self.forms_under is not None and path.startswith(self.forms_under[0]):
            kind = dict(scope["headers"]).get(b"content-type", b"")
            if kind.startswith(b"multipart/form-data"):
                limit = self.forms_under[1]
        if limit != self.max_bytes:
            return await BodySizeLimit(self.app, limit)(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(send)
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        message = f"the request body is over the limit of {self.max_bytes} bytes"
        body = json.dumps({"error": {"status": 413, "message": message}}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": body})
