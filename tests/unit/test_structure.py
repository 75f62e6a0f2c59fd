"""The packages' imports go one way: no module of ce_app or ce_core imports itself back through others, and
ce_core (the math) never imports Streamlit, Plotly or the app; and every name a package exports exists."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ce_app", "ce_core")


def own_imports(path: Path, package: str) -> set[str]:
    """The modules of the same package that the file at ``path`` imports (relative or absolute), as dotted names."""
    here = path.relative_to(ROOT).with_suffix("").parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = ".".join(here[: len(here) - node.level]) if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # `from . import x` imports module x
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    modules = {module_name(file) for file in (ROOT / package).rglob("*.py")}
    # A package is loaded before any of its modules: naming one's own package (`from . import x`) is no edge back.
    ancestors = {".".join(here[:i]) for i in range(1, len(here))}
    return {name for name in found if name in modules} - {module_name(path), *ancestors}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: str) -> dict[str, set[str]]:
    return {module_name(path): own_imports(path, package) for path in (ROOT / package).rglob("*.py")}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as [a, b, ..., a], or [] when the graph has none (depth-first search)."""
    done, path = set(), []

    def visit(node):
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return []
        path.append(node)
        for target in sorted(graph.get(node, ())):
            cycle = visit(target)
            if cycle:
                return cycle
        path.pop()
        done.add(node)
        return []

    for start in sorted(graph):
        cycle = visit(start)
        if cycle:
            return cycle
    return []


def test_the_cycle_finder_finds_a_cycle():
    """Test that find_cycle reports a cycle when there is one, and none in a chain."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle(package):
    """Test that no module of the package imports itself back, directly or through others."""
    graph = import_graph(package)
    assert len(graph) > 5 and any(graph.values())  # the walk did read the package's imports
    assert find_cycle(graph) == []


def test_ce_core_imports_neither_streamlit_nor_plotly_nor_the_app():
    """Test that the math package stands alone."""
    for path in (ROOT / "ce_core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        names |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and not node.level}
        assert not {name.split(".")[0] for name in names} & {"streamlit", "plotly", "ce_app"}, path


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_exists(package):
    """Test that each name in the ``__all__`` of every package (and subpackage) is defined there: a stale entry
    makes ``from package import *`` fail."""
    missing = []
    for init in sorted((ROOT / package).rglob("__init__.py")):
        module = importlib.import_module(module_name(init))
        missing += [f"{module.__name__}.{name}" for name in getattr(module, "__all__", ()) if not hasattr(module, name)]
    assert not missing, f"exported but not defined: {missing}"
