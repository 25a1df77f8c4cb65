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

    What `include_router` would add on the app's side is not carried: the app's
    `dependency_overrides` (Liveline uses none) and a router's low-priority (frontend)
    routes, which it refuses rather than drop.
    """
    if getattr(router, "_low_priority_routes", None):
        raise ValueError(f"{router!r} has low-priority routes: include it with include_router")
    app.router.routes.extend(router.routes)
