"""Post bodies: Markdown written by reporters, rendered to sanitised HTML."""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Sequence
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

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


# What a body may expand to. markdown-it-py is pure Python and some inputs cost it far more
# than their size: 200 KB of "![" took 13 s, of "- a" lines or "a" lines 3 s. Beyond any of
# these limits a body is shown as escaped plain text paragraphs: every word still readable,
# none of the cost. Each limit is far above what a reporter's post needs.
MAX_NESTING = 20  # blockquotes, lists, emphasis inside one another
MAX_LINES = 3_000  # block parsing costs ~40 µs a line
MAX_BRACKETS = 1_000  # each "[" opens a link or image label
MAX_MARKUP_CHARS = 8_000  # emphasis, code, autolink, entity and escape characters
# A "[" makes the parser read ahead to its "]" (or, unclosed, to the end), ~4 µs for each piece
# of markup or line on the way: 200 KB of "![" took 13 s. This bounds the sum of those reads.
MAX_LABEL_WORK = 50_000
MAX_LINKS = 500  # links and images, counted in the parsed tokens
MAX_LIST_ITEMS = 1_000
MAX_OUTPUT_CHARS = 262_144  # HTML beyond the body's own size (tags around the words)
MARKUP_CHARS = "*_`<&\\~"
LABEL_COSTLY = re.compile(r"[*_`<&\\~\r\n\[!]")
# markdown-it stops parsing (and drops the rest) at its maxNesting; set it above our limit so
# that a deeper body is seen to be too deep, and shown whole as plain text instead.
PARSER_NESTING = 2 * MAX_NESTING


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # Raw HTML off: a body is Markdown, never markup smuggled past the sanitiser.
    return MarkdownIt(
        "commonmark",
        {"html": False, "linkify": False, "typographer": False, "maxNesting": PARSER_NESTING},
    )


CONTEXT_PARAGRAPH = re.compile(r"<p><strong>([^<]{1,80}:)</strong>")
PARAGRAPH_BREAK = re.compile(r"(?:\r\n?|\n)[ \t]*(?:\r\n?|\n)\s*")


def too_costly(body: str) -> bool:
    """Whether parsing `body` could cost more than a post should: counted, never parsed."""
    lines = max(body.count("\n"), body.count("\r"))  # CommonMark ends a line at either
    brackets = body.count("[")
    if lines > MAX_LINES or brackets > MAX_BRACKETS:
        return True
    if sum(body.count(char) for char in MARKUP_CHARS) > MAX_MARKUP_CHARS:
        return True
    return brackets > 0 and label_work(body) > MAX_LABEL_WORK


def label_work(body: str) -> int:
    """How much markup the parser reads through looking for the ends of link labels: for each
    "[", the markup, lines and brackets up to its matching "]" (unmatched: the end)."""
    costly = [match.start() for match in LABEL_COSTLY.finditer(body)]
    opened: list[int] = []
    spans: list[tuple[int, int]] = []
    for match in re.finditer(r"[\[\]]", body):
        if match[0] == "[":
            opened.append(match.start())
        elif opened:
            spans.append((opened.pop(), match.start()))
    spans.extend((start, len(body)) for start in opened)
    return sum(
        bisect.bisect_left(costly, end) - bisect.bisect_right(costly, start) for start, end in spans
    )


def too_rich(tokens: Sequence[Token]) -> bool:
    """Whether the parsed body nests too deep or holds too many links or list items."""
    links = items = 0
    for token in tokens:
        if token.level >= MAX_NESTING:
            return True
        if token.type == "list_item_open":
            items += 1
        for child in token.children or ():
            if child.level >= MAX_NESTING:
                return True
            if child.type in ("link_open", "image"):
                links += 1
    return links > MAX_LINKS or items > MAX_LIST_ITEMS


def plain_paragraphs(body: str) -> str:
    """A body as escaped text: one paragraph per blank-line-separated block, lines kept."""
    blocks = (block.strip() for block in PARAGRAPH_BREAK.split(body))
    return "".join(
        "<p>" + html.escape(block, quote=False).replace("\n", "<br>\n") + "</p>\n"
        for block in blocks
        if block
    )


def render_markdown(body: str) -> str:
    """Sanitised HTML for a body; plain text paragraphs for one beyond the limits above."""
    if too_costly(body):
        return plain_paragraphs(body)
    markdown = _markdown()
    tokens = markdown.parse(body)
    if too_rich(tokens):
        return plain_paragraphs(body)
    rendered = markdown.renderer.render(tokens, markdown.options, {})
    if len(rendered) > len(body) + MAX_OUTPUT_CHARS:
        return plain_paragraphs(body)
    rendered = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )
    # A paragraph led by a bold label ("More background:") is a context note the page sets apart.
    return CONTEXT_PARAGRAPH.sub(r'<p class="post__context"><strong>\1</strong>', rendered)


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
