"""Rendering console pages, and who may see them: a page for a signed-in person, or a
redirect to the sign-in form."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liveline.errors import N_, LivelineError, Unauthorized
from liveline.formats import aptime
from liveline.formats.language import Language, language, negotiate
from liveline.model import Blog, Post, User
from liveline.service import Service, Session, rules
from liveline.web import session as browser
from liveline.web.reader import protected


class SignInFirst(Exception):
    """Raised by `signed_in`; answered with a redirect to /login and back."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


def install(app: FastAPI) -> None:
    @app.exception_handler(SignInFirst)
    async def _sign_in_first(request: Request, exc: SignInFirst) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.back_to, safe='/')}", status_code=303)


def service(request: Request) -> Service:
    found: Service = request.app.state.service
    return found


async def signed_in(request: Request) -> Session:
    """The signed-in person's session (a dependency of every console page)."""
    browser.secret_key(request)  # no key: 503, the console is off
    session = await browser.current_session(request)
    if session is None:
        if "json" in request.headers.get("accept", ""):
            # The script must hear "not sent", not follow a redirect to a page that looks
            # like success: its outbox keeps the post until it is really taken.
            raise Unauthorized(
                N_("your session has ended; sign in again and the post will be sent")
            )
        if request.method == "GET":
            back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        else:  # a form's target is no page to come back to; its desk is
            back = "/".join(request.url.path.split("/")[:3])
        raise SignInFirst(back)
    return session


def console_language(request: Request) -> Language:
    """The console speaks the browser's language (Accept-Language) where it has the words, and
    the instance's LIVELINE_DEFAULT_LANGUAGE otherwise: a desk is one person's, whichever
    blog's language they write in."""
    default = request.app.state.settings.default_language
    return language(negotiate(request.headers.get("accept-language", ""), default))


def say_error(request: Request, exc: LivelineError) -> str:
    """A refusal in the console's language: the service's words (`exc.said`) looked up in the
    catalogue and filled with their values; English where the catalogue has none."""
    return exc.said.text(console_language(request).translations.gettext)


def render(
    request: Request, template: str, session: Session | None, status: int = 200, **context: Any
) -> HTMLResponse:
    html = request.app.state.templates.get_template(f"console/{template}").render(
        me=session.user if session else None,
        csrf=session.csrf_token if session else "",
        **{"language": console_language(request), **context},
    )
    response = protected(request, HTMLResponse(html, status_code=status), embeddable=False)
    # A desk page shows drafts and the queue: never kept by a shared cache, or the back button.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Accept-Language"
    return response


def in_zone(moment: datetime | None, timezone: str) -> str:
    """A time as a datetime-local input holds it, in the blog's zone."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%dT%H:%M")


def post_row(post: Post, blog: Blog, user: User, lang: Language | None = None) -> dict[str, Any]:
    """What a desk list shows of a post, and what this person may do with it (its time in
    the console's language `lang`)."""
    shown = post.published_at or post.publish_at or post.updated_at
    return {
        **post.to_json(),
        "byline": aptime.join_names(post.authors, lang),
        "time_text": aptime.post_time(shown, blog.timezone, lang),
        "may_change": rules.may_change(user, post),
    }
