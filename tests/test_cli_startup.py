"""Issue #23: ``mscohort --help`` and ``mscohort <command> --help`` start without importing
the data and analysis stack (polars, DuckDB, numpy, numba, scipy, statsmodels, Flask, ...)
or pydantic: each command imports what it needs when it runs. Checked in a fresh
interpreter, since this test process has imported everything already. Start-up time itself
is measured in ``benchmarks/bench_cli_startup.py``, not here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: top-level packages that a help text must not import (the heavy part of the start-up
#: before issue #23: about 3.5 s of CPU), and pydantic, which typer imported to convert the
#: unset --help flag of the group when a command's --help ran (~0.2 s; cli/main.py)
HEAVY = ("polars", "duckdb", "numpy", "numba", "scipy", "statsmodels", "pandas", "pyarrow",
         "flask", "werkzeug", "waitress", "openpyxl", "docx", "matplotlib", "fastexcel",
         "pydantic", "pydantic_core")

#: runs the console-script entry point with the arguments given, then prints the top-level
#: packages that were imported
_PROBE = """
import json, sys
from mscohort.cli.main import main
for args in json.loads(sys.argv[1]):
    sys.argv = ["mscohort", *args]
    try:
        main()
    except SystemExit as exc:
        assert exc.code in (0, None), (args, exc.code)
print("MODULES " + json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def _imported_after(*calls: list[str]) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(calls)],
                          capture_output=True, text=True, timeout=120, check=True)
    line = done.stdout.strip().splitlines()[-1]
    assert line.startswith("MODULES "), done.stdout[-2000:] + done.stderr[-2000:]
    return set(json.loads(line.removeprefix("MODULES ")))


def _command_names() -> list[str]:
    import typer

    from mscohort.cli.main import app

    group = typer.main.get_command(app)
    return group.list_commands(typer.Context(group))  # type: ignore[attr-defined]


def test_top_level_help_imports_no_data_or_analysis_package() -> None:
    imported = _imported_after(["--help"])
    assert "typer" in imported and "mscohort" in imported  # the probe did run the CLI
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))


def test_every_commands_help_imports_no_data_or_analysis_package() -> None:
    names = _command_names()
    assert {"events", "analyse", "import", "serve", "report"} <= set(names)
    imported = _imported_after(*([name, "--help"] for name in names))
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))


def test_version_is_printed_without_the_data_stack() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps([["--version"]])],
                          capture_output=True, text=True, timeout=120, check=True)
    from mscohort import __version__

    assert done.stdout.startswith(f"mscohort {__version__}\n")
    assert not set(json.loads(done.stdout.splitlines()[-1].removeprefix("MODULES "))) \
        & set(HEAVY)


def test_the_probe_sees_a_heavy_import_when_there_is_one() -> None:
    """The check can fail: running a command that reads data imports polars."""
    with pytest.raises(subprocess.CalledProcessError):
        _imported_after(["schema", "--no-such-option"])  # a usage error exits 2
    assert "polars" in _imported_after(["schema"])
