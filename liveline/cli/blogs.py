"""Commands that read live blogs in and out: parse, import, export, export-html, import-json."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from liveline.cli.common import (
    fail,
    load_settings,
    read_bytes,
    read_live_blog,
    serviced,
    warn,
)
from liveline.config import Settings
from liveline.errors import Invalid, LivelineError
from liveline.formats.textparse import ParsedBlog, ParseError
from liveline.service import slugify
from liveline.values import known_language, known_zone

commands = typer.Typer()


AS_OF_HELP = "When the page was copied (blog's zone unless stated), for times like '36 min ago'."
LANGUAGE_HELP = (
    "The blog's language, a BCP 47 tag such as en-US or de-DE; default: a new blog's is "
    "LIVELINE_DEFAULT_LANGUAGE, a replaced one keeps its own."
)
Language = Annotated[str | None, typer.Option(help=LANGUAGE_HELP)]


def checked_language(language: str | None) -> str | None:
    """--language as a tag, or exit 2 saying what is wrong with it."""
    if language is None:
        return None
    try:
        return known_language(language)
    except ValueError as exc:
        raise fail(f"--language: {exc}", 2) from None


@commands.command()
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
        known_zone(zone)
    except ValueError as exc:
        raise fail(f"--timezone: {exc}", 2) from None
    parsed = read_live_blog(file, zone, as_of)
    if not explain:
        typer.echo(json.dumps(parsed.to_json(), ensure_ascii=False, indent=1))
        return
    from liveline.formats.textparse import explain_text

    text = read_bytes(file).decode("utf-8-sig")
    for number, role, line in explain_text(text, zone, as_of=as_of):
        typer.echo(f"{number:>5} {role:<24} | {line.strip()}".rstrip())


@commands.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A live blog copied as plain text.")],
    slug: Annotated[str | None, typer.Option(help="URL name; default: from the title.")] = None,
    replace: Annotated[bool, typer.Option(help="Replace the posts of an existing blog.")] = False,
    as_of: Annotated[str | None, typer.Option(help=AS_OF_HELP)] = None,
    language: Language = None,
) -> None:
    """Parse a live blog and store it."""
    settings = load_settings()
    tag = checked_language(language)
    parsed = read_live_blog(file, settings.default_timezone, as_of)
    store_parsed(settings, file, parsed, slug, replace, tag)


@commands.command("import-wordpress")
def import_wordpress(
    file: Annotated[Path, typer.Argument(help="JSON of WordPress Liveblog's entries.")],
    slug: Annotated[str | None, typer.Option(help="URL name; default: from the title.")] = None,
    replace: Annotated[bool, typer.Option(help="Replace the posts of an existing blog.")] = False,
    title: Annotated[
        str | None, typer.Option(help="The blog's title; default: from the entries' links.")
    ] = None,
    language: Language = None,
) -> None:
    """Store a live blog from WordPress Liveblog's entries (its REST API's JSON)."""
    from liveline.formats.wordpress import parse_wordpress

    settings = load_settings()
    tag = checked_language(language)
    data = read_bytes(file)
    try:
        parsed = parse_wordpress(data, timezone=settings.default_timezone, title=title)
    except ParseError as exc:
        raise fail(f"{file}:{exc.line}: {exc.message}", 2) from None
    warn(file, parsed)
    store_parsed(settings, file, parsed, slug, replace, tag)


def store_parsed(
    settings: Settings,
    file: Path,
    parsed: ParsedBlog,
    slug: str | None,
    replace: bool,
    language: str | None = None,
) -> None:
    try:
        with serviced(settings) as service:
            blog = asyncio.run(
                service.importing.import_blog(
                    parsed, slug or slugify(parsed.title), replace=replace, language=language
                )
            )
    except Invalid as exc:  # the text itself is at fault: say where, as parse does
        raise fail(f"{file}: {exc.message}", 2) from None
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"imported {len(parsed.posts)} posts into /blogs/{blog.slug}")


@commands.command()
def export(
    slug: str,
    output: Annotated[Path | None, typer.Option(help="Write here; default: stdout.")] = None,
) -> None:
    """Print a live blog as a lossless JSON archive: every post, drafts and deleted ones too."""
    try:
        with serviced(load_settings()) as service:
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


@commands.command("export-html")
def export_html(
    slug: str,
    directory: Annotated[
        Path, typer.Argument(help="Write index.html, its styles and photos here.")
    ],
) -> None:
    """Write a live blog as a static page that any file server can serve, no Liveline behind."""
    from liveline.web.snapshot import write_snapshot  # the page's own templates (see test_layers)

    try:
        settings = load_settings()
        with serviced(settings) as service:
            count = write_snapshot(service, slug, directory, settings)
    except LivelineError as exc:
        raise fail(exc.message) from None
    except OSError as exc:
        raise fail(f"{directory}: cannot write: {exc.strerror}", 2) from None
    typer.echo(f"wrote {count} posts to {directory / 'index.html'}")


@commands.command("import-json")
def import_json(
    file: Annotated[Path, typer.Argument(help="An archive made by `liveline export`.")],
    slug: Annotated[str | None, typer.Option(help="URL name; default: the archived one.")] = None,
    replace: Annotated[bool, typer.Option(help="Replace the posts of an existing blog.")] = False,
    language: Annotated[
        str | None, typer.Option(help="The blog's language (BCP 47); default: the archived one.")
    ] = None,
) -> None:
    """Store a live blog from a JSON archive, all of it or (on any problem) nothing."""
    from liveline.formats.archive import ArchiveError, loads

    tag = checked_language(language)
    try:
        archived = loads(read_bytes(file))
    except ArchiveError as exc:
        raise fail(f"{file}: {exc}", 2) from None
    try:
        with serviced(load_settings()) as service:
            blog = asyncio.run(
                service.archives.import_archive(archived, slug, replace=replace, language=tag)
            )
    except Invalid as exc:
        raise fail(f"{file}: {exc.message}", 2) from None
    except LivelineError as exc:
        raise fail(exc.message) from None
    typer.echo(f"imported {len(archived.posts)} posts into /blogs/{blog.slug}")
