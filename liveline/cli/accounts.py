"""`liveline user …` and `liveline token …`: the people who write, and their API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from liveline.cli.common import fail, load_settings, serviced
from liveline.errors import LivelineError
from liveline.model import Role

users = typer.Typer(help="People who write and edit.", no_args_is_help=True)
tokens = typer.Typer(help="API tokens.", no_args_is_help=True)


@users.command("add")
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
    try:
        with serviced(load_settings()) as service:
            user = service.accounts.add_user(name, role, display_name)
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"added {user.name} ({user.role})")


@users.command("passwd")
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
    try:
        validate_one(NewPassword, password, "password")
        with serviced(load_settings()) as service:
            service.accounts.set_password(name, password)
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"password set for {name}; their other sessions have ended")


@users.command("list")
def user_list() -> None:
    """Everyone with an account: name, role, whether active, and the name bylines show."""
    with serviced(load_settings()) as service:
        people = service.accounts.users()
    for user in people:
        state = "disabled" if user.disabled else "active"
        typer.echo(f"{user.name}\t{user.role}\t{state}\t{user.byline}")


@users.command("role")
def user_role(name: str, role: Role) -> None:
    """Give a person another role; it applies to their tokens at once."""
    try:
        with serviced(load_settings()) as service:
            user = service.accounts.set_role(name, role)
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"{user.name} is now {user.role}")


@users.command("disable")
def user_disable(name: str) -> None:
    """Stop a person's tokens at once. Their posts stay, and the log keeps who did what."""
    try:
        with serviced(load_settings()) as service:
            user = service.accounts.disable(name)
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"disabled {user.name}")


@tokens.command("create")
def token_create(
    name: str, label: Annotated[str | None, typer.Option(help="What the token is for.")] = None
) -> None:
    """Make an API token for a person. It is shown once, on the last line, and stored hashed."""
    try:
        with serviced(load_settings()) as service:
            token = service.accounts.create_token(name, label)
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"token for {name} (shown once; keep it secret):", err=True)
    typer.echo(token)


@tokens.command("list")
def token_list(
    name: Annotated[str | None, typer.Argument(help="Only this person's tokens.")] = None,
) -> None:
    """Tokens by id, with whose they are, when made, whether revoked, and their label (never
    the token itself: only its hash is stored)."""
    try:
        with serviced(load_settings()) as service:
            found = service.accounts.tokens(name)
    except LivelineError as exc:
        raise fail(exc.message) from None
    for token in found:
        state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "live"
        created = f"{token.created_at:%Y-%m-%d %H:%M}"
        typer.echo(f"{token.id}\t{token.user_name}\t{created}\t{state}\t{token.label or ''}")


@tokens.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(metavar="ID", min=1)]) -> None:
    """Revoke a token by its id (see `liveline token list`); it stops working at once."""
    try:
        with serviced(load_settings()) as service:
            service.accounts.revoke_token(token_id)
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"revoked token {token_id}")
