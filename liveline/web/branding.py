"""The newsroom's own name on its pages: site name, logo, favicon and accent colour, set per
instance (LIVELINE_SITE_NAME, LIVELINE_LOGO_URL, LIVELINE_FAVICON_URL, LIVELINE_ACCENT_COLOR)
and overridden per blog (its brand_name, logo_url, favicon_url, accent_color fields).

The accent is served as a one-rule stylesheet, /brand.css: the pages' CSP allows no inline
style, and a file of our own origin keeps it so. A blog's own accent is the same sheet with
the colour in its address (/brand.css?accent=rrggbb): cached as long, never stale."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from fastapi import APIRouter, Request
from fastapi.responses import Response

from liveline.config import Settings
from liveline.errors import Invalid
from liveline.model import Blog

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Site:
    name: str = "Liveline"
    logo_url: str | None = None
    favicon_url: str | None = None
    accent_color: str | None = None
    stylesheet: str = "/brand.css"  # where the accent is served (see brand_css)


def site_for(site: Site, blog: Blog) -> Site:
    """The instance's marks with the blog's own over them, where it has its own."""
    mine = {
        "name": blog.brand_name,
        "logo_url": blog.logo_url,
        "favicon_url": blog.favicon_url,
        "accent_color": blog.accent_color,
    }
    changed = replace(site, **{name: value for name, value in mine.items() if value})
    if blog.accent_color:
        changed = replace(changed, stylesheet=f"/brand.css?accent={blog.accent_color[1:]}")
    return changed


def accent_rule(accent: str | None) -> str:
    return f":root{{--accent:{accent}}}\n" if accent else ""


def site_of(settings: Settings) -> Site:
    return Site(
        name=settings.site_name,
        logo_url=settings.logo_url,
        favicon_url=settings.favicon_url,
        accent_color=settings.accent_color,
    )


@router.get("/brand.css")
async def brand_css(request: Request) -> Response:
    accent = request.app.state.settings.accent_color
    asked = request.query_params.get("accent")
    if asked is not None:  # a blog's own: six hex digits, nothing that could end the rule
        if not re.fullmatch(r"[0-9a-f]{6}", asked):
            raise Invalid(
                "accent must be six lower-case hex digits, such as b00020", field="accent"
            )
        accent = "#" + asked
    css = accent_rule(accent)
    max_age = request.app.state.settings.cache_max_age
    return Response(
        css, media_type="text/css", headers={"Cache-Control": f"public, max-age={max_age}"}
    )
