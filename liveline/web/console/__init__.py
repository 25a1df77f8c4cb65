"""The newsroom console under /edit: server-rendered pages that work without JavaScript,
plus one small script (static/console.js) that keeps every word in the browser until the
server has it. One concept a module: `signin`, `blogs` (the list, and a blog's settings),
`people` (accounts), `tokens` (API tokens), `desk` (a blog's desk and its compose box),
`editing` (one post's changes), `history` (its versions), `summary` (a blog's "What we
know"), `live` (the console's private event stream), `forms` (form input into values.py
types) and `pages` (rendering, and the signed-in check)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from liveline.web.console import (
    blogs,
    desk,
    editing,
    history,
    live,
    pages,
    people,
    signin,
    summary,
    tokens,
)
from liveline.web.routes import add_routes

router = APIRouter(include_in_schema=False)
for part in (signin, people, tokens, blogs, live, desk, editing, history, summary):
    router.include_router(part.router)


def install(app: FastAPI) -> None:
    """The console's routes, and its answer to a visitor who is not signed in."""
    pages.install(app)
    app.state.desk_streams = live.DeskStreams()
    add_routes(app, router)
