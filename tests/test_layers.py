"""Data flows one way: edge (web, cli, demo) → service → store and broker; formats are pure.

Read from the source, so a new import that crosses a layer fails here, with its line.
`python -m tests.test_layers` prints the import graph, one module a line.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "liveline"
# The bottom: the domain, validated inputs, and the errors the service refuses with.
DOMAIN = ("liveline.model", "liveline.values", "liveline.errors")
MAX_LINES = 400

# Layer -> what it may import from liveline (a prefix matches its submodules).
ALLOWED: dict[str, tuple[str, ...]] = {
    "liveline.model": (),
    "liveline.errors": (),
    "liveline.values": ("liveline.model", "liveline.errors"),
    "liveline.config": ("liveline.values",),
    "liveline.formats": (*DOMAIN, "liveline.formats"),
    "liveline.store": (*DOMAIN, "liveline.store"),
    "liveline.broker": (*DOMAIN, "liveline.broker"),
    "liveline.service": (
        *DOMAIN,
        "liveline.config",
        "liveline.formats",
        "liveline.store",
        "liveline.broker",
        "liveline.service",
    ),
    # The edges: never the store.
    "liveline.web": (
        *DOMAIN,
        "liveline.config",
        "liveline.formats",
        "liveline.service",
        "liveline.web",
        "liveline.broker",
        "liveline",
    ),
    "liveline.demo": (*DOMAIN, "liveline.formats", "liveline.service", "liveline.demo"),
    "liveline.cli": (
        *DOMAIN,
        "liveline.config",
        "liveline.formats",
        "liveline.service",
        "liveline.server",
        "liveline.cli",
        # export-html renders the reader's own templates: the one piece of the web edge a
        # command uses, and it writes files, never serves.
        "liveline.web.snapshot",
    ),
    # The composition roots: they put an app or a process together.
    "liveline.app": (
        *DOMAIN,
        "liveline.config",
        "liveline.service",
        "liveline.web",
        "liveline",
    ),
    "liveline.server": (
        *DOMAIN,
        "liveline.config",
        "liveline.service",
        "liveline.app",
        "liveline.broker",
        "liveline.demo",
        "liveline.web",
        "liveline.workers",
    ),
    # The supervisor of `serve --workers N`: processes and signals, nothing of the app.
    "liveline.workers": (),
    "liveline.__main__": ("liveline.cli",),
    "liveline": (),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) for each import of a liveline module, at any depth of the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "liveline":
                found += [(node.lineno, f"liveline.{alias.name}") for alias in node.names]
            elif node.module.startswith("liveline."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("liveline")]
    return found


def layer_of(name: str) -> str:
    best = max(
        (layer for layer in ALLOWED if name == layer or name.startswith(layer + ".")), key=len
    )
    return best


def allowed(layer: str, imported: str) -> bool:
    if imported == "liveline":  # the package itself (its version)
        return True
    return any(imported == ok or imported.startswith(ok + ".") for ok in ALLOWED[layer])


@pytest.mark.parametrize("path", modules(), ids=lambda p: module_name(p))
def test_imports_flow_one_way(path: Path) -> None:
    name = module_name(path)
    layer = layer_of(name)
    crossing = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {layer} may not import {imported}"
        for line, imported in imports_of(path)
        if not allowed(layer, imported)
    ]
    assert not crossing, "\n".join(crossing)


@pytest.mark.parametrize("path", modules(), ids=lambda p: module_name(p))
def test_a_module_is_one_concept_of_at_most_400_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE.parent)} has {lines} lines"


def graph() -> str:
    rows = []
    for path in modules():
        targets = sorted({imported for _, imported in imports_of(path)})
        rows.append(f"{module_name(path)} → {', '.join(targets) or '(nothing of ours)'}")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.stdout.write(graph() + "\n")
