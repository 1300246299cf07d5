"""``mscohort calibrate``: a synthetic cohort fitted to published summary tables."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from mscohort.cli.common import err, out, usage_exit
from mscohort.errors import UsageError


def calibrate(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the study's CSV files.")],
    published: Annotated[Path | None, typer.Option(
        help="Published numbers (TOML); default: the seed study's.")] = None,
    design: Annotated[Path | None, typer.Option(
        help="Cohorts and patient profiles (TOML); default: the seed study's.")] = None,
    study: Annotated[Path | None, typer.Option(
        help="Study definition (TOML) the published tables come from; default: the "
             "seed's.")] = None,
    steps: Annotated[int | None, typer.Option(
        help="Annealing steps (more: closer, slower; default 8,000,000).", min=1000)] = None,
    repair_rounds: Annotated[int, typer.Option(
        help="CP-SAT repair neighbourhoods per missed number (0: no repair, a quick draft; "
             "the seed's files need 1).", min=0)] = 1,
) -> None:
    """Fit a synthetic patient-level cohort to published summary tables and write it.

    With no options besides --out it regenerates the bundled seed study (the files under
    src/mscohort/datasets/seed). Example: mscohort calibrate --out src/mscohort/datasets/seed
    A quick draft: mscohort calibrate --out draft --steps 20000 --repair-rounds 0
    """
    import polars as pl

    from mscohort.calibrate.seed import SEED, calibrate, write_seed_study

    kwargs: dict[str, Any] = {
        "published": published or SEED / "published.toml",
        "design_path": design or SEED / "design.toml",
        "definition": study or SEED / "study.toml"}
    if steps:
        kwargs["steps"] = steps
    kwargs["repair_rounds"] = repair_rounds
    try:
        start = time.monotonic()
        with err.status("Fitting the cohort to the published numbers (5-10 minutes)...") as st:
            def progress(message: str) -> None:
                elapsed = f"{time.monotonic() - start:.0f} s"
                err.print(f"[{elapsed}] {message}")
                st.update(f"Fitting the cohort ({elapsed}): {message}")
            result = calibrate(**kwargs, progress=progress)
    except UsageError as exc:
        raise usage_exit(exc) from None
    written = write_seed_study(result, out_dir)
    c = result.comparison
    misses = c.filter(~pl.col("match"))
    out.print(f"{result.analysis.outcomes.height} patients; {c.height - misses.height} of "
              f"{c.height} published numbers reproduced at printed precision (fit cost "
              f"{result.cost:.2f})")
    for r in misses.iter_rows(named=True):
        out.print(f"  residual: {r['table']} / {r['group']} / {r['measure']} / {r['stat']}: "
                  f"published {r['published']}, cohort {r['ours']}")
    out.print(f"wrote {len(written)} files to {out_dir}")
