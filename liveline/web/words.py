"""The words of a page in its language: gettext for the templates, and the page scripts' words.

One Environment serves every language, and renders run side by side in the thread pool, so
no language is ever set on the Environment: `jinja2.ext.i18n`'s callables are installed once
with functions that take the translations from the render's own context, its `language`
(a `formats.language.Language`: the blog's on reader pages, the browser's on the console).
A render given none is in English, the msgids' language.

The page scripts (static/live.js, console.js) hold no English of their own: a page gives
them its words as JSON (`{{ script_words() }}` in a <script type="application/json"
id="page-words">), made here from the same catalogue.
"""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from liveline.formats.aptime import join_names
from liveline.formats.language import DEFAULT, Language, language


def of(context: Context) -> Language:
    found = context.get("language")
    return found if isinstance(found, Language) else language(DEFAULT)


@pass_context
def _gettext(context: Context, message: str) -> str:
    return of(context).translations.gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return of(context).translations.ngettext(singular, plural, n)


@pass_context
def _pgettext(context: Context, where: str, message: str) -> str:
    return str(of(context).translations.pgettext(where, message))


@pass_context
def _npgettext(context: Context, where: str, singular: str, plural: str, n: int) -> str:
    return str(of(context).translations.npgettext(where, singular, plural, n))


@pass_context
def _names(context: Context, names: list[str] | tuple[str, ...]) -> str:
    return join_names(names, of(context))


@pass_context
def _script_words(context: Context, which: str = "live") -> Markup:
    """The page script's words as JSON, safe inside a <script> element."""
    words = live_words(of(context)) if which == "live" else console_words(of(context))
    text = json.dumps(words, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def N_(message: str) -> str:  # gettext's name for "translated where shown"
    return message


# The names of roles and post states, which the console shows (the values stay English).
IDENTIFIERS = {
    "admin": N_("admin"), "editor": N_("editor"), "reporter": N_("reporter"),
    "contributor": N_("contributor"), "draft": N_("draft"), "scheduled": N_("scheduled"),
    "published": N_("published"), "deleted": N_("deleted"), "submitted": N_("submitted"),
}  # fmt: skip


@pass_context
def _word(context: Context, value: object) -> str:
    """A role's or a post state's name in the page's language: `{{ me.role | word }}`."""
    key = str(value)
    return of(context).gettext(IDENTIFIERS[key]) if key in IDENTIFIERS else key


def install(env: Environment) -> None:
    """Gettext for `{% trans %}` and `_()` (new style: `%(name)s` filled and escaped by Jinja)."""
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext
    )
    env.filters["names"] = _names
    env.filters["word"] = _word
    env.globals["script_words"] = _script_words


def plural_forms(lang: Language, singular: str, plural: str) -> dict[str, str]:
    """A message's forms by Intl.PluralRules category, for the script to choose from with
    the count it has ("{n}" in each). CLDR's sample numbers pick each category's form."""
    forms: dict[str, str] = {}
    for category, sample in (("zero", 0), ("one", 1), ("two", 2), ("few", 3), ("many", 11)):
        if category in lang.locale.plural_form.tags:
            forms[category] = lang.translations.ngettext(singular, plural, sample)
    forms["other"] = lang.translations.ngettext(singular, plural, 100)
    return {key: value.replace("%(num)d", "{n}") for key, value in forms.items()}


def live_words(lang: Language) -> dict[str, Any]:
    """What live.js says, in the page's language."""
    _ = lang.gettext
    return {
        "linkCopied": _("Link copied"),
        "copyThisLink": _("Copy this link"),
        "justNow": _("Just now"),
        "newPost": _("New post: %(headline)s", headline="{headline}"),
        "newUpdates": plural_forms(lang, "%(num)d new update", "%(num)d new updates"),
        "above": _("%(updates)s above", updates="{updates}"),
        "live": _("Live"),
        "closed": _("Closed"),
        "backOnline": _("Back online. You are up to date."),
        "connectionLost": _("Connection lost. Trying to reconnect…"),
        "ended": _("This live coverage has ended."),
        "resumed": _("The live coverage has resumed."),
    }


def console_words(lang: Language) -> dict[str, Any]:
    """What console.js says, in the console's language (and console-photos.js, "photos")."""
    _ = lang.gettext
    return {
        "kept": _("Your unsaved text was kept from last time."),
        "waiting": plural_forms(
            lang,
            "Waiting for connection: %(num)d post will be sent when it returns.",
            "Waiting for connection: %(num)d posts will be sent when it returns.",
        ),
        "sending": _("Sending “%(headline)s”…", headline="{headline}"),
        "notSentRetrying": _("Not sent: the server could not take it yet; retrying."),
        "notSentSignIn": _(
            "Not sent: sign in again (in another tab), then come back: it is kept here."
        ),
        "notSent": _("Not sent: %(reason)s", reason="{reason}"),
        "refused": _("the post was refused"),
        "published": _("Published: “%(headline)s”.", headline="{headline}"),
        "draftSaved": _("Draft saved: “%(headline)s”.", headline="{headline}"),
        "scheduled": _("Scheduled: “%(headline)s”.", headline="{headline}"),
        "sentToEditors": _("Sent to editors: “%(headline)s”.", headline="{headline}"),
        "saved": _("Saved: “%(headline)s”.", headline="{headline}"),
        "names": _("%(names)s and %(last)s", names="{names}", last="{last}"),
        "copied": _("Copied"),
        "selected": _("Selected: press Ctrl+C"),
        "photos": photo_words(lang),
        "editing": {
            key: value.replace("%(names)s", "{names}")
            for key, value in plural_forms(
                lang,
                "%(names)s is editing this post too. You may both save: the second to save "
                "sees both versions.",
                "%(names)s are editing this post too. You may both save: the second to save "
                "sees both versions.",
            ).items()
        },
    }


def photo_words(lang: Language) -> dict[str, Any]:
    """What console-photos.js says: the photo tray, its progress and errors, the crop dialog."""
    _ = lang.gettext
    return {
        "serverAnswered": _("the server answered %(status)s", status="{status}"),
        "connectionLost": _("the connection was lost"),
        "caption": _("Caption"),
        "credit": _("Credit"),
        "description": _("Description"),
        "forReaders": _("for readers who cannot see it"),
        "kept": _("Your photos were kept from last time."),
        "moveUp": _("Move photo up"),
        "moveDown": _("Move photo down"),
        "crop": _("Crop or turn…"),
        "remove": _("Remove"),
        "removed": _("Photo removed from the post."),
        "movedUp": _("Photo moved up."),
        "movedDown": _("Photo moved down."),
        "notType": _("%(name)s is not a JPEG, PNG, WebP or GIF picture", name="{name}"),
        "uploadingFile": _("Uploading %(name)s", name="{name}"),
        "uploaded": _("%(name)s uploaded.", name="{name}"),
        "stillUploading": plural_forms(
            lang, "%(num)d still uploading.", "%(num)d still uploading."
        ),
        "notUploaded": _("Not uploaded: %(reason)s", reason="{reason}"),
        "notPicture": _("%(name)s is not a picture: not added.", name="{name}"),
        "uploading": plural_forms(lang, "Uploading %(num)d photo…", "Uploading %(num)d photos…"),
        "wait": plural_forms(
            lang,
            "Wait a moment: %(num)d photo(s) still uploading. The post goes when you press again.",
            "Wait a moment: %(num)d photo(s) still uploading. The post goes when you press again.",
        ),
        "cannotOpen": _(
            "The photo could not be opened for cropping: %(reason)s", reason="{reason}"
        ),
        "toCrop": _("The photo to crop"),
        "cropArea": _("Crop area: arrow keys move it, Shift+arrows resize it"),
        "left": _("Left (px)"),
        "top": _("Top (px)"),
        "width": _("Width (px)"),
        "height": _("Height (px)"),
        "free": _("Free"),
        "turnLeft": _("Turn left"),
        "turnRight": _("Turn right"),
        "apply": _("Apply"),
        "cancel": _("Cancel"),
        "title": _("Crop or turn the photo"),
        "shape": _("Shape"),
        "turn": _("Turn"),
        "asReaders": _("As readers will see it:"),
        "turned": _("Turned %(degrees)s° clockwise", degrees="{degrees}"),
        "notTurned": _("Not turned"),
        "cropRefused": _("the crop was refused"),
        "notCropped": _("Not cropped: the connection was lost. Try again."),
    }
