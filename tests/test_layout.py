"""The package layout of STYLE.md: stages import only earlier stages; docs cover the schema."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mscohort.issues import Rule
from mscohort.schema import TABLES

SRC = Path(__file__).parents[1] / "src" / "mscohort"
DOCS = Path(__file__).parents[1] / "docs"
#: pipeline order; a module may import its own stage, earlier stages and shared modules
STAGES = ["ingest", "validate", "derive", "stratify", "analyse", "report"]
#: thin layers over the stages
ADAPTERS = ["store", "cli", "web", "interop", "synthetic", "synthetic_comparative", "scores",
            "calibrate", "loading"]
SHARED = {"schema", "errors", "issues", "vocabulary", "study", "definition", "secondary", "units",
          "_version"}


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """All nodes except those under ``if TYPE_CHECKING:`` (type-only imports)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for child in node.body for n in ast.walk(child))
    return [n for n in ast.walk(tree) if id(n) not in skip]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return {n.split(".")[1] for n in names if n.startswith("mscohort.") and n.count(".") >= 1}


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_flow_one_way(path: Path) -> None:
    rel = path.relative_to(SRC)
    part = rel.parts[0].removesuffix(".py")
    used = _imports(path) - {part}
    if part in SHARED:
        allowed = SHARED
    elif part in STAGES:
        allowed = SHARED | set(STAGES[: STAGES.index(part)])
    else:
        allowed = SHARED | set(STAGES) | set(ADAPTERS)
        if part != "cli":
            allowed -= {"cli"}
    assert used <= allowed, f"{rel} imports {sorted(used - allowed)}"


def test_modules_stay_small() -> None:
    long = {str(p.relative_to(SRC)): n for p in _modules()
            if (n := len(p.read_text().splitlines())) > 400}
    assert not long


def test_data_model_doc_lists_every_canonical_column() -> None:
    text = (DOCS / "data-model.md").read_text()
    for table in TABLES.values():
        assert f"`{table.name}`" in text, table.name
        for column in table.columns:
            assert f"`{column.name}`" in text, f"{table.name}.{column.name}"


def test_validation_doc_lists_every_rule() -> None:
    text = (DOCS / "validation.md").read_text()
    for rule in Rule:
        assert f"`{rule}`" in text, rule


#: Presentation layers: they format the analysis's numbers and compute none themselves.
PRESENTATION = ("report", "web")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in _modules()}


def _imported(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str | None]]:
    """(module, name) pairs of one import statement: ``from a.b import c`` gives
    ("a.b", "c"), ``import a.b`` gives ("a.b", None)."""
    if isinstance(node, ast.Import):
        return [(a.name, None) for a in node.names]
    return [(node.module or "", a.name) for a in node.names]


def _target(module: str, name: str | None) -> str | None:
    """The module of ``src/`` an import loads: ``from pkg import mod`` is ``pkg.mod`` when that
    is a module, else ``pkg`` (its ``__init__``); None outside mscohort."""
    if not module.startswith("mscohort"):
        return None
    if name is not None and f"{module}.{name}" in MODULES:
        return f"{module}.{name}"
    while module not in MODULES and "." in module:
        module = module.rsplit(".", 1)[0]
    return module if module in MODULES else None


def _import_graph() -> dict[str, set[str]]:
    """Module -> the modules of ``src/`` it imports at run time, wherever the import stands
    (function-level included; ``if TYPE_CHECKING:`` blocks never run and are left out)."""
    graph = {}
    for name, path in MODULES.items():
        nodes = _runtime_nodes(ast.parse(path.read_text()))
        graph[name] = {t for n in nodes if isinstance(n, ast.Import | ast.ImportFrom)
                       for m, x in _imported(n) if (t := _target(m, x)) and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan 1972)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@pytest.mark.parametrize("package", PRESENTATION)
def test_report_and_web_never_import_derive(package: str) -> None:
    """The report and the web app draw the analysis's results; any import of ``derive``
    (top-level, in a function, or type-only) would let them recompute a clinical value."""
    found = []
    for path in sorted((SRC / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for module, name in _imported(node):
                    full = module if name is None else f"{module}.{name}"
                    if module.startswith("mscohort.derive") or full == "mscohort.derive":
                        found.append(f"{path.relative_to(SRC)}:{node.lineno} {full}")
    assert not found


def test_the_derive_rule_sees_function_level_imports() -> None:
    """The scan above finds an import inside a function, not only top-level lines."""
    tree = ast.parse("def f():\n    from mscohort.derive.outcomes import courses\n")
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert [m for n in imports for m, _ in _imported(n)] == ["mscohort.derive.outcomes"]


def test_no_import_cycles_between_modules() -> None:
    """No module of ``src/`` imports itself through others, function-level imports
    included: each stage's modules form a one-way graph."""
    graph = _import_graph()
    assert not _cycles(graph)


def test_the_cycle_finder_finds_a_loop_through_a_function_level_import() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_private_names_imported_across_modules() -> None:
    """A ``_name`` is its module's own: no other module imports it."""
    found = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mscohort"):
                found += [f"{name} imports {node.module}.{a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")
                          and f"{node.module}.{a.name}" not in MODULES]
    assert not found


@pytest.mark.parametrize("path", sorted((SRC / "cli").glob("*.py")),
                         ids=lambda p: str(p.relative_to(SRC)))
def test_cli_composes_no_clinical_steps(path: Path) -> None:
    """The CLI parses options, calls the loading service and the analysis, and prints: it
    imports nothing of ``derive`` (function-level imports included)."""
    assert "derive" not in _imports(path), f"{path.relative_to(SRC)} imports derive"
