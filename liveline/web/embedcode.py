"""The copy-paste snippet that puts a live blog on another site: an iframe of the embed page,
and a few lines that let the embed set the iframe's height (live.js posts it on each change),
so the column never shows a scroll bar of its own nor a gap below it."""

from __future__ import annotations

import json

from markupsafe import escape

from liveline.formats.language import DEFAULT, language

# Runs on the newsroom's page, not ours: it trusts messages from the embed's origin only, and
# resizes only the iframe that sent them.
LISTENER = (
    "addEventListener('message',function(e){"
    "if(e.origin!==%(origin)s||!e.data||e.data.liveline!=='height')return;"
    "document.querySelectorAll('iframe[data-liveline]').forEach(function(f){"
    "if(f.contentWindow===e.source)f.style.height=e.data.height+'px'})});"
)


def embed_snippet(base_url: str, slug: str, title: str, tag: str = DEFAULT) -> str:
    """HTML to paste into any page: the live column, sized to its content; the iframe's
    title in the blog's language (`tag`)."""
    src = f"{base_url}/blogs/{slug}/embed"
    listener = LISTENER % {"origin": json.dumps(base_url)}
    named = language(tag).gettext("%(title)s (live)", title=title)
    return (
        f'<iframe src="{escape(src)}" title="{escape(named)}" data-liveline="{escape(slug)}"'
        ' style="width:100%;border:0" height="600" loading="lazy"></iframe>\n'
        f"<script>{listener}</script>"
    )
