"""A blog's language kept by the text importer (`--language`), the archive (version 4 on,
older versions read as the American English they were shown in) and the static snapshot.

In a file of its own: the commands run in this process (asyncio.run), which Playwright's
loop, running for the browser tests of test_translations.py, would not allow.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.harness import invoke_cli


def test_the_importers_and_the_archive_keep_the_language(tmp_path: Path) -> None:
    env = {"LIVELINE_DATABASE_URL": f"sqlite:///{tmp_path / 'l.db'}"}
    text = tmp_path / "blog.txt"
    text.write_text(
        "Sturm über Hamburg\n\nBy Anna Schmidt, NDR\n\n"
        "2:20 p.m. ET, February 7, 2022\n\nDeich hält\n\nDie Lage ist stabil.\n"
    )
    bad = invoke_cli("import", str(text), "--language", "xx", env=env, check=False)
    assert bad.returncode == 2 and "--language" in bad.stderr
    invoke_cli("import", str(text), "--slug", "sturm", "--language", "de-DE", env=env)
    archive = json.loads(invoke_cli("export", "sturm", env=env).stdout)
    assert archive["liveline_archive"] == 4 and archive["blog"]["language"] == "de-DE"
    # An archive from before languages is read as the American English it was shown in.
    old = {**archive, "liveline_archive": 3, "blog": dict(archive["blog"])}
    del old["blog"]["language"]
    (tmp_path / "old.json").write_text(json.dumps(old))
    invoke_cli("import-json", str(tmp_path / "old.json"), "--slug", "old", env=env)
    (tmp_path / "new.json").write_text(json.dumps(archive))
    invoke_cli("import-json", str(tmp_path / "new.json"), "--slug", "neu", env=env)
    exported = {
        slug: json.loads(invoke_cli("export", slug, env=env).stdout)["blog"]["language"]
        for slug in ("old", "neu")
    }
    assert exported == {"old": "en-US", "neu": "de-DE"}
    # The snapshot is German too.
    invoke_cli("export-html", "neu", str(tmp_path / "site"), env=env)
    html = (tmp_path / "site" / "index.html").read_text()
    assert '<html lang="de-DE">' in html and "Archiv der Live-Berichterstattung" in html
