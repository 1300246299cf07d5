"""``mscohort compare``: the comparative analysis of a study definition's ``[comparison]``
(design, outcomes, sensitivity analyses) written as CSV, JSON and Parquet with its methods.
A thin adapter: :func:`mscohort.analyse.comparative.analysis.compare_study` does the work."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from mscohort.cli.common import AsOfVersionOpt, command_errors, err, out, usage_exit
from mscohort.errors import InvalidArgumentError, UsageError, bad_usage


def compare(
    study: Annotated[Path, typer.Option(
        help=escape("Study definition (TOML) with [comparison]."))],
    db: Annotated[Path | None, typer.Option(help="Study store (DuckDB file).")] = None,
    data: Annotated[Path | None, typer.Option(help="Or a study folder, validated first.")]
    = None,
    out_dir: Annotated[Path, typer.Option(
        "--out", help="Folder for the outcome table, curves, sensitivity, balance and flow "
                   "(CSV, JSON, Parquet), comparison_settings.json and "
                   "comparison_methods.txt.")] = Path("comparison"),
    methods: Annotated[bool, typer.Option(help="Print the methods paragraph.")] = False,
    as_of_version: AsOfVersionOpt = None,
) -> None:
    """Compare two treatments as the definition's [comparison] says: episodes, propensity
    score, matching or weighting, balance, then relapse rates, time to first relapse,
    6-month confirmed disability worsening and improvement and time to discontinuation,
    with sensitivity analyses and E-values (docs/comparative.md).

    Example: mscohort compare --study study.toml --db study.duckdb --out comparison/
    """
    from mscohort.analyse.comparative.analysis import compare_study
    from mscohort.definition import load_definition
    from mscohort.definition.comparison_outcomes import outcome_settings_of
    from mscohort.loading import load_input

    with command_errors():
        definition = load_definition(study)
        if definition.comparison is None:
            raise bad_usage("--study", "a study definition with a [comparison] section",
                            study, shown=f"{study} without [comparison]",
                            hint="See docs/comparative.md for its keys.")
        settings = outcome_settings_of(definition.comparison)
        loaded = load_input(db, data, as_of_version)
    try:
        with err.status("comparing ...") as status:
            analysis = compare_study(loaded.records, definition, settings,
                                     progress=lambda text: status.update(text + " ..."))
    except UsageError as exc:
        raise usage_exit(exc) from None
    except InvalidArgumentError as exc:
        # the design and outcome stages raise UsageError for what the definition asks and
        # the data cannot give (no eligible episode, bounds that keep no arm, a covariate
        # missing everywhere); anything else is a fault of mscohort, not of the data
        err.print(escape(f"internal error of mscohort compare (not a problem of the data or "
                         f"the definition; please report it with the definition): {exc}"))
        raise typer.Exit(1) from None
    table = analysis.result.table
    for row in table.iter_rows(named=True):
        est = ("no estimate" if row["estimate"] is None else
               f"{row['estimate']:.2f}" + (f" ({row['ci_low']:.2f} to {row['ci_high']:.2f})"
                                           if row["ci_low"] is not None else ""))
        out.print(escape(f"{row['outcome']}: {row['measure']} {est} [{row['model']}]"))
    if methods:
        out.print(escape(analysis.methods()))
    written = analysis.write(out_dir)
    out.print(escape(f"wrote {len(written)} files (CSV, JSON and Parquet of every table, "
                     f"comparison_settings.json, comparison_methods.txt) to {out_dir}"))


# rich renders help text as markup: "[comparison]" would vanish without the escape
compare.__doc__ = escape(compare.__doc__ or "")
