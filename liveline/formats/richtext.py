"""Post bodies: Markdown written by reporters, rendered to sanitised HTML."""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "a", "strong", "em", "blockquote", "ul", "ol", "li", "br", "h3", "h4", "code", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}

# "More background: …", "About the Minsk agreements: …" — context notes a page sets apart.
CONTEXT_NOTE = re.compile(
    r"^(?P<label>(?:More background|Background|Some background|Context|For context|Catch up"
    r"|Remember|Why it matters|What we know|Recap|Editor's note|Editor’s note|Note"
    r"|About [^:]{1,60}|Read more[^:]{0,40}))\s*:\s+(?P<rest>\S.*)$"
)
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
LEADING_BLOCK_MARKER = re.compile(r"^(\s*)(\d*)([-+.)])(\s|$)")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # Raw HTML off: a body is Markdown, never markup smuggled past the sanitiser.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


CONTEXT_PARAGRAPH = re.compile(r"<p><strong>([^<]{1,80}:)</strong>")


def render_markdown(body: str) -> str:
    html = _markdown().render(body)
    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )
    # A paragraph led by a bold label ("More background:") is a context note the page sets apart.
    return CONTEXT_PARAGRAPH.sub(r'<p class="post__context"><strong>\1</strong>', html)


def escape_markdown(text: str) -> str:
    """Plain text as Markdown that renders back to the same text."""
    text = MARKDOWN_SPECIAL.sub(r"\\\1", text)
    # A line that starts "1. " or "- " would become a list; escaping the mark keeps it text.
    return LEADING_BLOCK_MARKER.sub(r"\1\2\\\3\4", text)


def paragraphs_to_markdown(paragraphs: list[str] | tuple[str, ...]) -> str:
    """Imported plain paragraphs as a Markdown body; context notes get a bold label."""
    blocks = []
    for paragraph in paragraphs:
        note = CONTEXT_NOTE.match(paragraph)
        if note:
            blocks.append(f"**{escape_markdown(note['label'])}:** {escape_markdown(note['rest'])}")
        else:
            blocks.append(escape_markdown(paragraph))
    return "\n\n".join(blocks)
