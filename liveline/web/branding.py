"""The newsroom's own name on its pages: site name, logo, favicon and accent colour, set per
instance (LIVELINE_SITE_NAME, LIVELINE_LOGO_URL, LIVELINE_FAVICON_URL, LIVELINE_ACCENT_COLOR).

The accent is served as a one-rule stylesheet, /brand.css: the pages' CSP allows no inline
style, and a file of our own origin keeps it so."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from liveline.config import Settings

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Site:
    name: str = "Liveline"
    logo_url: str | None = None
    favicon_url: str | None = None
    accent_color: str | None = None


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
    css = f":root{{--accent:{accent}}}\n" if accent else ""
    max_age = request.app.state.settings.cache_max_age
    return Response(
        css, media_type="text/css", headers={"Cache-Control": f"public, max-age={max_age}"}
    )
