"""``mscohort analyse``: per-patient outcomes and the study's group tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mscohort.cli.common import AsOfVersionOpt, command_errors, err, out

if TYPE_CHECKING:
    from mscohort.loading import StudyInput

#: The stages of ``mscohort analyse`` on its progress bar (``cli/progress.py``); the last only
#: with ``--out``.
ANALYSE_STAGES = ("reading the study", "analysing", "writing tables")


def analyse(
    study: Annotated[Path, typer.Option(help="Study definition (TOML).")],
    db: Annotated[Path | None, typer.Option(help="Study store (DuckDB file).")] = None,
    data: Annotated[Path | None, typer.Option(help="Or a study folder, validated first.")]
    = None,
    methods: Annotated[bool, typer.Option(help="Print the methods paragraph.")] = False,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Folder for CSV, JSON and Parquet of every table, settings.json, "
                   "methods.txt, provenance.json.")]
    = None,
    as_of_version: AsOfVersionOpt = None,
) -> None:
    """Per-patient outcomes and group tables of a treatment study, from a study definition.

    Example: mscohort analyse --study study.toml --db study.duckdb --out results/
    """
    from mscohort.analyse.record_subset import reads_only_infused
    from mscohort.analyse.study import analyse_study
    from mscohort.cli.progress import stage_bar
    from mscohort.cli.summary import print_analysis
    from mscohort.definition import load_definition
    from mscohort.loading import load_input

    stages: tuple[str, ...] = ANALYSE_STAGES if out_dir is not None else ANALYSE_STAGES[:2]
    with command_errors():
        definition = load_definition(study)
        with stage_bar(err, "Analysis", stages) as progress:
            progress(stages[0])
            loaded = load_input(db, data, as_of_version,
                                infused_only=reads_only_infused(definition))
            progress(stages[1])
            result = analyse_study(loaded.records, definition, timelines=False,  # unread
                                   data_cut=loaded.data_cut)
            if out_dir is not None:
                progress(stages[2])
                written = [*result.write(out_dir), write_provenance(out_dir, loaded)]
    print_analysis(result)
    if methods:
        out.print(result.methods())
    if out_dir is not None:
        out.print(f"wrote {len(written)} files (CSV, JSON and Parquet of every table, "
                  f"settings.json, methods.txt, provenance.json) to {out_dir}")


def write_provenance(out_dir: Path, loaded: StudyInput) -> Path:
    """``provenance.json`` of an analysis (:meth:`mscohort.loading.StudyInput.provenance`):
    the input and every file with its SHA-256, so that ``--as-of-version`` reproduces it."""
    import json

    path = out_dir / "provenance.json"
    path.write_text(json.dumps(loaded.provenance(), indent=2, default=str) + "\n")
    return path
