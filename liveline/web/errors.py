"""Errors as a person can act on them: JSON under /api, a page elsewhere; never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from liveline.errors import AT, Conflict, LivelineError, Say, TooMany, Unauthorized, why
from liveline.formats.language import language, negotiate
from liveline.web.methods import allowed
from liveline.web.mounting import route_path

log = logging.getLogger(__name__)


def N_(message: str) -> str:  # gettext's name for "translated where shown"
    return message


TITLES = {400: N_("Bad request"), 401: N_("Not signed in"), 403: N_("Not allowed"),
          404: N_("Not found"), 405: N_("Method not allowed"), 409: N_("Conflict"),
          413: N_("Too large"), 422: N_("Invalid input"), 428: N_("Precondition required"),
          429: N_("Too many requests"), 431: N_("Headers too large"), 500: N_("Server error"),
          503: N_("Unavailable")}  # fmt: skip


def error_response(request: Request, status: int, message: str | Say, **extra: object) -> Response:
    """`message` is said in English under /api (and by the CLI): clients match it. A page
    says it in its language, as the console's script does (its JSON, off /api)."""
    api = route_path(request.scope).startswith("/api/")
    # The console's errors lead back to the desk they came from, not to the readers' index;
    # they are in the console's language, a reader's in the instance's.
    console = route_path(request.scope).startswith(("/edit", "/login", "/logout"))
    default = request.app.state.settings.default_language
    lang = language(
        negotiate(request.headers.get("accept-language", ""), default) if console else default
    )
    said = message if isinstance(message, Say) else Say(message)
    if api or "json" in request.headers.get("accept", ""):
        text = said.text(lang.translations.gettext) if console and not api else said.text()
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"error": {"status": status, "message": text, **extra}},
                            status_code=status, headers=headers)  # fmt: skip
    page = "console/error.html" if console else "error.html"
    untranslated = TITLES.get(status) or N_("Error")
    title = lang.gettext(untranslated)
    html = request.app.state.templates.get_template(page).render(
        status=status,
        title=title,
        message=said.text(lang.translations.gettext),
        back=_desk(route_path(request.scope)),
        language=lang,
    )
    return HTMLResponse(html, status_code=status)


def _desk(path: str) -> str:
    """The console page to go back to from an error at `path`: its blog's desk, or /edit."""
    parts = path.split("/")
    return "/".join(parts[:3]) if len(parts) > 3 and parts[1] == "edit" else "/edit"


def install(app: FastAPI) -> None:
    @app.exception_handler(LivelineError)
    async def _liveline(request: Request, exc: LivelineError) -> Response:
        extra: dict[str, object] = {}
        if exc.field:
            extra["field"] = exc.field
        if isinstance(exc, Conflict) and exc.current_version is not None:
            extra["current_version"] = exc.current_version
        response = error_response(request, exc.status, exc.said, **extra)
        if isinstance(exc, Unauthorized):
            response.headers["WWW-Authenticate"] = "Bearer"
        if isinstance(exc, TooMany):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0]
        if first.get("type") == "json_invalid":  # its loc is a character offset, not a field
            reason = (first.get("ctx") or {}).get("error") or first.get("msg")
            said = Say(N_("the request body is not valid JSON: %(reason)s"), reason=reason)
            return error_response(request, 422, said)
        # loc is (where, *path): "body", "query", "path" or "header", then the field's path;
        # drop only the first, so that a field named "body" is still named.
        loc = tuple(first.get("loc", ()))
        if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
            loc = loc[1:]
        where = ".".join(str(part) for part in loc)
        message = Say(AT, where=where or "body", reason=why(first))
        # A missing body is no field: the error then has none (never "field": null).
        return error_response(request, 422, message, **({"field": where} if where else {}))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        response = error_response(request, exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            response.headers["Allow"] = allowed(request.app, request.scope) or "GET, HEAD"
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, 500, N_("something went wrong on our side; it was logged"))
