"""The reader's page and the console in the blog's (or the browser's) language (issue 11, 5).

The catalogue is checked against the source as it is now: every message the code and the
templates say is extracted here with Babel, and each must have a German translation, neither
empty nor fuzzy, so a string added without one fails the suite.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from markupsafe import escape
from playwright.sync_api import Browser, expect
from pydantic import BaseModel, ValidationError

from liveline.errors import why
from liveline.formats import aptime
from liveline.formats.language import TRANSLATIONS, language, negotiate
from liveline.model import Limit, Role
from liveline.values import BlogIn, CropIn, PostIn, known_language
from tests import test_console_browser
from tests.browsers import Newsroom as Newsroom_
from tests.browsers import keep_screenshot
from tests.harness import LiveServer
from tests.newsroom import Browser as Browser_
from tests.newsroom import Newsroom, cheap_hashing, console_settings, open_newsroom  # noqa: F401
from tests.test_accessibility import violations
from tests.test_live_page import SOON, open_live_page
from tests.test_stream import TIMEOUT, Desk

PACKAGE = Path(__file__).resolve().parents[1] / "liveline"
ROOT = PACKAGE.parent
# 13:39 UTC on Monday 30 November 2026: 14:39 in Berlin, 8:39 a.m. in New York.
AT = "2026-11-30T13:39:00+00:00"


def source_messages() -> set[str]:
    """Every msgid the source says, extracted now as `make messages` does (babel.cfg)."""
    method_map = [("**.py", "python"), ("web/templates/**.html", "jinja2")]
    options = {"web/templates/**.html": {"trim_blocks": "True", "lstrip_blocks": "True"}}
    keywords = {
        "_": None, "gettext": None, "ngettext": (1, 2), "N_": None,
        "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3), "plural_forms": (2, 3),
    }  # fmt: skip
    found = set()
    for _, _, message, _, _ in extract_from_dir(
        str(PACKAGE), method_map, options, keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_of_the_source_has_a_german_translation() -> None:
    with (TRANSLATIONS / "de" / "LC_MESSAGES" / "liveline.po").open("rb") as po:
        catalogue = read_po(po)
    messages = source_messages()
    assert len(messages) > 150  # the extraction did read the templates and the code
    problems = []
    for message in sorted(messages):
        entry = catalogue.get(message)
        if entry is None:
            problems.append(f"missing: {message!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {message!r}")
        elif not all(entry.string if isinstance(entry.string, tuple) else [entry.string]):
            problems.append(f"untranslated: {message!r}")
    assert not problems, "run `make messages` and translate:\n" + "\n".join(problems)


def test_the_template_is_current_with_the_source() -> None:
    with (TRANSLATIONS / "liveline.pot").open("rb") as pot:
        template = {
            entry.id[0] if isinstance(entry.id, tuple) else entry.id for entry in read_po(pot)
        }
    assert source_messages() <= template, "run `make messages`"


def test_placeholders_survive_translation() -> None:
    with (TRANSLATIONS / "de" / "LC_MESSAGES" / "liveline.po").open("rb") as po:
        for entry in read_po(po):
            if not entry.id:
                continue
            ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
            names = set(re.findall(r"%\((\w+)\)", ids[-1])) - {"num"}
            for text in entry.string if isinstance(entry.string, tuple) else (entry.string,):
                assert names <= set(re.findall(r"%\((\w+)\)", text)), entry.id


def test_german_times_have_a_24_hour_clock_and_the_day_first() -> None:
    moment = datetime.fromisoformat(AT)
    german = language("de")
    assert aptime.post_time(moment, "Europe/Berlin", german) == "14:39 MEZ, 30. November 2026"
    assert aptime.updated_time(moment, "Europe/Berlin", german) == (
        "14:39 MEZ, Montag, 30. November 2026"
    )
    # American English stays AP style, with or without the language named.
    assert aptime.post_time(moment, "America/New_York", language("en-US")) == (
        "8:39 a.m. ET, November 30, 2026"
    )
    assert aptime.post_time(moment, "America/New_York") == "8:39 a.m. ET, November 30, 2026"
    # British English: English words, a 24-hour clock, the day first.
    assert aptime.post_time(moment, "Europe/London", language("en-GB")) == (
        "13:39 GMT, 30 November 2026"
    )


def test_a_language_is_a_known_bcp_47_tag_spelled_as_usual() -> None:
    assert known_language("de-de") == "de-DE"
    for bad in ("xx-YY", "de_DE", "", "en-US; drop table", "a" * 40):
        with pytest.raises(ValueError):
            known_language(bad)
    assert negotiate("fr-FR, de-AT;q=0.8, en;q=0.5") == "de-AT"
    assert negotiate("en-GB,en;q=0.9") == "en-GB"
    assert negotiate("en") == "en-US"
    assert negotiate("fr, es;q=0.5", "de") == "de"  # no words for these: the default
    assert negotiate("de;q=x, ;;, *") == "en-US"  # nonsense is no failure


# The reader's side on the session's shared server (tests/browsers.py's `newsroom`).


def german_blog(room: Newsroom_, slug: str) -> Desk:
    made = httpx.post(
        f"{room.server.url}/api/blogs",
        json={
            "slug": slug,
            "title": "Sturm über Hamburg",
            "authors": ["Anna Schmidt", "Jonas Weber", "Lea Koch"],
            "organization": "NDR",
            "timezone": "Europe/Berlin",
            "language": "de-de",
        },
        headers=room.headers,
        timeout=TIMEOUT,
    )
    assert made.status_code == 201, made.text
    assert made.json()["language"] == "de-DE"  # the tag as it is usually spelled
    return Desk(room.server.url, slug, room.headers)


def test_the_api_refuses_an_unknown_language_and_changes_one(
    newsroom: Newsroom_,
) -> None:
    url = f"{newsroom.server.url}/api/blogs"
    refused = httpx.post(
        url, json={"title": "x", "language": "klingon"}, headers=newsroom.headers, timeout=TIMEOUT
    )
    assert refused.status_code == 422, refused.text
    assert "language" in refused.text
    desk, _ = newsroom.new_blog("First")
    assert httpx.get(f"{url}/{desk.slug}", timeout=TIMEOUT).json()["language"] == "en-US"
    changed = httpx.patch(
        f"{url}/{desk.slug}", json={"language": "de"}, headers=newsroom.headers, timeout=TIMEOUT
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["language"] == "de"


def test_a_german_blog_is_german_throughout(newsroom: Newsroom_) -> None:
    desk = german_blog(newsroom, "sturm-1")
    desk.publish("Deich hält", "Die Lage ist stabil.", published_at=AT, location="Hamburg",
                 authors=["Anna Schmidt", "Jonas Weber", "Lea Koch"],
                 key_event=True, contributors=["Max Roth"])  # fmt: skip
    page = httpx.get(f"{desk.url}/blogs/{desk.slug}", timeout=TIMEOUT).text
    assert '<html lang="de-DE">' in page
    for words in ("Wichtigste Ereignisse", "Nur wichtigste Ereignisse", "Neueste zuerst",
                  "Zum Inhalt springen", "Von Anna Schmidt, Jonas Weber und Lea Koch, NDR",
                  "1 Beitrag", "14:39 MEZ, 30. November 2026", "Aktualisiert: ",
                  "Von Anna Schmidt, Jonas Weber und Lea Koch (NDR), Hamburg",
                  "Mitarbeit an diesem Beitrag: Max Roth (NDR).", "Teilen"):  # fmt: skip
        assert words in page, words
    for english in ("Key events", "Newest first", "Skip to content", " and ", "p.m.", "Share"):
        assert english not in page, english
    # The page script's words are German too, from the catalogue.
    block = re.search(r'<script type="application/json" id="page-words">(.*?)</script>', page)
    assert block is not None
    words = json.loads(block[1])
    assert words["newUpdates"] == {"one": "{n} neuer Beitrag", "other": "{n} neue Beiträge"}
    assert words["ended"] == "Diese Live-Berichterstattung ist beendet."
    # The post's own page, the embed, the feeds and the JSON-LD say the language too.
    post_id = re.search(r'id="post-(\d+)"', page)[1]  # type: ignore[index]
    own = httpx.get(f"{desk.url}/blogs/{desk.slug}/posts/{post_id}", timeout=TIMEOUT).text
    assert '<html lang="de-DE">' in own and '"inLanguage":"de-DE"' in own
    assert "Diesen Beitrag im Liveticker ansehen" in own
    embed = httpx.get(f"{desk.url}/blogs/{desk.slug}/embed", timeout=TIMEOUT).text
    assert '<html lang="de-DE">' in embed and "Sortierung" in embed
    assert '"inLanguage":"de-DE"' in page
    rss = httpx.get(f"{desk.url}/blogs/{desk.slug}/feed.rss", timeout=TIMEOUT).text
    assert "<language>de-DE</language>" in rss
    feed = httpx.get(f"{desk.url}/blogs/{desk.slug}/feed.json", timeout=TIMEOUT).json()
    assert feed["language"] == "de-DE"


def test_an_american_blog_is_as_it_was(newsroom: Newsroom_) -> None:
    desk, _ = newsroom.new_blog()
    desk.publish("Levee holds", published_at=AT)
    page = httpx.get(f"{desk.url}/blogs/{desk.slug}", timeout=TIMEOUT).text
    assert '<html lang="en-US">' in page
    for words in ("Key events", "Newest first", "8:39 a.m. ET, November 30, 2026", "1 Post",
                  "By Ana Ruiz", "Updated "):  # fmt: skip
        assert words in page, words


def test_the_german_page_in_chromium_with_a_live_post(
    browser: Browser, newsroom: Newsroom_
) -> None:
    desk = german_blog(newsroom, "sturm-2")
    desk.publish("Pegel steigt", "Der Wasserstand liegt bei 3,10 Metern.", key_event=True,
                 published_at=AT, location="Hamburg")  # fmt: skip
    for width, name in ((1280, "reader-de-desktop.png"), (390, "reader-de-phone.png")):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="de-DE")
        page = context.new_page()
        open_live_page(page, desk)
        expect(page.locator("html")).to_have_attribute("lang", "de-DE")
        if width == 1280:
            live = desk.publish("Sperrung aufgehoben", "Die Elbbrücken sind wieder frei.")
            article = page.locator(f"#post-{live['id']}")
            expect(article).to_be_visible(timeout=SOON)  # the reader is at the top: it shows
            # A German time from the stream's fragment ("14:39 MEZ, 30. November 2026" in
            # shape), and a relative time from Intl in German.
            expect(article.locator(".post__time time")).to_have_text(
                re.compile(r"^\d{2}:\d{2} (MEZ|MESZ), \d{1,2}\. \w+ \d{4}$"), timeout=SOON
            )
            expect(article.locator(".post__ago")).to_have_text("Gerade eben")
            expect(page.locator("#live-status")).to_have_text("Neuer Beitrag: Sperrung aufgehoben")
            expect(page.locator("#blog-count")).to_have_text("2 Beiträge", timeout=SOON)
            expect(page.locator("#key-events-title")).to_have_text("Wichtigste Ereignisse")
        keep_screenshot(page, name, full_page=False)
        context.close()
    # The German page, its post page and the embed are as accessible as the English ones.
    base = f"{desk.url}/blogs/{desk.slug}"
    pages = {base: True, f"{base}/posts/{live['id']}": False, f"{base}/embed": True}
    found = {url: violations(browser, url, "light", stream) for url, stream in pages.items()}
    assert found == {url: [] for url in found}


def test_the_console_speaks_the_browsers_language(tmp_path: Path, cheap_hashing: None) -> None:  # noqa: F811
    for room in open_newsroom(console_settings(tmp_path)):
        room.add("editor", Role.EDITOR, "Eva Editor")
        room.blog("sturm")
        german = room.browser("editor")
        german.http.headers["Accept-Language"] = "de-DE,de;q=0.9,en;q=0.5"
        desk = german.get("/edit/sturm").text
        assert '<html lang="de-DE">' in desk
        for words in ("Neuer Beitrag", "Veröffentlichen", "Entwurf speichern", "Abmelden",
                      "Strg+Enter", "Überschrift", "Entwürfe", "Leserseite"):  # fmt: skip
            assert words in desk, words
        assert "Save draft" not in desk and "Sign out" not in desk
        words = json.loads(re.search(r'id="page-words">(.*?)</script>', desk)[1])  # type: ignore[index]
        assert words["waiting"]["one"].startswith("Warte auf Verbindung: {n} Beitrag")
        settings = german.get("/edit/sturm/settings").text
        assert "Sprache" in settings and 'value="en-US"' in settings
        # The blog's language is set from its settings.
        german.post("/edit/sturm/settings", title="Sturm", authors="", organization="",
                    timezone="Europe/Berlin", language="de-de")  # fmt: skip
        assert room.app.state.service.blogs.get("sturm").language == "de-DE"
        refused = german.post("/edit/sturm/settings", title="Sturm", timezone="Europe/Berlin",
                              language="xx-YY")  # fmt: skip
        assert refused.status_code == 422 and "unbekannte Sprache" in refused.text  # German
        english = room.browser("editor")
        assert "Save draft" in english.get("/edit/sturm").text  # no Accept-Language: en-US


console_server = test_console_browser.server  # a server with the console on, for this file


def test_the_console_in_german_in_chromium(browser: Browser, console_server: LiveServer) -> None:
    context = test_console_browser.signed_in(browser, console_server, locale="de-DE")
    desk = context.new_page()
    desk.goto(f"{console_server.url}/edit/storm")
    expect(desk.locator("html")).to_have_attribute("lang", "de-DE")
    expect(desk.get_by_role("heading", name="Neuer Beitrag")).to_be_visible()
    expect(desk.locator("button[value=publish]")).to_contain_text("Veröffentlichen")
    keep_screenshot(desk, "console-de.png")
    # console.js speaks German too: its outbox, offline.
    context.set_offline(True)
    desk.fill("#compose-headline", "Fähre fällt aus")
    desk.fill("#compose-body", "Der Verkehr ruht bis morgen.")
    desk.click("button[value=publish]")
    expect(desk.locator("#compose-status")).to_have_text(
        "Warte auf Verbindung: 1 Beitrag wird gesendet, sobald sie wieder steht.", timeout=SOON
    )
    context.set_offline(False)
    desk.wait_for_url("**/edit/storm?saved=*", timeout=10_000)
    expect(desk.locator(".desk-tabs a[aria-current=page]")).to_have_text("Veröffentlicht")
    context.close()


def test_the_german_consoles_photo_tray_and_tokens_page(
    tmp_path: Path,
    cheap_hashing: None,  # noqa: F811
) -> None:
    for room in open_newsroom(console_settings(tmp_path)):
        room.add("root", Role.ADMIN, "Rita Root")
        room.blog("sturm")
        german = room.browser("root")
        german.http.headers["Accept-Language"] = "de"
        desk = german.get("/edit/sturm").text
        # The tray as the server draws it (what works without JavaScript)...
        for words in ("<legend>Fotos</legend>", "Fotos hinzufügen", "JPEG, PNG, WebP oder GIF",
                      ": hierher ziehen, einfügen (Strg+V) oder auswählen",
                      "Bildunterschrift der neuen Fotos",
                      'aria-label="Fotos dieses Beitrags, in der Reihenfolge,'):  # fmt: skip
            assert words in desk, words
        for english in ("Add photos", "Caption of the new photos", "drop them here"):
            assert english not in desk, english
        # ...and console-photos.js's words, from the same catalogue, plurals included.
        block = re.search(r'id="page-words">(.*?)</script>', desk)
        assert block is not None
        photos = json.loads(block[1])["photos"]
        assert photos["title"] == "Foto zuschneiden oder drehen"
        assert photos["cropArea"].startswith("Bildausschnitt: Pfeiltasten")
        assert photos["uploading"] == {
            "one": "{n} Foto wird hochgeladen …",
            "other": "{n} Fotos werden hochgeladen …",
        }
        assert photos["notUploaded"] == "Nicht hochgeladen: {reason}"
        assert all(isinstance(value, (str, dict)) and value for value in photos.values())
        # The token page: made, listed, revoked, all in German.
        made = german.post("/edit/_tokens", label="Wahlabend")
        assert made.status_code == 201, made.text
        for words in ("<h1 class=\"console-title\">API-Tokens</h1>", "Ihr neues Token.",
                      ">Kopieren</button>", "mit Ihrer Rolle (Admin)", "Tokens aller Personen",
                      "Token erstellen", "erstellt ", "Widerrufen<span"):  # fmt: skip
            assert words in made.text, words
        token_id = max(map(int, re.findall(r'id="token-(\d+)"', made.text)))
        assert f'data-confirm="Token {token_id} widerrufen? Skripte' in made.text
        revoked = german.post(f"/edit/_tokens/{token_id}/revoke")
        assert f"Token {token_id} ist widerrufen: Es funktioniert nicht mehr." in revoked.text
        assert "widerrufen " in revoked.text  # the revoked row's time
        for english in ("Create a token", "Your new token", "is revoked", "Revoke<span"):
            assert english not in made.text + revoked.text, english
        account = german.get("/edit/_account").text
        assert "für Skripte, die in Ihrem Namen veröffentlichen." in account
        assert '<a href="/edit/_tokens" id="tokens-link">API-Tokens</a>:' in account
        people = german.get("/edit/_people").text
        assert "Rolle von root" in people and "Neues Passwort für root" in people
        # A stale save of "What we know" is refused in German, what was typed kept.
        german.get("/edit/sturm/settings")
        now = room.app.state.service.blogs.get("sturm").summary_version
        assert german.post("/edit/sturm/summary", summary="- Eins", version=now).status_code == 200
        stale = german.post("/edit/sturm/summary", summary="- Zwei", version=now)
        assert stale.status_code == 409
        assert f"die Zusammenfassung ist inzwischen in Fassung {now + 1}, nicht {now}" in stale.text
        assert "- Zwei</textarea>" in stale.text and "Fassungen" in stale.text
        # The same pages in English are as they were.
        english = room.browser("root")
        assert "Add photos" in english.get("/edit/sturm").text
        tokens = english.get("/edit/_tokens").text
        assert "Create a token" in tokens and f"Token {token_id} · " in tokens
        english.get("/edit/sturm/settings")
        refused = english.post("/edit/sturm/summary", summary="- Drei", version=now).text
        assert (  # the service's own words, as the API says them
            f"the summary is at version {now + 1}, not {now}: someone saved it since you "
            "loaded it; reload and edit again"
        ) in refused


LONG = "x" * (Limit.HEADLINE + 1)  # a headline one character too long


def _refusals(browser: Browser_, post_id: int, revoked: int) -> dict[str, httpx.Response]:
    """The same six refusals, each from a console page."""
    browser.get("/edit/sturm")
    return {
        "slug": browser.post("/edit/blogs", title="Sturm", slug="sturm"),
        "stale": browser.post(
            f"/edit/sturm/posts/{post_id}", headline="Neu", body="Text", version=0, action="save"
        ),
        "headline": browser.post("/edit/sturm/posts", headline=LONG, body="Text"),
        "token": browser.post(f"/edit/_tokens/{revoked}/revoke"),
        "zone": browser.post("/edit/sturm/settings", title="Sturm", timezone="Mars/Base"),
        "blog": browser.get("/edit/nirgends"),
    }


def test_the_services_refusals_in_the_consoles_language(
    tmp_path: Path,
    cheap_hashing: None,  # noqa: F811
) -> None:
    """What the service refuses is said on the console's pages in the browser's language;
    in English, word for word as before; the API says it in English whatever it is asked."""
    for room in open_newsroom(console_settings(tmp_path)):
        api = room.add("root", Role.ADMIN, "Rita Root")
        room.blog("sturm")
        post = room.post("sturm", "root")
        accounts = room.app.state.service.accounts
        accounts.create_token("root", "Wahlabend")  # revoked: the API's token stays good
        revoked = max(token.id for token in accounts.tokens("root"))
        accounts.revoke_token(revoked)

        german = room.browser("root")
        german.http.headers["Accept-Language"] = "de-DE,de;q=0.9"
        said = _refusals(german, post["id"], revoked)
        english = _refusals(room.browser("root"), post["id"], revoked)
        expected = {  # (status, German, English exactly as the service has always said it)
            "slug": (409, "die Adresse 'sturm' ist schon vergeben", "the slug 'sturm' is taken"),
            "stale": (
                409,
                f"Beitrag {post['id']} ist inzwischen in Fassung 1, nicht 0: Jemand hat ihn "
                "gespeichert, seit Sie ihn geladen haben; laden Sie neu und bearbeiten Sie ihn "
                "erneut",
                f"post {post['id']} is at version 1, not 0: someone saved it since you loaded "
                "it; reload and edit again",
            ),
            "headline": (
                422,
                f"headline: Der Text darf höchstens {int(Limit.HEADLINE)} Zeichen lang sein",
                f"headline: String should have at most {int(Limit.HEADLINE)} characters",
            ),
            "token": (
                409,
                f"Token {revoked} ist bereits widerrufen",
                f"token {revoked} is already revoked",
            ),
            "zone": (
                422,
                "timezone: unbekannte Zeitzone 'Mars/Base'; verwenden Sie einen IANA-Namen wie "
                "'Europe/Berlin'",
                "timezone: Value error, unknown time zone 'Mars/Base'; use an IANA name such as "
                "'America/New_York'",
            ),
            "blog": (
                404,
                "kein Live-Blog hat die Adresse 'nirgends'",
                "no live blog with the slug 'nirgends'",
            ),
        }
        for case, (status, deutsch, words) in expected.items():
            assert said[case].status_code == english[case].status_code == status, case
            assert str(escape(deutsch)) in said[case].text, (case, said[case].text)
            assert str(escape(words)) in english[case].text, (case, english[case].text)
            assert str(escape(words)) not in said[case].text, case
        # The console's script hears its refusals (JSON, off /api) in the page's language too.
        form = {"csrf": german.csrf, "headline": LONG, "body": "Text"}
        sent = german.http.post(
            "/edit/sturm/posts", headers={"Accept": "application/json"}, data=form
        )
        assert sent.status_code == 422
        assert sent.json()["error"]["message"] == expected["headline"][1]
        # The API stays English, asked in German or not.
        german_api = {**api, "Accept-Language": "de"}
        taken = room.client.post("/api/blogs", json={"slug": "sturm", "title": "Sturm"},
                                 headers=german_api)  # fmt: skip
        assert taken.status_code == 409
        assert taken.json()["error"]["message"] == "the slug 'sturm' is taken"
        zone = room.client.patch("/api/blogs/sturm", json={"timezone": "Mars/Base"},
                                 headers=german_api)  # fmt: skip
        assert zone.status_code == 422
        assert zone.json()["error"]["message"] == expected["zone"][2]
        too_long = room.client.post("/api/blogs/sturm/posts", json={"headline": LONG, "body": "x"},
                                    headers=german_api)  # fmt: skip
        assert too_long.json()["error"] == {
            "status": 422, "message": expected["headline"][2], "field": "headline"
        }  # fmt: skip


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (PostIn, {"body": "Text"}),  # missing
        (PostIn, {"headline": "", "body": "Text"}),  # too short
        (PostIn, {"headline": "h", "body": "b", "authors": ["a"] * (Limit.NAMES + 1)}),
        (PostIn, {"headline": "h", "body": "b", "status": "maybe"}),  # a literal
        (PostIn, {"headline": "h", "body": "b", "published_at": "2300-01-01T00:00:00Z"}),
        (PostIn, {"headline": "h", "body": "b", "key_event": "perhaps"}),
        (BlogIn, {"title": "x", "slug": "Not A Slug"}),  # a pattern
        (BlogIn, {"title": "x", "language": "klingon"}),  # a validator's own reason
        (BlogIn, {"title": "x", "wat": 1}),  # extra
        (CropIn, {"width": 0, "height": 1}),  # a bound
    ],
)
def test_pydantics_words_stay_as_pydantic_says_them_and_are_german_in_german(
    model: type[BaseModel], fields: dict[str, object]
) -> None:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(fields)
    error = refused.value.errors()[0]
    said = why(error)
    assert said.text() == error["msg"]  # the API's words, unchanged
    german = said.text(language("de").translations.gettext)
    assert german != error["msg"] and "should" not in german, german
