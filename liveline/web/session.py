"""The session cookie and CSRF tokens: how a browser proves who it is, and that a write
came from one of our own pages.

The cookie holds a random session token, signed with LIVELINE_SECRET_KEY (a cookie that was
not made by this server is ignored before the store is asked). It is HttpOnly, SameSite=Lax,
and Secure when the request came over HTTPS. Every form, and every write authenticated by the
cookie, must send the session's CSRF token back: in the `csrf` field or the X-CSRF-Token
header. Before sign-in there is no session, so the sign-in form's token is a signed nonce in
a cookie of its own, which the form must repeat (a signed double submit).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from liveline.errors import N_, Forbidden, NotFound, Unavailable
from liveline.service import Service, Session
from liveline.service.sessions import SESSION_LIFETIME

COOKIE = "liveline_session"
SIGN_IN_COOKIE = "liveline_signin"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NO_KEY = N_(
    "the newsroom console is off: this server has no LIVELINE_SECRET_KEY to sign sessions "
    "with; set one (a long random string) and restart"
)


def secret_key(request: Request) -> str:
    """The key sessions are signed with; without one the console does not run."""
    if not request.app.state.settings.console:
        raise NotFound(N_("the newsroom console is turned off on this server (LIVELINE_CONSOLE)"))
    key: str = request.app.state.settings.secret_key
    if not key:
        raise Unavailable(NO_KEY)
    return key


def sign(key: str, value: str) -> str:
    mac = hmac.new(key.encode(), value.encode(), hashlib.sha256).digest()
    return value + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def unsign(key: str, signed: str) -> str | None:
    value, _, _mac = signed.rpartition(".")
    if not value or not signed.isascii():
        return None
    return value if hmac.compare_digest(sign(key, value), signed) else None


async def current_session(request: Request) -> Session | None:
    """The browser's live session, or None (no key, no cookie, a forged or ended one)."""
    if hasattr(request.state, "session"):
        cached: Session | None = request.state.session
        return cached
    session = None
    key = request.app.state.settings.secret_key
    raw = request.cookies.get(COOKIE)
    token = unsign(key, raw) if key and raw else None
    if token is not None:
        service: Service = request.app.state.service
        session = await run_in_threadpool(service.sessions.session, token)
    request.state.session = session
    return session


def check_csrf(session: Session, sent: str | None) -> None:
    if not sent or not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
        raise Forbidden(
            N_("this write did not carry the page's CSRF token (reload the page and try again)")
        )


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        COOKIE,
        sign(secret_key(request), token),
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))


def sign_in_nonce(request: Request) -> str:
    """The sign-in form's CSRF token: the one its cookie holds, or a new one."""
    return request_sign_in_nonce(request) or secrets.token_urlsafe(24)


def set_sign_in_cookie(response: Response, request: Request, nonce: str) -> None:
    response.set_cookie(
        SIGN_IN_COOKIE,
        sign(secret_key(request), nonce),
        max_age=3600,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/login",
    )


def request_sign_in_nonce(request: Request) -> str | None:
    raw = request.cookies.get(SIGN_IN_COOKIE)
    return unsign(secret_key(request), raw) if raw else None


def check_sign_in_csrf(request: Request, sent: str | None) -> None:
    nonce = request_sign_in_nonce(request)
    if nonce is None or not sent or not hmac.compare_digest(nonce.encode(), sent.encode()):
        raise Forbidden(
            N_("the sign-in form has expired or did not come from this site; reload it")
        )
