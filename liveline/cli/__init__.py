"""The `liveline` command: serve, parse and import live blogs, manage accounts.

One module a group of commands: `blogs` (parse, import, export, import-json), `accounts`
(user, token), `operations` (serve, backup, restore); `common` is what they share.
"""

from __future__ import annotations

import sys

import typer

from liveline.cli import accounts, blogs, operations
from liveline.cli.common import serviced

__all__ = ["cli", "main", "serviced"]

cli = typer.Typer(
    help="Liveline: live blogs for newsrooms.", no_args_is_help=True, add_completion=False
)
for group in (blogs.commands, operations.commands):
    for command in group.registered_commands:
        cli.registered_commands.append(command)
cli.add_typer(accounts.users, name="user")
cli.add_typer(accounts.tokens, name="token")


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
