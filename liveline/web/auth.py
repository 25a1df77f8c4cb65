"""Who is asking: API requests carry `Authorization: Bearer <token>`, or the console's
session cookie with its CSRF token in X-CSRF-Token; both give the same User."""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from liveline.errors import N_, Unauthorized
from liveline.model import User
from liveline.service import Service
from liveline.web import session as browser


async def current_user(request: Request) -> User:
    header = request.headers.get("authorization", "")
    if not header and browser.COOKIE in request.cookies:
        return await _cookie_user(request)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            N_("send 'Authorization: Bearer <token>'; make one with `liveline token create NAME`")
        )
    service: Service = request.app.state.service
    user = await run_in_threadpool(service.accounts.user_for_token, token.strip())
    if user is None:
        raise Unauthorized(N_("that token is not valid (unknown or revoked)"))
    return user


async def _cookie_user(request: Request) -> User:
    """A signed-in browser writing through the API: the cookie says who, and the CSRF
    header that only our pages can read says that one of them sent it."""
    found = await browser.current_session(request)
    if found is None:
        raise Unauthorized(N_("your session has ended; sign in again at /login"))
    if request.method not in browser.SAFE_METHODS:
        browser.check_csrf(found, request.headers.get(browser.CSRF_HEADER))
    return found.user
