"""What every command shares: settings read once, errors said in one line, and the service
opened on the configured database, brought up to date, and closed again on the way out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from pydantic import ValidationError

from liveline.config import Settings
from liveline.formats.textparse import ParsedBlog, ParseError, parse_bytes
from liveline.service import Service, open_service


def fail(message: str, code: int = 1) -> typer.Exit:
    """Say what went wrong on stderr; exit 2 for bad input, 1 for a refusal."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"LIVELINE_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise fail(f"bad configuration: {problems}", 2) from None


@contextmanager
def serviced(settings: Settings) -> Iterator[Service]:
    """The service on the configured database, brought up to date; closed on the way out,
    so that a command run in-process (tests, a newsroom's own tooling) leaves no connection
    open, and SQLite's write-ahead log folded into the file, as the end of a process does.
    A database that cannot be opened or migrated stops the command with its reason."""
    service = open_service(settings)
    try:
        migrate(service)
        yield service
    finally:
        service.close()


def migrate(service: Service) -> None:
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

    try:
        service.migrate()
    except (ArgumentError, OperationalError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise fail(f"cannot open the database in LIVELINE_DATABASE_URL: {reason}", 2) from None
    except CommandError as exc:  # the database knows a migration this code does not
        raise fail(
            f"the database is from a newer Liveline than this one ({exc}); upgrade Liveline", 2
        ) from None
    except (SQLAlchemyError, RuntimeError) as exc:  # a migration failed; it changed nothing
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise fail(
            f"cannot bring the database up to date (nothing was changed): {reason}", 2
        ) from None


def read_bytes(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise fail(f"{file}: cannot read: {exc.strerror}", 2) from None


def read_live_blog(file: Path, timezone: str, as_of: str | None = None) -> ParsedBlog:
    try:
        parsed = parse_bytes(read_bytes(file), default_timezone=timezone, as_of=as_of)
    except ParseError as exc:
        raise fail(f"{file}:{exc.line}: {exc.message}", 2) from None
    except ValueError as exc:  # only --as-of can be bad here: the text raises ParseError
        raise fail(f"--as-of: {exc}", 2) from None
    warn(file, parsed)
    return parsed


def warn(file: Path, parsed: ParsedBlog) -> None:
    for warning in parsed.warnings:  # "line N: …"
        typer.echo(f"warning: {file}:{warning.removeprefix('line ')}", err=True)
