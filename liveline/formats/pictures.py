"""What pages, feeds and JSON-LD say of a post's pictures: pure functions of `model.Image`.

An uploaded image has renditions; the browser picks one from `srcset` and `sizes`, so a phone
downloads the small one. An image by URL alone (imported, or from before uploads) has one
address and no known size.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from liveline.model import Image, Post, Rendition

# The reader column is 42rem less 1rem of padding a side: the widest a picture is shown.
SIZES = "(max-width: 42rem) calc(100vw - 2rem), 40rem"
WEBP = "image/webp"


def absolute(url: str, base_url: str) -> str:
    return f"{base_url}{url}" if url.startswith("/") else url


def srcset(image: Image, type: str) -> str:
    return ", ".join(f"{item.url} {item.width}w" for item in image.renditions if item.type == type)


def fallback_type(image: Image) -> str:
    """The original's format among the renditions (WebP when that is all there is)."""
    types = [item.type for item in image.renditions if item.type != WEBP]
    return types[0] if types else WEBP


def rendition(image: Image, width: int) -> Rendition | None:
    """The rendition nearest `width` in the original's format."""
    wanted = fallback_type(image)
    candidates = [item for item in image.renditions if item.type == wanted]
    return min(candidates, key=lambda item: abs(item.width - width)) if candidates else None


def src(image: Image, width: int = 960) -> str | None:
    """One address for clients that take no srcset (feeds, old browsers): the rendition
    nearest `width`, else the image's own URL."""
    found = rendition(image, width)
    return image.url if found is None else found.url


def view(image: Image) -> dict[str, Any]:
    """What the page's <figure> needs: the image's JSON plus srcsets and a src."""
    data: dict[str, Any] = {
        "url": image.url,
        "caption": image.caption,
        "credit": image.credit,
        "alt": image.alt,
        "width": image.width,
        "height": image.height,
        "src": src(image),
        "eager": False,
    }
    if image.renditions:
        data["webp_srcset"] = srcset(image, WEBP)
        data["srcset"] = srcset(image, fallback_type(image))
        data["type"] = fallback_type(image)
        data["sizes"] = SIZES
    return data


def lead_image(posts: Iterable[Post]) -> Image | None:
    """The blog's lead picture (Open Graph, Twitter cards, JSON-LD): the first shown."""
    for post in posts:
        for image in post.images:
            if image.url or image.renditions:
                return image
    return None


def image_object(image: Image, base_url: str, organization: str | None = None) -> dict[str, Any]:
    """schema.org ImageObject; the credit is also the copyright notice, as agencies write it."""
    largest = rendition(image, 1600)
    url = image.url if largest is None else largest.url
    data: dict[str, Any] = {"@type": "ImageObject", "url": absolute(url or "", base_url)}
    if largest is not None and image.width and image.height:
        data["width"] = largest.width
        data["height"] = round(image.height * largest.width / image.width)
    if image.caption:
        data["caption"] = image.caption
    if image.credit:
        data["creditText"] = image.credit
        data["copyrightNotice"] = image.credit
    elif organization:
        data["creditText"] = organization
    return data
