"""People: admins add them, change roles, disable them and set passwords (/edit/_people);
everyone changes their own password (/edit/_account).

These pages sit under /edit/_…: a slug never holds "_", so no live blog's desk
(/edit/{slug}) can ever be shadowed by them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from liveline.errors import N_, Invalid, LivelineError
from liveline.model import Role
from liveline.service import Session
from liveline.values import NewPassword, validate_one
from liveline.web import session as browser
from liveline.web.console.forms import Form, read_form
from liveline.web.console.pages import render, say_error, service, signed_in

router = APIRouter()


@router.get("/edit/_people")
async def people_page(request: Request, session: Session = Depends(signed_in)) -> Response:
    return await _people(request, session)


@router.post("/edit/_people")
async def add_person(request: Request, session: Session = Depends(signed_in)) -> Response:
    form = await _checked(request, session)
    try:
        password = validate_one(NewPassword, form.get("password", ""), "password")
        await run_in_threadpool(
            service(request).staff.add,
            session.user,
            form.get("name", "").strip(),
            _role(form),
            form.get("display_name", "").strip() or None,
            password,
        )
    except LivelineError as exc:
        return await _people(
            request, session, error=say_error(request, exc), form=form, status=exc.status
        )
    return RedirectResponse("/edit/_people", status_code=303)


@router.post("/edit/_people/{name}")
async def change_person(
    name: str, request: Request, session: Session = Depends(signed_in)
) -> Response:
    """One of: a new role, disabling, or a new password (whichever the form's button says)."""
    form = await _checked(request, session)
    staff = service(request).staff
    try:
        match form.get("change"):
            case "role":
                await run_in_threadpool(staff.set_role, session.user, name, _role(form))
            case "disable":
                await run_in_threadpool(staff.disable, session.user, name)
            case "password":
                password = validate_one(NewPassword, form.get("password", ""), "password")
                await run_in_threadpool(staff.reset_password, session.user, name, password)
            case _:
                raise Invalid(N_("change: say role, disable or password"), field="change")
    except LivelineError as exc:
        return await _people(request, session, error=say_error(request, exc), status=exc.status)
    return RedirectResponse("/edit/_people", status_code=303)


@router.get("/edit/_names")
async def names(request: Request, session: Session = Depends(signed_in)) -> Response:
    """Colleagues' bylines, for the byline's `@` suggestions (anyone signed in may ask)."""
    people = await run_in_threadpool(service(request).accounts.users)
    found = [{"name": p.name, "byline": p.byline} for p in people if not p.disabled]
    return JSONResponse({"people": found}, headers={"Cache-Control": "private, max-age=60"})


@router.get("/edit/_account")
async def account_page(request: Request, session: Session = Depends(signed_in)) -> Response:
    return render(request, "account.html", session, error="", done=False)


@router.post("/edit/_account")
async def change_own_password(request: Request, session: Session = Depends(signed_in)) -> Response:
    form = await _checked(request, session)
    try:
        new = validate_one(NewPassword, form.get("new_password", ""), "new_password")
        if new != form.get("again", ""):
            raise Invalid(N_("the two new passwords differ"), field="again")
        await run_in_threadpool(
            service(request).staff.change_own_password,
            session.user,
            form.get("current_password", ""),
            new,
            session.id,
        )
    except LivelineError as exc:
        return render(
            request, "account.html", session, exc.status, error=say_error(request, exc), done=False
        )
    return render(request, "account.html", session, error="", done=True)


async def _checked(request: Request, session: Session) -> Form:
    form = await read_form(request)
    browser.check_csrf(session, form.get(browser.CSRF_FIELD))
    return form


def _role(form: Form) -> Role:
    try:
        return Role(form.get("role", ""))
    except ValueError:
        raise Invalid(N_("role: admin, editor, reporter or contributor"), field="role") from None


async def _people(
    request: Request,
    session: Session,
    *,
    error: str = "",
    form: Form | None = None,
    status: int = 200,
) -> Response:
    people = await run_in_threadpool(service(request).staff.people, session.user)
    return render(
        request,
        "people.html",
        session,
        status,
        people=people,
        roles=[str(role) for role in Role],
        error=error,
        form=form or {},
    )
