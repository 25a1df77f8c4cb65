"""Photo captions and credits, in the forms pages show them when copied as text."""

from __future__ import annotations

import re

# "Photograph: Ann Lee/Reuters", "Credit: NASA": a credit that says it is one.
CREDIT_PREFIX = re.compile(r"(?i:photo(?:graph)?|picture|image|credit|photo\s+credit)s?\s*:\s+")
AGENCIES = {
    "AP", "AFP", "Reuters", "EPA", "NASA", "PA", "Shutterstock", "Bloomberg", "Images",
    "Pool", "Xinhua", "Anadolu", "Alamy", "Sipa",
}  # fmt: skip
# The Guardian's "Firefighters at the docks. Photograph: Ivo Lind/Harbour Images".
CAPTIONED = re.compile(
    r"(?P<caption>.+?[.!?\u201d\"])\s+(?P<credit>(?i:photograph|photo|picture|image|credit)s?:\s+.+)"
)
CREDIT_WORD = re.compile(r"[A-Z0-9][\w.&'\u2019-]*|de|da|van|von|der|for|of|the|via")


def bracketed_credit(text: str) -> str | None:
    """The credit in "(Andrew Harnik/Pool/AFP/Getty Images)"; a bracketed sentence is none."""
    if not (m := re.fullmatch(r"\(([^()]+)\)", text)):
        return None
    credit = m[1].strip()
    words = re.split(r"[\s/]+", credit)
    capitalised = sum(1 for w in words if w[:1].isupper() or w[:1].isdigit())
    if not credit or credit[-1] in ".!?:;" or len(words) > 15 or capitalised * 2 < len(words):
        return None
    return credit


def bare_credit(text: str) -> str | None:
    """A credit without brackets: "Chris Cassidy/NASA", "Photograph: Getty Images"."""
    if bracketed := bracketed_credit(text):
        return bracketed
    prefixed = CREDIT_PREFIX.match(text)
    credit = text[prefixed.end() :].strip() if prefixed else text.strip()
    words = [w for w in re.split(r"[\s/]+", credit) if w]
    if not words or len(words) > 8 or credit[-1:] in ".!?:;,\"'”’":
        return None
    if not all(CREDIT_WORD.fullmatch(w) for w in words) or not words[0][:1].isupper():
        return None
    # Without a "Photograph:" label, only an agency or a "Name/Agency" shape is a credit.
    if prefixed or "/" in credit or words[-1] in AGENCIES:
        return credit
    return None


def appended_credit(caption: str, following: str) -> str | None:
    """The credit in the line after a caption that repeats it with the credit appended."""
    if not following.startswith(caption) or len(following) == len(caption):
        return None
    rest = following[len(caption) :].strip()
    return bracketed_credit(rest) or bare_credit(rest)


def captioned_credit(text: str) -> tuple[str, str] | None:
    """A caption and its labelled credit on one line."""
    if (m := CAPTIONED.fullmatch(text)) and (credit := bare_credit(m["credit"])):
        return m["caption"], credit
    return None
