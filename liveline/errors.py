"""What the service layer refuses, and why. The web layer maps each to an HTTP status."""

from __future__ import annotations


class LivelineError(Exception):
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(LivelineError):
    status = 404


class Forbidden(LivelineError):
    status = 403


class Unauthorized(LivelineError):
    status = 401


class Conflict(LivelineError):
    """A stale version, or a slug that is taken."""

    status = 409

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class PreconditionRequired(LivelineError):
    status = 428


class Invalid(LivelineError):
    status = 422


class TooMany(LivelineError):
    """More of something than one client may have (streams from one address, sign-in
    attempts for one name or address): wait `retry_after` seconds."""

    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(LivelineError):
    status = 503
