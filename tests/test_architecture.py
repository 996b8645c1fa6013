"""The house rules of ``model/``: no import circle, each layer imports only those below it,
small modules. The imports are read from the source (every ``import``, also inside a
function), so a circle hidden behind a late import fails here too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "model"

#: The layers, lowest first: a module may import from its own layer and those below
#: it (the rule each subpackage's ``__init__`` states; docs/architecture.md draws it).
LAYERS: list[set[str]] = [
    {"model.errors", "model.constants", "model.io", "model.export", "model.version"},
    {"model.scenario"},
    {"model.formulation"},
    {"model.solve"},
    {"model.results"},
    {"model.pipeline"},
    {"model.store"},
    {"model.analysis"},
    {"model.batch"},
    {"model.cli"},
    {"model"},
]

#: Modules longer than this must be split (the issue's "about 450 lines").
MAX_LINES = 450


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The ``model`` modules that ``name`` imports (``from X import y`` counts X.y when
    that is a module, else X)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "model")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "model":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    return found & known


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) - {name} for name, path in found.items()}


def layer_of(name: str) -> int:
    for i, layer in enumerate(LAYERS):
        for top in layer:
            if name == top or (top != "model" and name.startswith(top + ".")):
                return i
    raise AssertionError(f"{name} is in no layer: add it to LAYERS and to docs/architecture.md")


def test_the_import_walk_sees_relative_and_late_imports():
    edges = graph()
    assert "model.scenario.uncertainty" in edges["model.scenario.scenario"]
    assert "model.solve.stages" in edges["model.solve.fast"]
    assert "model.batch.bench" in edges["model.cli.main"]  # imported inside a function


def test_no_import_circle_anywhere_in_model():
    edges = graph()
    # Tarjan's strongly connected components: a component of more than one module is a circle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    assert circles == []


def test_each_layer_imports_only_from_itself_and_below():
    wrong = [f"{a} (layer {layer_of(a)}) imports {b} (layer {layer_of(b)})"
             for a, targets in graph().items() for b in targets if layer_of(b) > layer_of(a)]
    assert wrong == []


@pytest.mark.parametrize("name", sorted(n for n in modules() if n.count(".") == 1 and
                                        (PACKAGE / n.split(".")[1] / "__init__.py").exists()))
def test_each_subpackage_says_what_it_holds_and_may_import(name):
    doc = ast.get_docstring(ast.parse((PACKAGE / name.split(".")[1] / "__init__.py").read_text()))
    assert doc and len(doc.splitlines()) <= 3 and "import" in doc.lower()


def test_no_module_is_over_the_size_limit():
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
