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
from liveline.errors import N_, Invalid
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


# The papers the accent sits on (liveline.css), and the contrast text needs (WCAG AA).
LIGHT_PAPER, DARK_PAPER, CONTRAST = "#ffffff", "#161616", 4.5


def accent_rule(accent: str | None) -> str:
    """The accent as the newsroom chose it, made just dark enough to read on white and, for
    dark mode, just light enough to read on the dark paper (as text, and under text in the
    paper's colour): a brand colour never costs the page its contrast."""
    if not accent:
        return ""
    light = readable(accent, LIGHT_PAPER, toward="#000000")
    dark = readable(accent, DARK_PAPER, toward="#ffffff")
    return (
        f":root{{--accent:{light}}}\n"
        f"@media (prefers-color-scheme: dark){{:root{{--accent:{dark}}}}}\n"
    )


def _rgb(colour: str) -> tuple[int, ...]:
    if len(colour) == 4:  # #rgb
        colour = "#" + "".join(c * 2 for c in colour[1:])
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def _luminance(colour: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(colour: str, paper: str, toward: str) -> str:
    """`colour`, mixed toward `toward` by the least step that reads on `paper`."""
    start, end = _rgb(colour), _rgb(toward)
    for step in range(21):
        mixed = "#" + "".join(
            f"{round(a + (b - a) * step / 20):02x}" for a, b in zip(start, end, strict=True)
        )
        if contrast(mixed, paper) >= CONTRAST:
            return mixed
    return toward


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
                N_("accent must be six lower-case hex digits, such as b00020"), field="accent"
            )
        accent = "#" + asked
    css = accent_rule(accent)
    max_age = request.app.state.settings.cache_max_age
    return Response(
        css, media_type="text/css", headers={"Cache-Control": f"public, max-age={max_age}"}
    )
