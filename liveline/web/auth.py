"""Who is asking: API requests carry `Authorization: Bearer <token>`."""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from liveline.errors import Unauthorized
from liveline.model import User
from liveline.service import Service


async def current_user(request: Request) -> User:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "send 'Authorization: Bearer <token>'; make one with `liveline token create NAME`"
        )
    service: Service = request.app.state.service
    user = await run_in_threadpool(service.accounts.user_for_token, token.strip())
    if user is None:
        raise Unauthorized("that token is not valid (unknown or revoked)")
    return user
