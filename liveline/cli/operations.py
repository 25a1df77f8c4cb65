"""Running Liveline: `serve`, and the `backup` and `restore` of its database."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from liveline.cli.common import fail, load_settings, serviced
from liveline.config import Settings
from liveline.errors import LivelineError

commands = typer.Typer()


@commands.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    demo: Annotated[
        bool,
        typer.Option(
            help="The demo: an empty database gets the demo blog, and a simulated "
            "desk posts into it."
        ),
    ] = False,
    demo_interval: Annotated[float, typer.Option(help="Seconds between demo posts.")] = 8.0,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Processes sharing the port (needs a Redis broker).")
    ] = 1,
) -> None:
    """Run the server (with --demo: the demo live blog and a simulated desk)."""
    from liveline.server import run

    settings = console_key(load_settings(), demo=demo)
    with serviced(settings):  # a database that cannot be opened fails here, with its reason
        pass
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


NO_SECRET_KEY = (
    "LIVELINE_SECRET_KEY is not set, and the newsroom console (/login, /edit) signs sessions "
    "with it: set it to a long random string, made with "
    "python3 -c 'import secrets; print(secrets.token_urlsafe(32))' (the same on every worker "
    "and node), or set LIVELINE_CONSOLE=false to serve readers without the console"
)


def console_key(settings: Settings, *, demo: bool) -> Settings:
    """The key that signs console sessions. The demo makes one for this run (every worker
    forked from it shares it); elsewhere the server does not start the console without one
    (exit 2), unless the console is turned off (LIVELINE_CONSOLE=false, a read-only replica)."""
    if settings.secret_key or not settings.console:
        return settings
    if demo:
        import secrets

        return settings.model_copy(update={"secret_key": secrets.token_urlsafe(32)})
    raise fail(NO_SECRET_KEY, 2)


@commands.command()
def backup(
    path: Annotated[Path, typer.Argument(help="The new backup file (must not exist).")],
) -> None:
    """Copy the whole database to PATH, safely while the server runs (SQLite's online backup;
    pg_dump's custom format for PostgreSQL)."""
    from liveline.service.backups import backup as take_backup

    settings = load_settings()
    try:
        done = take_backup(settings.database_url, path)
    except LivelineError as exc:
        raise fail(exc.message, 2) from None
    typer.echo(done)


@commands.command()
def restore(
    path: Annotated[Path, typer.Argument(help="A file made by `liveline backup`.")],
    force: Annotated[
        bool, typer.Option(help="Replace a database that already holds anything.")
    ] = False,
) -> None:
    """Replace the database's contents with a backup (stop the servers first). Checks the file
    is a Liveline database of a known schema, then brings it up to date."""
    from liveline.service.backups import restore as put_back

    settings = load_settings()
    try:
        done = put_back(settings.database_url, path, force=force)
    except LivelineError as exc:
        raise fail(exc.message, 2) from None
    typer.echo(done)
