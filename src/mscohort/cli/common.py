"""What every ``mscohort`` command shares: the consoles, the common options, and how an
error becomes an exit code (0 success, 1 errors in the data, 2 usage error, 3 the study
store could not be written). :mod:`mscohort.cli.main` and each command module import it;
it imports none of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from mscohort.errors import DataValidationError, StoreWriteError, UsageError
from mscohort.units import parse_day

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

MappingOpt = Annotated[Path | None, typer.Option(
    "--mapping", "-m", help="TOML file mapping your file, sheet and column names onto the "
    "canonical ones (see docs/data-model.md).")]
AsOfOpt = Annotated[str | None, typer.Option(
    "--as-of", help="Dates after this day (YYYY-MM-DD) are errors; default today.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
AsOfVersionOpt = Annotated[int | None, typer.Option(
    "--as-of-version", help="Read the store as it was after this store version (reproduce "
    "an earlier analysis; see `mscohort history --db`).")]


def as_of_day(text: str | None) -> dt.date | None:
    """The ``--as-of`` day, or None when not given (UsageError when not YYYY-MM-DD)."""
    return None if text is None else parse_day(text, "--as-of")


def usage_exit(exc: UsageError) -> typer.Exit:
    """Print a usage error and return the exit (code 2) to raise."""
    err.print(f"[bold red]usage error:[/] {escape(str(exc))}")
    return typer.Exit(2)


def store_write_exit(exc: StoreWriteError) -> typer.Exit:
    """Print why the store was not written and return the exit (code 3) to raise."""
    err.print(f"[bold red]store not written:[/] {escape(str(exc))}")
    return typer.Exit(3)


@contextmanager
def command_errors() -> Iterator[None]:
    """A bad argument exits 2 with its message; bad data prints the validation report and
    exits 1."""
    from mscohort.cli.render import print_report

    try:
        yield
    except UsageError as exc:
        raise usage_exit(exc) from None
    except DataValidationError as exc:
        print_report(out, exc.report, None)
        raise typer.Exit(1) from None


def formula_notice(paths: list[Path]) -> None:
    """Tell the user which CSV files for programs hold text a spreadsheet would run as a
    formula (they keep values exactly; docs/store.md, "Formula injection")."""
    import polars as pl

    from mscohort.ingest.formulas import formula_cells

    counts = {p.name: formula_cells(pl.read_csv(p, infer_schema=False))
              for p in paths if p.suffix == ".csv" and p.stat().st_size}
    hits = {name: n for name, n in counts.items() if n}
    if hits:
        out.print(Text(
            "note: " + ", ".join(f"{name} ({n})" for name, n in hits.items()) + " hold values "
            "that begin with =, +, -, @, tab or CR. These files keep values exactly, for "
            "programs; a spreadsheet opened by double-click would run them as formulas: "
            "import them as text (e.g. Excel: Data > From Text/CSV, columns as Text).",
            style="yellow"))
