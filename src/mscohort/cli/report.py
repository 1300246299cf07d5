"""``mscohort report``: the analysis of a study as an HTML, Word, Excel or Markdown report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mscohort.cli.common import AsOfVersionOpt, command_errors, err, out
from mscohort.errors import bad_usage
from mscohort.units import parse_day


def report(
    study: Annotated[Path, typer.Option(help="Study definition (TOML).")],
    out_path: Annotated[Path, typer.Option(
        "--out", help="Report file; its suffix (.html, .docx, .xlsx, .md) sets the format.")],
    db: Annotated[Path | None, typer.Option(help="Study store (DuckDB file).")] = None,
    data: Annotated[Path | None, typer.Option(help="Or a study folder, validated first.")]
    = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", help="html, docx, xlsx or md (default: from the --out suffix).")] = None,
    max_swimmer: Annotated[int, typer.Option(
        help="Most patients drawn in the treatment-history (swimmer) figure.", min=2)] = 60,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Judge safety monitoring and retreatment on this day (YYYY-MM-DD); "
                        "default: the latest record.")] = None,
    figures: Annotated[Path | None, typer.Option(
        help="Also write every figure as SVG and 300-dpi PNG into this folder.")] = None,
    quiet: Annotated[bool, typer.Option(
        help="Do not print the terminal summary of the analysis.")] = False,
    as_of_version: AsOfVersionOpt = None,
) -> None:
    """Publication tables, figures, methods and provenance of a study analysis, in one file.

    Example: mscohort report --study study.toml --db study.duckdb --out report.html
    """
    from mscohort.analyse.study import analyse_study
    from mscohort.cli.progress import stage_bar
    from mscohort.definition import load_definition
    from mscohort.loading import load_input
    from mscohort.report import FORMATS, Provenance, build_report

    with command_errors():
        chosen = fmt or out_path.suffix.lstrip(".").lower()
        if chosen not in FORMATS:
            raise bad_usage("--format", f"one of {', '.join(FORMATS)} (or give --out a suffix "
                            ".html, .docx, .xlsx or .md)", chosen)
        definition = load_definition(study)
        day = parse_day(as_of) if as_of else None
        stages = report_stages(chosen, figures is not None)
        with stage_bar(err, "Report", stages) as progress:
            progress(stages[0])
            loaded = load_input(db, data, as_of_version)
            progress(stages[1])
            result = analyse_study(loaded.records, definition, day)
            progress(stages[2])
            doc = build_report(loaded.records, result, input_check=loaded.check,
                               provenance=Provenance.now(loaded.files, study, loaded.imports),
                               max_swimmer=max_swimmer)
            progress(stages[3])
            written = doc.write(out_path, chosen)
            if figures is not None:
                from mscohort.report import write_figures

                progress(stages[4])
                pictures = write_figures(doc, figures)
    from mscohort.cli.summary import print_analysis

    if not quiet:
        print_analysis(result)
    out.print(f"[bold]Report[/] ({chosen}): {written[0]}"
              + (f" and {len(written) - 1} figure files" if len(written) > 1 else ""))
    if figures is not None:
        out.print(f"Figures: {len(pictures)} files (SVG and PNG) in {figures}")


def report_stages(fmt: str, figure_files: bool) -> tuple[str, ...]:
    """The stages of ``mscohort report`` on its progress bar (``cli/progress.py``), in order:
    reading, analysing, drawing the figures, writing the ``fmt`` file, and the figure files
    when ``--figures`` asks for them."""
    return ("reading the study", "analysing", "drawing figures", f"writing {fmt}",
            *(("writing figure files",) if figure_files else ()))
