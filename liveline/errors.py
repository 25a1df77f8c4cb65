"""What the service layer refuses, and why. The web layer maps each to an HTTP status.

A refusal's words are a `Say`: an English template (a msgid of the `liveline` catalogue,
marked `N_` so `make messages` extracts it) and the values it is filled with. `.message`
is the English, filled, as the API and the CLI say it; the console says the same words in
its own language (web/console/pages.py, `say_error`), translated where they are shown.
"""

from __future__ import annotations

from collections.abc import Callable


def N_(message: str) -> str:  # gettext's name for "translated where shown"
    return message


def _english(template: str) -> str:
    return template


class Say:
    """Words for a person: an English template with %(name)s placeholders, and its values.
    A value that is itself a Say is translated with it; any other value is shown as it is."""

    __slots__ = ("template", "values")

    def __init__(self, template: str, /, **values: object) -> None:
        self.template = template
        self.values = values

    def text(self, gettext: Callable[[str], str] = _english) -> str:
        """The words in the language `gettext` looks them up in (English by default)."""
        words = gettext(self.template)
        if not self.values:
            return words
        filled = {
            name: value.text(gettext) if isinstance(value, Say) else value
            for name, value in self.values.items()
        }
        return words % filled

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"Say({self.template!r}, **{self.values!r})"


class LivelineError(Exception):
    """`message`: a template marked N_ and its values (or a ready Say); `.message` is the
    English, `.said` the words to translate."""

    status = 400

    def __init__(self, message: str | Say, *, field: str | None = None, **values: object) -> None:
        self.said = _said(message, values)
        self.message = self.said.text()
        super().__init__(self.message)
        self.field = field


def _said(message: str | Say, values: dict[str, object]) -> Say:
    return message if isinstance(message, Say) else Say(message, **values)


class NotFound(LivelineError):
    status = 404


class Forbidden(LivelineError):
    status = 403


class Unauthorized(LivelineError):
    status = 401


class Conflict(LivelineError):
    """A stale version, or a slug that is taken."""

    status = 409

    def __init__(
        self, message: str | Say, *, current_version: int | None = None, **values: object
    ) -> None:
        super().__init__(_said(message, values))
        self.current_version = current_version


class PreconditionRequired(LivelineError):
    status = 428


class Invalid(LivelineError):
    status = 422


class TooMany(LivelineError):
    """More of something than one client may have (streams from one address, sign-in
    attempts for one name or address): wait `retry_after` seconds."""

    status = 429

    def __init__(self, message: str | Say, *, retry_after: int, **values: object) -> None:
        super().__init__(_said(message, values))
        self.retry_after = retry_after


class Unavailable(LivelineError):
    status = 503
