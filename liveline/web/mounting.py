"""Where the app is mounted: a parent app or a proxy may serve it under a path prefix."""

from __future__ import annotations

from starlette.types import Scope


def route_path(scope: Scope) -> str:
    """The request's path below the app's mount point. Since Starlette 0.35 `path` includes
    `root_path` (the prefix the app is mounted under), and routes are matched on the rest."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
        return path[len(root) :]
    return path
