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
ADAPTERS = ["store", "cli", "web", "interop", "synthetic", "scores", "calibrate", "loading"]
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


@pytest.mark.parametrize("path", sorted((SRC / "cli").glob("*.py")),
                         ids=lambda p: str(p.relative_to(SRC)))
def test_cli_composes_no_clinical_steps(path: Path) -> None:
    """The CLI parses options, calls the loading service and the analysis, and prints: it
    imports nothing of ``derive`` (function-level imports included)."""
    assert "derive" not in _imports(path), f"{path.relative_to(SRC)} imports derive"
