"""What the service layer refuses, and why. The web layer maps each to an HTTP status.

A refusal's words are a `Say`: an English template (a msgid of the `liveline` catalogue,
marked `N_` so `make messages` extracts it) and the values it is filled with. `.message`
is the English, filled, as the API and the CLI say it; the console says the same words in
its own language (web/console/pages.py, `say_error`), translated where they are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


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


class Refusal(ValueError):
    """A validator's reason as words to translate (errors.Say); str() is the English, so
    pydantic says it as it did."""

    def __init__(self, template: str, **values: object) -> None:
        self.said = Say(template, **values)
        super().__init__(self.said.text())


AT = N_("%(where)s: %(reason)s")  # a refusal naming the field at fault
# Pydantic's words for the errors these inputs meet, by its error `type` (and `type:1` where
# the count is one), filled from its `ctx`; they are said exactly as pydantic says them.
PYDANTIC = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "string_type": N_("Input should be a valid string"),
    "string_too_short": N_("String should have at least %(min_length)s characters"),
    "string_too_short:1": N_("String should have at least 1 character"),
    "string_too_long": N_("String should have at most %(max_length)s characters"),
    "string_too_long:1": N_("String should have at most 1 character"),
    "string_pattern_mismatch": N_("String should match pattern '%(pattern)s'"),
    "too_long": N_(
        "%(field_type)s should have at most %(max_length)s items after validation, not "
        "%(actual_length)s"
    ),
    "too_long:1": N_(
        "%(field_type)s should have at most 1 item after validation, not %(actual_length)s"
    ),
    "literal_error": N_("Input should be %(expected)s"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "greater_than_equal": N_("Input should be greater than or equal to %(ge)s"),
    "less_than_equal": N_("Input should be less than or equal to %(le)s"),
    "list_type": N_("Input should be a valid list"),
    "timezone_aware": N_("Input should have timezone info"),
}


def why(error: Mapping[str, Any]) -> Say:
    """A pydantic error (one of `ValidationError.errors()`) as words to translate: its English
    is pydantic's `msg`, always. A validator's own reason (a Refusal) is translated; a type
    not in PYDANTIC is said in English wherever it is shown."""
    ctx = error.get("ctx") or {}
    cause, kind = ctx.get("error"), str(error.get("type"))
    if kind == "value_error" and isinstance(cause, Refusal):
        said = Say(N_("Value error, %(reason)s"), reason=cause.said)
    else:
        count = ctx.get("min_length", ctx.get("max_length"))
        template = PYDANTIC.get(f"{kind}:{count}") or PYDANTIC.get(kind)
        if ctx.get("field_type") == "List":  # the one kind of collection our inputs have
            ctx = {**ctx, "field_type": Say(N_("List"))}
        if template and isinstance(ctx.get("expected"), str) and " or " in ctx["expected"]:
            some, last = ctx["expected"].rsplit(" or ", 1)  # 'open' or 'closed': our literals
            ctx = {**ctx, "expected": Say(N_("%(some)s or %(last)s"), some=some, last=last)}
        said = Say(template, **ctx) if template else Say("%(msg)s", msg=error.get("msg"))
    return said if said.text() == error.get("msg") else Say("%(msg)s", msg=error.get("msg"))


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
