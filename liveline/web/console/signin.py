"""Signing in and out: GET /login (the form), POST /login, POST /logout."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from liveline.errors import TooMany, Unauthorized
from liveline.web import session as browser
from liveline.web.console.forms import read_form
from liveline.web.console.pages import render, say_error, service

router = APIRouter()


def _next(target: str | None) -> str:
    """Where to go after signing in: a console page of ours, never another site."""
    if target and target.startswith("/edit") and "//" not in target and "\\" not in target:
        return target
    return "/edit"


def _form(
    request: Request, next_: str, *, name: str = "", error: str = "", status: int = 200
) -> HTMLResponse:
    browser.secret_key(request)
    nonce = browser.sign_in_nonce(request)
    response = render(
        request, "login.html", None, status, next=next_, name=name, error=error, nonce=nonce
    )
    browser.set_sign_in_cookie(response, request, nonce)
    return response


@router.get("/login")
async def sign_in_page(request: Request, next: str | None = None) -> Response:
    if await browser.current_session(request) is not None:
        return RedirectResponse(_next(next), status_code=303)
    return _form(request, _next(next))


@router.post("/login")
async def sign_in(request: Request) -> Response:
    browser.secret_key(request)
    form = await read_form(request)
    browser.check_sign_in_csrf(request, form.get(browser.CSRF_FIELD))
    name, password, next_ = form.get("name", "").strip(), form.get("password", ""), form.get("next")
    address = request.client.host if request.client else "unknown"
    try:
        signed = await run_in_threadpool(service(request).sessions.sign_in, name, password, address)
    except Unauthorized as exc:
        return _form(request, _next(next_), name=name, error=say_error(request, exc), status=401)
    except TooMany as exc:
        refused = _form(request, _next(next_), name=name, error=say_error(request, exc), status=429)
        refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    earlier = await browser.current_session(request)
    if earlier is not None:  # this browser's old session must not outlive its cookie
        await run_in_threadpool(service(request).sessions.end, earlier)
    response = RedirectResponse(_next(next_), status_code=303)
    browser.set_session_cookie(response, request, signed.token)
    response.delete_cookie(browser.SIGN_IN_COOKIE, path="/login")
    return response


@router.post("/logout")
async def sign_out(request: Request) -> Response:
    form = await read_form(request)
    session = await browser.current_session(request)
    if session is not None:
        browser.check_csrf(session, form.get(browser.CSRF_FIELD))
        await run_in_threadpool(service(request).sessions.sign_out, session)
    response = RedirectResponse("/login", status_code=303)
    browser.clear_session_cookie(response, request)
    return response
