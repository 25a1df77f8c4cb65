"""The `liveline` command: serve, parse and import live blogs, manage accounts."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from liveline.config import Settings
from liveline.errors import Invalid, LivelineError
from liveline.formats.textparse import ParsedBlog, ParseError, parse_bytes
from liveline.model import Role

if TYPE_CHECKING:
    from liveline.service import Service

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


def make_service(settings: Settings) -> Service:
    """The service on the configured database, brought up to date; a database that cannot
    be opened or migrated stops the command with its reason (exit 2)."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

    from liveline.service import open_service

    try:
        service = open_service(settings)
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
    return service


def read_live_blog(file: Path, timezone: str) -> ParsedBlog:
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise fail(f"{file}: cannot read: {exc.strerror}", 2) from None
    try:
        return parse_bytes(data, default_timezone=timezone)
    except ParseError as exc:
        raise fail(f"{file}:{exc.line}: {exc.message}", 2) from None


@cli.command()
def parse(
    file: Annotated[Path, typer.Argument(help="A live blog copied as plain text.")],
    timezone: Annotated[
        str | None,
        typer.Option(help="Zone for times with no zone; default: LIVELINE_DEFAULT_TIMEZONE."),
    ] = None,
) -> None:
    """Print the parsed live blog as JSON; stores nothing."""
    parsed = read_live_blog(file, timezone or load_settings().default_timezone)
    typer.echo(json.dumps(parsed.to_json(), ensure_ascii=False, indent=1))


@cli.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A live blog copied as plain text.")],
    slug: Annotated[str | None, typer.Option(help="URL name; default: from the title.")] = None,
    replace: Annotated[bool, typer.Option(help="Replace the posts of an existing blog.")] = False,
) -> None:
    """Parse a live blog and store it."""
    from liveline.service import slugify

    settings = load_settings()
    parsed = read_live_blog(file, settings.default_timezone)
    service = make_service(settings)
    try:
        blog = asyncio.run(
            service.importing.import_blog(parsed, slug or slugify(parsed.title), replace=replace)
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
    service = make_service(load_settings())
    try:
        archive = service.archives.export(slug)
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
        blog = asyncio.run(service.archives.import_archive(archived, slug, replace=replace))
    except Invalid as exc:
        raise fail(f"{file}: {exc.message}", 2) from None
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"imported {len(archived.posts)} posts into /blogs/{blog.slug}")


@user_cli.command("add")
def user_add(
    name: str,
    role: Annotated[
        Role, typer.Option(help="admin, editor, reporter or contributor.")
    ] = Role.REPORTER,
    display_name: Annotated[
        str | None, typer.Option(help="The name bylines show; default: NAME.")
    ] = None,
) -> None:
    """Add a person who can write (reporter), or also edit and open blogs (editor, admin), or
    whose posts wait for an editor (contributor). Give them a password with `user passwd`."""
    service = make_service(load_settings())
    try:
        user = service.accounts.add_user(name, role, display_name)
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"added {user.name} ({user.role})")


@user_cli.command("passwd")
def user_passwd(name: str) -> None:
    """Set a person's console password: asked twice at a terminal, else read from standard
    input (one line). Their other sessions end."""
    import getpass

    from liveline.values import NewPassword, validate_one

    if sys.stdin.isatty():
        password = getpass.getpass(f"new password for {name}: ")
        if getpass.getpass("again: ") != password:
            raise fail("the two passwords differ; nothing was changed")
    else:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    service = make_service(load_settings())
    try:
        validate_one(NewPassword, password, "password")
        service.accounts.set_password(name, password)
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"password set for {name}; their other sessions have ended")


@user_cli.command("list")
def user_list() -> None:
    """Everyone with an account: name, role, display name, and whether disabled."""
    service = make_service(load_settings())
    for user in service.accounts.users():
        state = "disabled" if user.disabled else "active"
        typer.echo(f"{user.name}\t{user.role}\t{state}\t{user.byline}")


@user_cli.command("role")
def user_role(name: str, role: Role) -> None:
    """Give a person another role; it applies to their tokens at once."""
    service = make_service(load_settings())
    try:
        user = service.accounts.set_role(name, role)
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"{user.name} is now {user.role}")


@user_cli.command("disable")
def user_disable(name: str) -> None:
    """Stop a person's tokens at once. Their posts stay, and the log keeps who did what."""
    service = make_service(load_settings())
    try:
        user = service.accounts.disable(name)
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"disabled {user.name}")


@token_cli.command("create")
def token_create(
    name: str, label: Annotated[str | None, typer.Option(help="What the token is for.")] = None
) -> None:
    """Make an API token for a person. It is shown once, on the last line, and stored hashed."""
    service = make_service(load_settings())
    try:
        token = service.accounts.create_token(name, label)
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"token for {name} (shown once; keep it secret):", err=True)
    typer.echo(token)


@token_cli.command("list")
def token_list(
    name: Annotated[str | None, typer.Argument(help="Only this person's tokens.")] = None,
) -> None:
    """Tokens by id, with whose they are, their label and whether revoked (never the token)."""
    service = make_service(load_settings())
    try:
        tokens = service.accounts.tokens(name)
    except LivelineError as exc:
        raise fail(exc.message) from None
    for token in tokens:
        state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "live"
        created = f"{token.created_at:%Y-%m-%d %H:%M}"
        typer.echo(f"{token.id}\t{token.user_name}\t{created}\t{state}\t{token.label or ''}")


@token_cli.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(metavar="ID", min=1)]) -> None:
    """Revoke a token by its id (see `liveline token list`); it stops working at once."""
    service = make_service(load_settings())
    try:
        service.accounts.revoke_token(token_id)
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"revoked token {token_id}")


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

    settings = console_key(load_settings(), demo=demo)
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


def console_key(settings: Settings, *, demo: bool) -> Settings:
    """The key that signs console sessions. The demo makes one for this run (every worker
    forked from it shares it); elsewhere, with none set, the console stays off (503) and
    the readers' pages, feeds and the token API run as before."""
    if settings.secret_key:
        return settings
    if demo:
        import secrets

        return settings.model_copy(update={"secret_key": secrets.token_urlsafe(32)})
    typer.echo(
        "warning: LIVELINE_SECRET_KEY is not set, so the newsroom console (/login, /edit) "
        "is off; set it to a long random string to sign editors in",
        err=True,
    )
    return settings


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
