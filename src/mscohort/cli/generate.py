"""``mscohort synth`` and ``mscohort example``: a synthetic cohort written as a study folder,
and the bundled example study run end to end, each telling its stages on the house progress
bar (``cli/progress.py``: standard error, drawn only on a terminal)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer

from mscohort.cli.common import err, out, usage_exit
from mscohort.errors import bad_usage

#: The stages of ``mscohort synth --comparative`` on its bar.
COMPARATIVE_SYNTH_STAGES = ("generating patients", "writing CSV files")
#: The stages of ``mscohort example`` before its analysis and report, which draw their own
#: bars (``Analysis``, ``Report``) after this one: one bar at a time on a terminal.
EXAMPLE_STAGES = ("copying the example study", "validating and importing", "summarising")


def synth_stages(patients: int, batch_patients: int) -> tuple[str, ...]:
    """One stage per batch of ``mscohort synth`` (patients ``first``-``last``, from 1): the
    cohort is generated and written ``batch_patients`` at a time."""
    return tuple(f"patients {first + 1:,}-{min(first + batch_patients, patients):,}"
                 for first in range(0, patients, batch_patients))


def synth(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the study's CSV files.")],
    patients: Annotated[int, typer.Option(help="Number of patients.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same cohort).")] = 0,
    comparative: Annotated[bool, typer.Option(
        help="The confounded alemtuzumab / natalizumab cohort with a known effect (rate "
             "ratio 0.6, hazard ratio 0.7; docs/comparative.md) instead.")] = False,
) -> None:
    """Write a synthetic registry cohort in the canonical tables (benchmarks, teaching).

    Not calibrated to any publication. Example: mscohort synth --patients 100000 --out synth/
    """
    from mscohort.cli.progress import stage_bar
    from mscohort.synthetic import BATCH_PATIENTS, write_study_folder, write_synthetic_folder
    from mscohort.synthetic_comparative import make_comparative_cohort

    if patients < 1 or (comparative and patients < 2):
        raise usage_exit(bad_usage("--patients", "at least 2 with --comparative, else 1"
                                   if comparative else "at least 1", patients))
    if comparative:
        with stage_bar(err, "Synthetic cohort", COMPARATIVE_SYNTH_STAGES) as progress:
            progress(COMPARATIVE_SYNTH_STAGES[0])
            study = make_comparative_cohort(patients, seed=seed)
            progress(COMPARATIVE_SYNTH_STAGES[1])
            written = write_study_folder(study, out_dir)
        counts = study.n_rows()
        out.print(f"wrote {', '.join(f'{t} {counts[t]:,}' for t in counts if counts[t])} to "
                  f"{out_dir} ({len(written)} files)")
        return
    stages = synth_stages(patients, BATCH_PATIENTS)
    with stage_bar(err, "Synthetic cohort", stages) as progress:
        progress(stages[0])

        def batch_done(done: int) -> None:  # told the patients written after each batch
            if done < patients:
                progress(stages[done // BATCH_PATIENTS])

        rows = write_synthetic_folder(  # a batch of patients at a time: bounded memory
            patients, out_dir, seed=seed, batch_patients=BATCH_PATIENTS, progress=batch_done)
    out.print(f"wrote {', '.join(f'{t} {n:,}' for t, n in rows.items())} to {out_dir} "
              f"({len(rows)} files)")


def example(
    workdir: Annotated[Path, typer.Option(
        help="Folder for the example study, its database and results.")] = Path(
            "mscohort-example"),
) -> None:
    """Run the main job on the bundled example study (the seed study's calibrated synthetic
    cohort of 60 patients): validate, import, summarise, analyse, and write the HTML report.

    Example: mscohort example --workdir /tmp/demo
    """
    from mscohort.analyse.overview import overview
    from mscohort.cli.analyse import analyse
    from mscohort.cli.progress import stage_bar
    from mscohort.cli.render import print_overview, print_report
    from mscohort.cli.report import report
    from mscohort.store import StudyStore, import_folder

    source = files("mscohort") / "datasets" / "seed"
    study_dir = workdir / "study"
    db = workdir / "study.duckdb"
    with stage_bar(err, "Example", EXAMPLE_STAGES) as progress:
        progress(EXAMPLE_STAGES[0])
        study_dir.mkdir(parents=True, exist_ok=True)
        for stale in study_dir.glob("*.csv"):  # files of an earlier example run
            stale.unlink()
        for item in source.iterdir():
            if item.name.endswith(".csv") and item.name != "residuals.csv":
                (study_dir / item.name).write_bytes(item.read_bytes())
        # the study definition of the seed, beside (not inside) the study folder
        (workdir / "study.toml").write_bytes((source / "study.toml").read_bytes())
        db.unlink(missing_ok=True)  # the example's own database, rebuilt from the files
        out.print(f"[bold]1/5 Validate[/] {study_dir}")
        progress(EXAMPLE_STAGES[1])
        result = import_folder(study_dir, db)
        print_report(out, result.report, None)
        out.print(f"[bold]2/5 Import[/] {db}: {result.summary()}")
        progress(EXAMPLE_STAGES[2])
        out.print("[bold]3/5 Summary[/]")
        with StudyStore(db, read_only=True) as store:
            print_overview(out, overview(store.study()), store.imports())
    out.print(f"[bold]4/5 Analysis[/] {workdir / 'study.toml'}")
    analyse(study=workdir / "study.toml", db=db, data=None, out_dir=workdir / "results")
    out.print(f"[bold]5/5 Report[/] {workdir / 'report.html'}")
    report(study=workdir / "study.toml", out_path=workdir / "report.html", db=db, quiet=True)
    out.print(f"Open {(workdir / 'report.html').resolve()} in a browser (no network needed); "
              f"Word and Excel: mscohort report --study {workdir / 'study.toml'} --db {db} "
              f"--out report.docx")


__all__ = ["example", "synth"]
