"""Embeds: a known provider's URL alone on a line of a post becomes a card, not a player.

Which providers, their URL patterns and oEmbed endpoints are data (`providers.json`, or a
file named by LIVELINE_EMBED_PROVIDERS). A card shows the provider, the author, the title or
a thumbnail and a link to the original; the provider's player is held in a <template> and
put in the page only when the reader asks (live.js), so no third-party script runs, and
nothing is fetched from the provider, until then. Pure: the oEmbed answer is given.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nh3

PROVIDERS = Path(__file__).parent / "providers.json"
# A rendered paragraph that is a URL and nothing else (as text, or as an <autolink>).
LONE_URL = re.compile(
    r'<p>(?:(https?://[^\s<>"]+)|<a href="(https?://[^\s<>"]+)"[^>]*>[^<]*</a>)</p>'
)
MAX_ANSWER_BYTES = 256 * 1024
TEXT_LIMIT = 300


@dataclass(frozen=True)
class Provider:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    endpoint: str
    frames: tuple[str, ...]

    def matches(self, url: str) -> bool:
        return any(pattern.match(url) for pattern in self.patterns)


def load_providers(path: Path | None = None) -> tuple[Provider, ...]:
    data = json.loads((path or PROVIDERS).read_text(encoding="utf-8"))
    return tuple(
        Provider(
            item["name"],
            tuple(re.compile(pattern) for pattern in item["patterns"]),
            item["endpoint"],
            tuple(item.get("frames", ())),
        )
        for item in data["providers"]
    )


def provider_of(url: str, providers: tuple[Provider, ...]) -> Provider | None:
    return next((provider for provider in providers if provider.matches(url)), None)


def embed_urls(body_html: str, providers: tuple[Provider, ...]) -> list[str]:
    """The URLs of a rendered body that become embeds, in order."""
    found = []
    for match in LONE_URL.finditer(body_html):
        url = html.unescape(match[1] or match[2])
        if provider_of(url, providers) is not None and url not in found:
            found.append(url)
    return found


def with_cards(
    body_html: str, providers: tuple[Provider, ...], answers: dict[str, dict[str, Any] | None]
) -> str:
    """The body with each embed's paragraph replaced by its card; `answers` holds what each
    provider said (None, or absent: not asked yet or unreachable, so a plain link card)."""

    def replace(match: re.Match[str]) -> str:
        url = html.unescape(match[1] or match[2])
        provider = provider_of(url, providers)
        if provider is None:
            return match[0]
        return card(url, provider, answers.get(url))

    return LONE_URL.sub(replace, body_html)


def card(url: str, provider: Provider, answer: dict[str, Any] | None) -> str:
    answer = answer or {}
    title = _text(answer.get("title"))
    author = _text(answer.get("author_name"))
    thumbnail = answer.get("thumbnail_url")
    player = sanitize_player(answer.get("html"), provider)
    e = html.escape
    parts = [
        f'<aside class="embed-card" data-provider="{e(provider.name)}">',
        f'<p class="embed-card__provider">{e(provider.name)}'
        + (f' · <span class="embed-card__author">{e(author)}</span>' if author else "")
        + "</p>",
    ]
    if title:
        parts.append(f'<p class="embed-card__title">{e(title)}</p>')
    if isinstance(thumbnail, str) and thumbnail.startswith("https://"):
        parts.append(
            f'<img class="embed-card__thumb" src="{e(thumbnail)}" alt="" loading="lazy" '
            'decoding="async" referrerpolicy="no-referrer">'
        )
    if player:
        parts.append(
            f'<button type="button" class="embed-card__load">Load the {e(provider.name)} '
            "post here</button>"
            f"<template>{player}</template>"
        )
    parts.append(
        f'<p><a class="embed-card__link" href="{e(url)}" rel="noopener nofollow">'
        f"Open on {e(provider.name)}</a></p></aside>"
    )
    return "".join(parts)


def sanitize_player(markup: Any, provider: Provider) -> str:
    """A provider's player as we let it into the page: no scripts, no handlers, no styles;
    an iframe only from the provider's own frame origins (CSP frame-src allows those too)."""
    if not isinstance(markup, str) or not markup.strip():
        return ""

    def allowed(tag: str, attribute: str, value: str) -> str | None:
        if tag == "iframe" and attribute == "src":
            return value if _origin(value) in provider.frames else None
        return value

    return str(
        nh3.clean(
            markup[:MAX_ANSWER_BYTES],
            tags={"iframe", "blockquote", "p", "a", "br", "em", "strong", "span"},
            attributes={
                "iframe": {"src", "width", "height", "title", "allow", "allowfullscreen"},
                "a": {"href"},
                "blockquote": {"cite"},
            },
            attribute_filter=allowed,
            url_schemes={"https", "http"},  # an iframe only from `frames`, above
            link_rel="noopener nofollow",
        )
    )


def frame_origins(providers: tuple[Provider, ...]) -> list[str]:
    return sorted({origin for provider in providers for origin in provider.frames})


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text[:TEXT_LIMIT] or None
