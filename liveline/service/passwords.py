"""Passwords, hashed with Argon2id: slow to guess on purpose, and as slow for a name that
does not exist as for one that does."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults (RFC 9106's second recommendation). Tests swap in a cheaper one.
HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """True if the password matches. With no hash (an unknown name, a user with no password
    yet) a dummy hash is checked instead, so the answer takes the same time either way."""
    try:
        HASHER.verify(password_hash or _dummy_hash(HASHER), password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Made once per hasher, with its parameters, so checking it costs what a real one does.
    return hasher.hash("no one's password")
