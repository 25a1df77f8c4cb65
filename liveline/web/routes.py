"""Adding a module's routes to an app: the routes its router built once, at import."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """Serve `router`'s routes from `app`, as they were built when their module was imported.

    `app.include_router` would have the app build every route again (each parameter's and
    dependency's validation, a pydantic adapter each), lazily, at the app's first request:
    some 130 ms of CPU for Liveline's routes, in every worker process, for every app a
    newsroom's ASGI stack or a test makes. The routes are the same for every app: what
    differs between apps (settings, service, templates) they read from `request.app.state`.
    A router that includes others (the console's) shares with every app the routes it
    builds, once, for all of them.
    """
    app.router.routes.extend(router.routes)
