"""The `liveline` command: serve, parse and import live blogs, manage accounts."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import zoneinfo
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from liveline.config import Settings
from liveline.errors import Invalid, LivelineError
from liveline.formats.textparse import ParsedBlog, ParseError, parse_bytes
from liveline.model import Role

cli = typer.Typer(
    help="Liveline: live blogs for newsrooms.", no_args_is_help=True, add_completion=False
)
user_cli = typer.Typer(help="People who write and edit.", no_args_is_help=True)
token_cli = typer.Typer(help="API tokens.", no_args_is_help=True)
cli.add_typer(user_cli, name="user")
cli.add_typer(token_cli, name="token")


def fail(message: str, code: int = 1) -> typer.Exit:
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


def make_service(settings: Settings):
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

    from liveline.broker import make_broker
    from liveline.service import Service
    from liveline.store.db import make_engine, migrate
    from liveline.store.queries import Store

    try:
        engine = make_engine(settings.database_url)
        migrate(engine)
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
    return Service(Store(engine), make_broker(settings.broker_url))


def read_file(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise fail(f"{file}: cannot read: {exc.strerror}", 2) from None


def read_live_blog(file: Path, timezone: str, as_of: str | None = None) -> ParsedBlog:
    data = read_file(file)
    try:
        parsed = parse_bytes(data, default_timezone=timezone, as_of=as_of)
    except ParseError as exc:
        raise fail(f"{file}:{exc.line}: {exc.message}", 2) from None
    except ValueError as exc:  # only --as-of can be bad here: the text raises ParseError
        raise fail(f"--as-of: {exc}", 2) from None
    warn(file, parsed)
    return parsed


def warn(file: Path, parsed: ParsedBlog) -> None:
    for warning in parsed.warnings:  # "line N: …"
        typer.echo(f"warning: {file}:{warning.removeprefix('line ')}", err=True)


AS_OF_HELP = "When the page was copied (blog's zone unless stated), for times like '36 min ago'."


@cli.command()
def parse(
    file: Annotated[Path, typer.Argument(help="A live blog copied as plain text.")],
    timezone: Annotated[
        str | None,
        typer.Option(help="Zone for times with no zone; default: LIVELINE_DEFAULT_TIMEZONE."),
    ] = None,
    as_of: Annotated[str | None, typer.Option(help=AS_OF_HELP)] = None,
    explain: Annotated[
        bool, typer.Option(help="Show each line of the file and what it became.")
    ] = False,
) -> None:
    """Print the parsed live blog as JSON; stores nothing."""
    zone = timezone or load_settings().default_timezone
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise fail(f"--timezone: unknown IANA time zone {zone!r}", 2) from None
    parsed = read_live_blog(file, zone, as_of)
    if not explain:
        typer.echo(json.dumps(parsed.to_json(), ensure_ascii=False, indent=1))
        return
    from liveline.formats.textparse import explain_text

    text = read_file(file).decode("utf-8-sig")
    for number, role, line in explain_text(text, zone, as_of=as_of):
        typer.echo(f"{number:>5} {role:<24} | {line.strip()}".rstrip())


@cli.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A live blog copied as plain text.")],
    slug: Annotated[str | None, typer.Option(help="URL name; default: from the title.")] = None,
    replace: Annotated[bool, typer.Option(help="Replace the posts of an existing blog.")] = False,
    as_of: Annotated[str | None, typer.Option(help=AS_OF_HELP)] = None,
) -> None:
    """Parse a live blog and store it."""
    settings = load_settings()
    parsed = read_live_blog(file, settings.default_timezone, as_of)
    store_parsed(settings, file, parsed, slug, replace)


@cli.command("import-wordpress")
def import_wordpress(
    file: Annotated[Path, typer.Argument(help="JSON of WordPress Liveblog's entries.")],
    slug: Annotated[str | None, typer.Option(help="URL name; default: from the title.")] = None,
    replace: Annotated[bool, typer.Option(help="Replace the posts of an existing blog.")] = False,
    title: Annotated[
        str | None, typer.Option(help="The blog's title; default: from the entries' links.")
    ] = None,
) -> None:
    """Store a live blog from WordPress Liveblog's entries (its REST API's JSON)."""
    from liveline.formats.wordpress import parse_wordpress

    settings = load_settings()
    data = read_file(file)
    try:
        parsed = parse_wordpress(data, timezone=settings.default_timezone, title=title)
    except ParseError as exc:
        raise fail(f"{file}:{exc.line}: {exc.message}", 2) from None
    warn(file, parsed)
    store_parsed(settings, file, parsed, slug, replace)


def store_parsed(
    settings: Settings, file: Path, parsed: ParsedBlog, slug: str | None, replace: bool
) -> None:
    from liveline.service import slugify

    service = make_service(settings)
    try:
        blog = asyncio.run(
            service.import_blog(parsed, slug or slugify(parsed.title), replace=replace)
        )
    except Invalid as exc:  # the text itself is at fault: say where, as parse does
        raise fail(f"{file}: {exc.message}", 2) from None
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"imported {len(parsed.posts)} posts into /blogs/{blog.slug}")


@cli.command()
def export(
    slug: str,
    output: Annotated[Path | None, typer.Option(help="Write here; default: stdout.")] = None,
) -> None:
    """Print a live blog as a lossless JSON archive: every post, drafts and deleted ones too."""
    from liveline.archiving import export_blog

    service = make_service(load_settings())
    try:
        archive = export_blog(service, slug)
    except LivelineError as exc:
        raise fail(exc.message) from None
    # Bytes, not text: the archive is UTF-8 whatever the terminal's locale says.
    data = (json.dumps(archive, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    if output is None:
        typer.echo(data, nl=False)
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise fail(f"{output}: cannot write: {exc.strerror}", 2) from None


@cli.command("import-json")
def import_json(
    file: Annotated[Path, typer.Argument(help="An archive made by `liveline export`.")],
    slug: Annotated[str | None, typer.Option(help="URL name; default: the archived one.")] = None,
    replace: Annotated[bool, typer.Option(help="Replace the posts of an existing blog.")] = False,
) -> None:
    """Store a live blog from a JSON archive, all of it or (on any problem) nothing."""
    from liveline.archiving import import_archive
    from liveline.formats.archive import ArchiveError, loads

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise fail(f"{file}: cannot read: {exc.strerror}", 2) from None
    try:
        archived = loads(data)
    except ArchiveError as exc:
        raise fail(f"{file}: {exc}", 2) from None
    service = make_service(load_settings())
    try:
        blog = asyncio.run(import_archive(service, archived, slug, replace=replace))
    except Invalid as exc:
        raise fail(f"{file}: {exc.message}", 2) from None
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"imported {len(archived.posts)} posts into /blogs/{blog.slug}")


@user_cli.command("add")
def user_add(
    name: str,
    role: Annotated[Role, typer.Option(help="admin, editor or reporter.")] = Role.REPORTER,
) -> None:
    """Add a person who can write (reporter) or also edit and open blogs (editor, admin)."""
    service = make_service(load_settings())
    try:
        user = service.add_user(name, role)
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"added {user.name} ({user.role})")


@token_cli.command("create")
def token_create(
    name: str, label: Annotated[str | None, typer.Option(help="What the token is for.")] = None
) -> None:
    """Make an API token for a person. It is shown once, on the last line, and stored hashed."""
    service = make_service(load_settings())
    try:
        token = service.create_token(name, label)
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"token for {name} (shown once; keep it secret):", err=True)
    typer.echo(token)


@cli.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    demo: Annotated[bool, typer.Option(help="A simulated desk posts into the demo blog.")] = False,
    demo_interval: Annotated[float, typer.Option(help="Seconds between demo posts.")] = 8.0,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Processes sharing the port (needs a Redis broker).")
    ] = 1,
) -> None:
    """Run the server. An empty database gets the demo live blog."""
    from liveline.server import run

    settings = load_settings()
    make_service(settings)  # a database that cannot be opened fails here, with its reason
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        run(
            settings,
            host=host,
            port=port,
            demo_interval=demo_interval if demo else None,
            workers=workers,
        )
    except (ValueError, OSError) as exc:
        raise fail(str(exc), 2) from None


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
