"""HTML from other systems as Liveline Markdown: sanitised first, then rewritten block by block.

nh3 removes everything that could run (scripts, styles, event handlers, `javascript:` URLs)
before the HTML is read at all; what is left becomes Markdown, which the reader renders
through the same sanitiser as every post body (richtext.render_markdown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import nh3

from liveline.formats.richtext import escape_markdown

ALLOWED_TAGS = {
    "p", "br", "a", "strong", "b", "em", "i", "ul", "ol", "li", "blockquote", "h1", "h2", "h3",
    "h4", "h5", "h6", "img", "figure", "figcaption", "code", "pre", "hr", "div", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}}
URL_SCHEMES = {"http", "https", "mailto"}
BLOCKS = {"p", "div", "ul", "ol", "li", "blockquote", "figure", "figcaption", "pre", "hr"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
INLINE_MARKS = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`"}


@dataclass
class Image:
    url: str
    alt: str | None
    caption: str | None = None


@dataclass
class Converted:
    """An HTML fragment as Markdown blocks, its headings' text and its images."""

    blocks: list[tuple[str, str]] = field(default_factory=list)  # (kind, Markdown)
    headings: list[str] = field(default_factory=list)  # plain text
    images: list[Image] = field(default_factory=list)
    text: str = ""  # all plain text, for a headline when there is no heading

    @property
    def markdown(self) -> str:
        return join_blocks(self.blocks)


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
    )


def html_to_markdown(html: str) -> Converted:
    converter = _Converter()
    converter.feed(sanitise(html))
    converter.close()
    converter.flush()
    result = converter.result
    result.text = " ".join("".join(converter.plain).split())
    return result


def join_blocks(blocks: list[tuple[str, str]]) -> str:
    out: list[str] = []
    previous = None
    for kind, text in blocks:
        joined = kind == previous and kind in ("bullet", "ordered")
        out.append(("\n" if joined else "\n\n") + text if out else text)
        previous = kind
    return "".join(out)


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.result = Converted()
        self.inline: list[str] = []
        self.plain: list[str] = []
        self.heading: list[str] | None = None
        self.lists: list[list[int]] = []  # per open list: [ordered (0/1), next number]
        self.quote = 0
        self.links: list[str | None] = []
        self.caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in BLOCKS or tag in HEADINGS:
            self.flush()
        if tag in HEADINGS:
            self.heading = []
        elif tag in ("ul", "ol"):
            self.lists.append([int(tag == "ol"), 1])
        elif tag == "blockquote":
            self.quote += 1
        elif tag == "figcaption":
            self.caption = []
        elif tag == "br":
            self.inline.append("\\\n")
        elif tag == "a":
            href = values.get("href")
            self.links.append(href if href and not re.search(r"[\s()<>]", href) else None)
            self.inline.append("[" if self.links[-1] else "")
        elif tag == "img" and (src := values.get("src") or "").startswith(("http://", "https://")):
            self.result.images.append(Image(src, (values.get("alt") or "").strip() or None))
        elif tag in INLINE_MARKS:
            self.inline.append(INLINE_MARKS[tag])

    def handle_endtag(self, tag: str) -> None:
        if tag in HEADINGS and self.heading is not None:
            text = " ".join("".join(self.heading).split())
            if text:
                self.result.headings.append(text)
                self.result.blocks.append(("heading", f"**{escape_markdown(text)}**"))
            self.heading = None
            self.inline = []
        elif tag == "a" and self.links:
            href = self.links.pop()
            self.inline.append(f"]({href})" if href else "")
        elif tag in INLINE_MARKS:
            if self.inline and self.inline[-1] == INLINE_MARKS[tag]:
                self.inline.pop()  # an empty <strong></strong> marks nothing
            else:
                self.inline.append(INLINE_MARKS[tag])
        elif tag == "figcaption" and self.caption is not None:
            caption = " ".join("".join(self.caption).split())
            if caption and self.result.images:
                self.result.images[-1].caption = caption
            self.caption = None
            self.inline = []
        elif tag in BLOCKS:
            self.flush()
            if tag in ("ul", "ol") and self.lists:
                self.lists.pop()
            elif tag == "blockquote":
                self.quote = max(0, self.quote - 1)
            elif tag == "hr":
                self.result.blocks.append(("rule", "---"))

    def handle_data(self, data: str) -> None:
        if self.heading is not None:
            self.heading.append(data)
        elif self.caption is not None:
            self.caption.append(data)
            return  # a caption is the photo's, not the entry's text
        else:
            self.inline.append(escape_markdown(re.sub(r"\s+", " ", data)))
        self.plain.append(data + " ")

    def flush(self) -> None:
        text = "".join(self.inline).strip()
        self.inline = []
        if not text or self.heading is not None or self.caption is not None:
            return
        kind = "paragraph"
        if self.lists:
            ordered, number = self.lists[-1]
            kind = "ordered" if ordered else "bullet"
            text = f"{number}. {text}" if ordered else f"- {text}"
            self.lists[-1][1] += 1
        if self.quote:
            kind, text = "quote", "\n".join(f"> {line}" for line in text.split("\n"))
        self.result.blocks.append((kind, text))
