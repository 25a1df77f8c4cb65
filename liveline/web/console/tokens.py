"""API tokens from the console (/edit/_tokens): everyone lists, makes and revokes their own;
an admin sees and revokes anyone's. A new token's text is shown once, on the page that
answers its creation (never in a URL, never again): the store keeps only its hash."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from liveline.errors import LivelineError
from liveline.service import Session
from liveline.web import session as browser
from liveline.web.console.forms import read_form
from liveline.web.console.pages import render, say_error, service, signed_in

router = APIRouter()
PAGE = "/edit/_tokens"


@router.get(PAGE)
async def tokens_page(
    request: Request, revoked: int | None = None, session: Session = Depends(signed_in)
) -> Response:
    return await _page(request, session, revoked=revoked)


@router.post(PAGE)
async def create_token(request: Request, session: Session = Depends(signed_in)) -> Response:
    form = await read_form(request)
    browser.check_csrf(session, form.get(browser.CSRF_FIELD))
    label = form.get("label", "").strip() or None
    try:
        token = await run_in_threadpool(service(request).staff.create_token, session.user, label)
    except LivelineError as exc:
        return await _page(
            request, session, error=say_error(request, exc), label=label, status=exc.status
        )
    return await _page(request, session, new_token=token, status=201)


@router.post(PAGE + "/{token_id}/revoke")
async def revoke_token(
    token_id: int, request: Request, session: Session = Depends(signed_in)
) -> Response:
    form = await read_form(request)
    browser.check_csrf(session, form.get(browser.CSRF_FIELD))
    try:
        await run_in_threadpool(service(request).staff.revoke_token, session.user, token_id)
    except LivelineError as exc:
        return await _page(request, session, error=say_error(request, exc), status=exc.status)
    return RedirectResponse(f"{PAGE}?revoked={token_id}", status_code=303)


async def _page(
    request: Request,
    session: Session,
    *,
    new_token: str | None = None,
    error: str = "",
    label: str | None = None,
    revoked: int | None = None,
    status: int = 200,
) -> Response:
    found = await run_in_threadpool(service(request).staff.tokens, session.user)
    rows = [
        {
            "id": token.id,
            "owner": token.user_name,
            "label": token.label or "",
            "created": token.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            "revoked": token.revoked_at.strftime("%Y-%m-%d %H:%M UTC") if token.revoked_at else "",
        }
        for token in found
    ]
    return render(
        request,
        "tokens.html",
        session,
        status,
        tokens=rows,
        new_token=new_token,
        error=error,
        label=label or "",
        revoked=revoked,
        everyone=str(session.user.role) == "admin",
    )
