"""Benchmark: the reviewer's results of issue #17 (estimates, contrasts, time points, flow)
and the sensitivity table (the analysis re-run with one rule changed per row), on the
bundled example (the seed study's calibrated cohort) and on a synthetic study.

    .venv/bin/python benchmarks/bench_reviewer.py [--patients 10000]
"""

from __future__ import annotations

import argparse
import sys
import time
from importlib.resources import files
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))

from bench_analysis import make_study

from mscohort.analyse.contrasts import contrast_table
from mscohort.analyse.estimates import study_estimates
from mscohort.analyse.flow import population_flow
from mscohort.analyse.sensitivity import VARIANTS, Context, key_results, run_variant
from mscohort.analyse.study import CONTRAST_MEASURES, latest_record
from mscohort.analyse.tables import study_splits
from mscohort.analyse.timepoints import timepoint_table
from mscohort.definition import StudyDefinition, load_definition
from mscohort.derive.outcomes import patient_outcomes
from mscohort.ingest import read_study
from mscohort.study import Study
from mscohort.validate import check_study


def timed(label: str, study: Study, d: StudyDefinition) -> None:
    t0 = time.perf_counter()
    out = patient_outcomes(study, d)
    t1 = time.perf_counter()
    study_estimates(out)
    contrast_table(out, list(study_splits(out, d).values()), CONTRAST_MEASURES)
    timepoint_table(out, study.edss, latest_record(study))
    population_flow(out, pl.DataFrame(), d.index_drug)
    t2 = time.perf_counter()
    c = Context(study, d, pl.DataFrame())
    key_results(out, d)
    rows = []
    for v in VARIANTS:
        if v.keep is not None and v.label.startswith("eligible"):
            continue
        s = time.perf_counter()
        run_variant(v, out, c)
        rows.append(f"{v.label} {time.perf_counter() - s:.2f} s")
    t3 = time.perf_counter()
    print(f"{label}: outcomes {t1 - t0:.2f} s; estimates, contrasts, time points and flow "
          f"{t2 - t1:.2f} s; sensitivity table {t3 - t2:.2f} s ({len(rows)} rows: "
          + "; ".join(rows) + ")")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    args = parser.parse_args()
    seed = Path(str(files("mscohort") / "datasets" / "seed"))
    study, _ = check_study(read_study(seed))
    patient_outcomes(make_study(200), StudyDefinition())  # compile the event scan first
    timed("bundled example (60 patients)", study, load_definition(seed / "study.toml"))
    d = StudyDefinition(subgroups={"ARR before > 2": "arr_before > 2"})
    timed(f"synthetic, {args.patients:,} patients", make_study(args.patients), d)


if __name__ == "__main__":
    main()
