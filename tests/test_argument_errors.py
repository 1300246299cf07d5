"""Every bad argument is worded by one template, ``errors.bad_argument``:
"`x` must be ...; got ...". The scan below walks the source of mscohort and pins it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mscohort.errors import InvalidArgumentError, UsageError, bad_argument, bad_usage

SRC = Path(__file__).parents[1] / "src" / "mscohort"
#: the template's own module, and messages that are data issues (the bad-data template of
#: issues.py: file, row, patient, column, rule), not arguments
EXEMPT = {"errors.py": "the template itself",
          "validate/parse.py": "row-level data issues (issues.py), not arguments"}
#: exceptions whose message, when written in place, would bypass the template
ERRORS = {"UsageError", "InvalidArgumentError", "ValueError", "TypeError"}
TEMPLATES = {"bad_argument", "bad_usage", "bad"}  # ``bad``: definition.parts, a key of a file
#: the template's shape written by hand: "... must ...; got ..."
SHAPE = re.compile(r"\bmust\b[^\n]*; got\b")
#: an argument-shaped message built in place: "x must ...", "x needs ..."
ARGUMENT_WORDS = re.compile(r"\bmust\b|\bneeds\b")


def _name(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def _text(node: ast.AST) -> str | None:
    """The literal text of a message (its placeholders as {}), or None when computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        return None if left is None and right is None else (left or "{}") + (right or "{}")
    return None


def _docstrings(tree: ast.AST) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                          | ast.AsyncFunctionDef)
            and node.body and isinstance(node.body[0], ast.Expr)}


def hand_written_argument_errors(path: Path) -> list[str]:
    """Messages of ``path`` that word a bad argument without the template."""
    tree = ast.parse(path.read_text())
    inside_template = {id(n) for call in ast.walk(tree) if isinstance(call, ast.Call)
                       and _name(call) in TEMPLATES for n in ast.walk(call)}
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
             for v in node.values}
    skip = inside_template | _docstrings(tree) | parts
    found: dict[int, str] = {}
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Call) and _name(node) in ERRORS and node.args:
            text = _text(node.args[0])
            if text is not None and ARGUMENT_WORDS.search(text):
                found.setdefault(node.lineno, f"{node.lineno}: {_name(node)}({text!r})")
        elif isinstance(node, ast.JoinedStr | ast.Constant):
            text = _text(node)
            if text is not None and SHAPE.search(text):
                found.setdefault(node.lineno, f"{node.lineno}: {text!r}")
    return [found[line] for line in sorted(found)]


def _modules() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py"))
            if str(p.relative_to(SRC)) not in EXEMPT]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_every_bad_argument_goes_through_the_template(path: Path) -> None:
    found = hand_written_argument_errors(path)
    assert not found, "word these with errors.bad_argument / bad_usage:\n" + "\n".join(found)


def test_the_scan_finds_a_hand_written_argument_error(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('def f(x):\n    raise UsageError(f"--out must end in .csv; got {x}.")\n'
                      'def g(x):\n    errors.append(f"{x} must be a number; got {x!r}.")\n'
                      'def h(x):\n    raise bad_usage("--out", "a .csv file", x)\n')
    assert [m.split(":")[0] for m in hand_written_argument_errors(module)] == ["2", "4"]


def test_bad_argument_words_name_expectation_and_value() -> None:
    error = bad_argument("n_patients", "a whole number >= 1", 0)
    assert type(error) is InvalidArgumentError
    assert str(error) == "`n_patients` must be a whole number >= 1; got 0."


def test_bad_usage_is_a_usage_error_with_the_same_words() -> None:
    error = bad_usage("--out", "a file ending in .csv", "x.txt", where="mapping m.toml",
                      hint="Give another name.")
    assert isinstance(error, UsageError) and isinstance(error, ValueError)
    assert str(error) == ("mapping m.toml: `--out` must be a file ending in .csv; got "
                          "'x.txt'. Give another name.")
    assert str(bad_usage("--by", "given", None, shown="no --by")) == \
        "`--by` must be given; got no --by."
