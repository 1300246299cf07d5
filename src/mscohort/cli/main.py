"""``mscohort``: validate, import and summarise MS cohort studies.

Exit codes: 0 success (warnings allowed), 1 errors in the data, 2 usage error, 3 the study
store could not be written (disk full, read-only file; nothing was imported).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from mscohort.cli.common import (
    AsOfOpt,
    JsonOpt,
    MappingOpt,
    as_of_day,
    err,
    formula_notice,
    out,
    usage_exit,
)
from mscohort.errors import UsageError, bad_usage

app = typer.Typer(
    name="mscohort",
    help="Multiple sclerosis cohort studies: validate, import and summarise patient-level data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Typer (0.2x) converts each option's value with a pydantic TypeAdapter that it builds on
    # first use, and it skips that only for a value that is already a bool. When a command
    # runs (`mscohort events --help`), the group's own --help flag is unset: its value is
    # None, and converting None built the adapter and imported pydantic (~0.2 s of CPU for
    # nothing, since None stays None). Click's default_map gives that flag a default of
    # False; subcommands do not inherit it (their default map is `default_map["events"]`).
    context_settings={"default_map": {"help": False}},
)


def _version(value: bool) -> None:
    if value:
        from mscohort._version import __version__

        out.print(f"mscohort {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Multiple sclerosis cohort studies: validate, import and summarise patient-level data."""


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="Study folder (or one .xlsx workbook).")],
    mapping: MappingOpt = None,
    db: Annotated[Path | None, typer.Option(
        help="Also check against this study store: known patients and stored rows.")] = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
    limit: Annotated[int | None, typer.Option(help="Show at most this many issues.")] = None,
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Also write every issue to this .csv or .xlsx file.")] = None,
) -> None:
    """List every problem in a study folder in one pass, counted by rule first.

    Example: mscohort validate clinic_export/ --mapping mapping.toml --out issues.xlsx
    """
    from mscohort.cli.progress import stage_bar
    from mscohort.ingest import load_mapping
    from mscohort.store.importing import check_folder
    from mscohort.store.writing import IMPORT_STAGES
    from mscohort.validate.export import FORMATS

    try:
        if out_file is not None and out_file.suffix.lower() not in FORMATS:
            raise bad_usage("--out", "a file ending in .csv or .xlsx", out_file.name)
        with stage_bar(err, "Validating", IMPORT_STAGES[:3 if db else 2]) as progress:
            report = check_folder(path, mapping=load_mapping(mapping), db=db,
                                  as_of=as_of_day(as_of), issues_out=out_file,
                                  progress=progress)
    except UsageError as exc:
        raise usage_exit(exc) from None
    if as_json:
        out.print_json(report.to_json())
    else:
        from mscohort.cli.render import print_report

        print_report(out, report, limit)
        if out_file is not None:
            out.print(f"wrote {int(report.counts_by_rule()['n'].sum())} issues to {out_file}")
    raise typer.Exit(0 if report.ok else 1)


#: The stages of ``summary``, ``scores`` and ``export`` on their progress bars
#: (``cli/progress.py``).
SUMMARY_STAGES = ("reading the store", "describing the study")
SCORES_STAGES = ("reading the scores",)
EXPORT_STAGES = ("writing tables", "checking the CSV files for formula text")


@app.command()
def summary(
    db: Annotated[Path, typer.Option(help="Study store (DuckDB file).")],
    as_json: JsonOpt = False,
) -> None:
    """Describe what a study store holds: patients, assessments, drugs and imports.

    Example: mscohort summary --db study.duckdb
    """
    from mscohort.analyse.overview import overview
    from mscohort.cli.progress import stage_bar
    from mscohort.cli.render import print_overview
    from mscohort.store import StudyStore

    try:
        with (stage_bar(err, "Summary", SUMMARY_STAGES) as progress,
              StudyStore(db, read_only=True) as store):
            progress(SUMMARY_STAGES[0])
            study = store.study()
            progress(SUMMARY_STAGES[1])
            view = overview(study)
            imports = store.imports()
    except UsageError as exc:
        raise usage_exit(exc) from None
    if as_json:
        out.print_json(json.dumps(view.to_dict(), default=str))
        return
    print_overview(out, view, imports)


@app.command()
def scores(
    db: Annotated[Path, typer.Option(help="Study store (DuckDB file).")],
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Write every assessment's scores to this .csv or .parquet file.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Severity scores of every EDSS assessment: MSSS, ARMSS, local scores, EDSS vs FS.

    The scores are derived at import (docs/scores/). Example: mscohort scores --db study.duckdb
    """
    from mscohort.cli.progress import stage_bar
    from mscohort.cli.render import print_scores
    from mscohort.store import StudyStore

    try:
        with (stage_bar(err, "Scores", SCORES_STAGES) as progress,
              StudyStore(db, read_only=True) as store):
            progress(SCORES_STAGES[0])
            derived = store.derived("edss")
    except UsageError as exc:
        raise usage_exit(exc) from None
    if out_file is not None:
        if out_file.suffix.lower() == ".parquet":
            derived.write_parquet(out_file)
        elif out_file.suffix.lower() == ".csv":
            from mscohort.ingest.formulas import write_safe_csv

            write_safe_csv(derived, out_file)
        else:
            raise usage_exit(bad_usage("--out", "a file ending in .csv or .parquet", out_file,
                                   shown=str(out_file)))
    if as_json:
        out.print_json(derived.write_json())
        return
    print_scores(out, derived)
    if out_file is not None:
        out.print(f"wrote {derived.height} assessments to {out_file}")


@app.command()
def schema(
    drugs: Annotated[bool, typer.Option("--drugs", help="List the drug vocabulary.")] = False,
    rules: Annotated[bool, typer.Option("--rules", help="List the validation rules.")] = False,
) -> None:
    """Show the canonical tables and columns (or the drug vocabulary, or the rules).

    Example: mscohort schema --drugs
    """
    from mscohort.cli.render import print_drugs, print_rules, print_schema

    if drugs:
        print_drugs(out)
    elif rules:
        print_rules(out)
    else:
        print_schema(out)


@app.command()
def export(
    db: Annotated[Path, typer.Option(help="Study store (DuckDB file).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the files.")],
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
) -> None:
    """Write every canonical and derived table of a store as Parquet (or CSV).

    Example: mscohort export --db study.duckdb --out tables/
    """
    from mscohort.cli.progress import stage_bar
    from mscohort.store import StudyStore

    try:
        with stage_bar(err, "Export", EXPORT_STAGES) as progress:
            progress(EXPORT_STAGES[0])
            with StudyStore(db, read_only=True) as store:
                written = store.export(out_dir, fmt)
            out.print(f"wrote {len(written)} tables to {out_dir}: "
                      + ", ".join(p.name for p in written))
            progress(EXPORT_STAGES[1])
            formula_notice(written)
    except UsageError as exc:
        raise usage_exit(exc) from None


@app.command()
def upgrade(
    db: Annotated[Path, typer.Option(help="Study store (DuckDB file) of an older version.")],
) -> None:
    """Bring a study store of an older mscohort up to this version's schema.

    Only adds (new tables; new columns, empty for the stored rows): no stored value changes.
    Example: mscohort upgrade --db study.duckdb
    """
    from mscohort.store import StudyStore
    from mscohort.store.duckdb_store import SCHEMA_VERSION

    if not db.exists():
        raise usage_exit(UsageError(f"study database {db} does not exist."))
    try:
        with StudyStore(db):
            pass
    except UsageError as exc:
        raise usage_exit(exc) from None
    out.print(f"{db}: store schema version {SCHEMA_VERSION}")


def _register() -> None:
    from mscohort.cli.analyse import analyse
    from mscohort.cli.calibrate import calibrate
    from mscohort.cli.compare import compare
    from mscohort.cli.events import events
    from mscohort.cli.federate import federate
    from mscohort.cli.generate import example, synth
    from mscohort.cli.history import history, retract
    from mscohort.cli.importing import import_
    from mscohort.cli.interop import redcap_import, sdtm_export, sdtm_import, wide_import
    from mscohort.cli.mapping import map_, template
    from mscohort.cli.protocol import courses, retreatment, safety, screen
    from mscohort.cli.report import report
    from mscohort.cli.serve import serve

    app.command("import")(import_)
    app.command()(calibrate)
    app.command()(courses)
    app.command()(safety)
    app.command()(retreatment)
    app.command()(screen)
    app.command()(events)
    app.command()(analyse)
    app.command()(compare)
    app.command()(federate)
    app.command()(report)
    app.command()(serve)
    app.command()(history)
    app.command()(retract)
    app.command("map")(map_)
    app.command()(template)
    app.command("sdtm-export")(sdtm_export)
    app.command("sdtm-import")(sdtm_import)
    app.command("wide-import")(wide_import)
    app.command("redcap-import")(redcap_import)
    app.command()(example)
    app.command()(synth)


_register()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except UsageError as exc:  # raised outside a command's own handling
        err.print(f"[bold red]usage error:[/] {escape(str(exc))}")
        raise SystemExit(2) from None


