"""The demo live blog: our own fictional story, loaded through the same importer as any text."""

from __future__ import annotations

import asyncio
import logging
import secrets
from importlib import resources

from liveline.demo.desk import run_desk
from liveline.formats.textparse import parse_text
from liveline.model import Blog, Post, Role, User
from liveline.service import Service
from liveline.values import PostIn

DEMO_SLUG = "demo"
DESK_USER = "demo-desk"
DEMO_EDITOR = "editor"
log = logging.getLogger(__name__)


def story_text() -> str:
    return resources.files("liveline.demo").joinpath("story.txt").read_text(encoding="utf-8")


async def ensure_demo_blog(service: Service) -> Blog | None:
    """Imports the demo story when the store holds no blog at all; returns it if it exists."""
    blogs = await asyncio.to_thread(service.blogs.all)
    if not blogs:
        return await service.importing.import_blog(parse_text(story_text()), DEMO_SLUG)
    return next((blog for blog in blogs if blog.slug == DEMO_SLUG), None)


def demo_editor(service: Service) -> tuple[str, str]:
    """An editor to try the console with, and a new password for this run only (the demo's
    database outlives the run; a password printed in an old log must not keep working)."""
    password = secrets.token_urlsafe(12)
    user = service.accounts.ensure_user(DEMO_EDITOR, Role.EDITOR, "Demo Editor")
    service.accounts.set_password(user.name, password)
    return user.name, password


def desk_user(service: Service) -> User:
    return service.accounts.ensure_user(DESK_USER, Role.REPORTER, "Liveline Desk")


async def run_demo_desk(service: Service, blog: Blog, interval: float, stop: asyncio.Event) -> None:
    user = await asyncio.to_thread(desk_user, service)

    async def publish(fields: dict[str, object]) -> Post:
        current = await asyncio.to_thread(service.blogs.get, blog.slug)
        post, _ = await service.posts.create(user, current, PostIn.model_validate(fields))
        return post

    log.info("demo desk: a new post in /blogs/%s every ~%.0f s", blog.slug, interval)
    await run_desk(publish, interval, stop=stop)
