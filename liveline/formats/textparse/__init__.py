"""Read live blogs copied from web pages as plain text: times, chrome, bylines, photos, posts."""

from liveline.formats.textparse.parsed import ParsedBlog, ParsedImage, ParsedPost, ParseError
from liveline.formats.textparse.reader import explain_text, parse_bytes, parse_text

__all__ = [
    "ParseError", "ParsedBlog", "ParsedImage", "ParsedPost", "explain_text", "parse_bytes",
    "parse_text",
]  # fmt: skip
