"""Imports go one way: settings → es → engine → services → api | cli (docs/architecture.md).

Read from the source with `ast`, so a module that imports against the direction fails here before
anyone has to notice it in review.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "src"

# Lower layers may be imported by higher ones; within a layer only inside one package.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("alertstatus.errors",),
    # the shared vocabulary settings are typed with: pure data, no I/O
    ("alertstatus.engine.model", "alertstatus.auth.models"),
    ("alertstatus.settings",),
    ("alertstatus.es",),
    ("alertstatus.engine",),
    (
        "alertstatus.auth",
        "alertstatus.rules",
        "alertstatus.spaces",
        "alertstatus.tasks",
        "alertstatus.observability",
        "alertstatus.demo",
    ),
    ("alertstatus.services",),
    ("alertstatus.api", "alertstatus.cli"),
    ("alertstatus.__main__",),
)
HTTP_FRAMEWORKS = ("fastapi", "starlette")


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(SOURCE).with_suffix("").parts).removesuffix(".__init__")


def imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def place(module: str) -> tuple[int, str]:
    """(layer, the prefix that put it there): the longest matching prefix wins."""
    best: tuple[int, str] | None = None
    for rank, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > len(best[1])):
                best = (rank, prefix)
    if best is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS")
    return best


def project_modules() -> list[tuple[str, Path]]:
    modules = [(module_name(path), path) for path in sorted(SOURCE.rglob("*.py"))]
    return [(name, path) for name, path in modules if name != "alertstatus"]


def test_the_layers_cover_every_module() -> None:
    for name, _ in project_modules():
        place(name)


def against_direction(importer: str, imported: str) -> bool:
    rank, prefix = place(importer)
    imported_rank, imported_prefix = place(imported)
    same_package = imported_prefix == prefix or imported.startswith(prefix + ".")
    return imported_rank > rank or (imported_rank == rank and not same_package)


def test_every_import_goes_down_the_layers() -> None:
    wrong = [
        f"{name} imports {imported}"
        for name, path in project_modules()
        for imported in imports(path)
        if imported.startswith("alertstatus.") and against_direction(name, imported)
    ]
    assert wrong == []


def test_only_the_http_edge_knows_the_web_framework() -> None:
    wrong = [
        f"{name} imports {imported}"
        for name, path in project_modules()
        if not name.startswith("alertstatus.api")
        for imported in imports(path)
        if imported.split(".")[0] in HTTP_FRAMEWORKS
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("alertstatus.engine.service", "alertstatus.api.deps"),
        ("alertstatus.es.gateway", "alertstatus.engine.service"),
        ("alertstatus.settings", "alertstatus.es.runtime"),
        ("alertstatus.cli.serve", "alertstatus.api.app"),
        ("alertstatus.auth.service", "alertstatus.rules.service"),
    ],
)
def test_the_check_refuses_imports_against_the_direction(importer: str, imported: str) -> None:
    assert against_direction(importer, imported)
    if place(importer)[0] != place(imported)[0]:  # siblings may import neither way
        assert not against_direction(imported, importer)
