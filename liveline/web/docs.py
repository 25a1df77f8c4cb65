"""The API's own description, truthful to what the server does, and Swagger UI to read it,
served from the installed package (swagger-ui-bundle-v2): no request leaves this origin.

FastAPI describes what its validation knows; the rest of the contract lives in the edge
(a slug's rule, If-Match and its 428, the error shape every refusal has, the bearer
token), so `describe` adds it to the generated document once, here.
"""

from __future__ import annotations

from typing import Any

import swagger_ui_bundle  # type: ignore[import-untyped]
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from liveline.model import SLUG, Limit
from liveline.web.api import CLIENT_KEY, VERSION

DOCS = "/api/docs"
ASSETS = "/api/docs/assets"
ERROR = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {
                "status": {"type": "integer"},
                "message": {"type": "string"},
                "field": {"type": "string", "description": "The input refused, by name"},
                "current_version": {"type": "integer", "description": "On a stale If-Match"},
            },
        }
    },
}
WHY = {
    302: "`round` was given and `since` is not a multiple of it: the same poll from the "
    "rounded `since` (`Location`), which readers share in a CDN's cache",
    304: "Not modified (the `ETag` sent in `If-None-Match` is current)",
    401: "No token, or one that is unknown or revoked",
    403: "The token's user may not do this",
    404: "No such blog (or post)",
    409: "A stale `If-Match` version (the current one is in the error), or a slug taken",
    413: "The request body is over the limit",
    422: "An input is invalid: `field` names it",
    428: "`If-Match` is missing",
    429: "Too many open streams from this address; `Retry-After` says when to try again",
    431: "Too many request headers",
    503: "The server is shutting down; reconnect in a moment",
}
READ = (404, 422)
WRITE = (401, 403, 404, 413, 422)
# (method, path) -> the refusals that route really sends, beyond those of every request.
REFUSALS: dict[tuple[str, str], tuple[int, ...]] = {
    ("get", "/api/blogs/{slug}"): (304, 404),
    ("get", "/api/blogs/{slug}/posts"): (304, *READ),
    ("get", "/api/blogs/{slug}/posts/{post_id}"): READ,
    ("get", "/api/blogs/{slug}/events"): (302, 304, *READ),
    ("get", "/blogs/{slug}/events"): (*READ, 429, 503),
    ("post", "/api/blogs"): (401, 403, 409, 413, 422),
    ("patch", "/api/blogs/{slug}"): WRITE,
    ("post", "/api/blogs/{slug}/posts"): WRITE,
    ("patch", "/api/blogs/{slug}/posts/{post_id}"): (*WRITE, 409, 428),
    ("delete", "/api/blogs/{slug}/posts/{post_id}"): (*WRITE, 409, 428),
    ("get", "/api/media/{media_id}"): (401, 403, 404),
    ("post", "/api/media/{media_id}/crop"): WRITE,
}
PARAMETERS: dict[str, dict[str, Any]] = {
    "slug": {"type": "string", "pattern": SLUG.pattern, "minLength": 1,
             "maxLength": int(Limit.SLUG)},
    "post_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    "cursor": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_-]+$"},
    "if-match": {"type": "string", "pattern": "^" + VERSION.pattern + "$"},
    "idempotency-key": {"type": "string", "pattern": "^" + CLIENT_KEY.pattern + "$"},
}  # fmt: skip


def describe(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, made once: FastAPI's, with the contract it cannot see."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `liveline token create NAME`",
        }
    }
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            _describe_operation(method, path, operation)
    app.openapi_schema = document
    return document


def _describe_operation(method: str, path: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)  # FastAPI's shape; ours is the Error
    for status in (*REFUSALS.get((method, path), ()), 431):
        content = None if status in (302, 304) else {"application/json": {"schema": ERROR}}
        responses[str(status)] = {
            "description": WHY[status],
            **({"content": content} if content else {}),
        }
    if 401 in REFUSALS.get((method, path), ()):
        operation["security"] = [{"bearer": []}]
    for parameter in operation.get("parameters", []):
        name = parameter["name"].lower()
        if name in PARAMETERS:
            parameter["schema"] = {**PARAMETERS[name], **_kept(parameter["schema"])}
        elif "anyOf" in parameter.get("schema", {}):  # optional is absent, never null
            real = [s for s in parameter["schema"]["anyOf"] if s.get("type") != "null"]
            if len(real) == 1:
                parameter["schema"] = {**real[0], **_kept(parameter["schema"])}
        if name == "if-match":
            parameter["required"] = True
            parameter["description"] = 'The post\'s version, as its `ETag` gave it: `"3"`'
        if name == "idempotency-key":
            parameter["description"] = "Any unique string (a UUID): a retry makes no second post"


def _kept(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k in ("title", "description", "default")}


def install(app: FastAPI) -> None:
    """Serve the document and Swagger UI, its script and styles from the package."""
    app.openapi = lambda: describe(app)  # type: ignore[method-assign]
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_bundle.swagger_ui_path)), "docs")
    app.add_api_route(DOCS, swagger_ui, include_in_schema=False)


# At module level, not in install(): FastAPI keeps each endpoint it has served in caches of
# its own (4,096 of them), and one that closed over its app would keep that app, its
# database engine and all, alive long after the app is gone.
async def swagger_ui(request: Request) -> HTMLResponse:
    app = request.app
    root = request.scope.get("root_path", "").rstrip("/")
    return get_swagger_ui_html(
        openapi_url=root + str(app.openapi_url),
        title=f"{app.title} API",
        swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSETS}/favicon-32x32.png",
    )
