"""A page's language: the words of the `liveline` gettext domain in it, and its BCP 47 tag.

The messages are English (the msgids); each other language is a catalogue in
`liveline/translations/<lang>/LC_MESSAGES/liveline.po`, compiled here from the .po when it is
first asked for, so the .po is the one file a translator edits and there is no compiled
file to forget (`make messages` extracts and merges; see docs/translating.md). A tag with no
catalogue of its own takes its language's ("de-AT" -> de), and failing that English.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

DOMAIN = "liveline"
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
DEFAULT = "en-US"
# Languages whose times are written AP style ("2:20 p.m. ET, February 7, 2022").
AP_STYLE = ("en-US", "en")


@dataclass(frozen=True, eq=False)
class Language:
    tag: str  # as the blog names it: the page's lang attribute
    locale: Locale  # what Babel formats times with
    translations: NullTranslations

    @property
    def ap_style(self) -> bool:
        return self.tag in AP_STYLE

    def gettext(self, message: str, **values: Any) -> str:
        """The message in this language, its %(name)s placeholders filled from `values`."""
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        """The form for `n` (Babel knows each language's plural rule), `num` given as n."""
        text = self.translations.ngettext(singular, plural, n)
        return text % {"num": n, **values}


@lru_cache(maxsize=64)
def language(tag: str) -> Language:
    """A tag such as "de-DE" as a Language; an unknown one (a row written by hand, an
    instance's setting from before) is English rather than a failed page."""
    try:
        locale = Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return language(DEFAULT) if tag != DEFAULT else _english()
    return Language(tag, locale, catalogue(str(locale)))


def _english() -> Language:
    return Language(DEFAULT, Locale("en", "US"), NullTranslations())


def catalogue(locale_name: str) -> NullTranslations:
    """The translations for a Babel locale name ("de_DE"): its own .po, its language's, or none
    (the English of the msgids)."""
    for name in (locale_name, locale_name.split("_")[0]):
        path = TRANSLATIONS / name / "LC_MESSAGES" / f"{DOMAIN}.po"
        if path.is_file():
            return compiled(path)
    return NullTranslations()


@cache  # one a catalogue file: however many tags a browser sends, no recompile
def compiled(path: Path) -> Translations:
    """A .po file as gettext translations (compiled in memory; fuzzy entries are left out,
    as msgfmt leaves them, so a guess never reaches a reader)."""
    with path.open("rb") as po:
        messages = read_po(po, domain=DOMAIN)
    mo = io.BytesIO()
    write_mo(mo, messages, use_fuzzy=False)
    mo.seek(0)
    return Translations(mo, domain=DOMAIN)


def translated() -> tuple[str, ...]:
    """The languages with a catalogue ("de", ...), English (the source) first."""
    found = sorted(p.parent.parent.name for p in TRANSLATIONS.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return ("en", *found)


def negotiate(accept_language: str, default: str = DEFAULT) -> str:
    """The tag to answer a browser's Accept-Language with: its first choice (by q) whose
    language we have words for, as the browser spelled it ("de-AT": German words, Austrian
    dates); `default` when none is. English without a region is American English."""
    have = set(translated())
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            choices.append((-quality, index, tag.strip()))
    for _, _, tag in sorted(choices):
        try:
            locale = Locale.parse(tag, sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
        if locale.language in have:
            if locale.language == "en" and not locale.territory:
                return DEFAULT
            parts = (locale.language, locale.script, locale.territory)
            return "-".join(part for part in parts if part)
    return default
