"""Benchmark: eligibility screening at registry scale (issue #23).

Screens ``--patients`` synthetic patients (``make_synthetic_cohort``, seeded; or the records
of a study store given with ``--db``, opened read only, its first ``--patients`` patients)
against the bundled seed's ``[eligibility]`` (the study definition the web app and
``benchmarks/bench_scale_web.py`` analyse with) and prints the time of ``screen``, the
decisions per arm, the peak RSS of the process and the load average. Example:

    nice -n 10 .venv/bin/python benchmarks/bench_screening.py --patients 20000
    nice -n 10 .venv/bin/python benchmarks/bench_screening.py --patients 300000 \\
        --db /tmp/scale3_300k/study.duckdb
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import polars as pl

from mscohort.calibrate.seed import SEED
from mscohort.definition import load_definition
from mscohort.derive.screening import parse_eligibility, screen
from mscohort.study import Study


def _records(n: int, db: str | None, seed: int) -> Study:
    if db is None:
        from mscohort.synthetic import make_synthetic_cohort

        return make_synthetic_cohort(n, seed=seed)
    from mscohort.store.records import load_store

    study = load_store(db).records
    keep = study.table("patients")["patient_id"].head(n)
    return Study({name: frame.filter(pl.col("patient_id").is_in(keep.implode()))
                  for name, frame in study.tables.items()})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--patients", type=int, default=20_000)
    ap.add_argument("--db", help="a study store to read the records from (read only)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    study = _records(args.patients, args.db, args.seed)
    loaded = time.perf_counter() - t0
    definition = load_definition(SEED / "study.toml")
    rules = parse_eligibility(definition.eligibility)
    t0 = time.perf_counter()
    result = screen(study, rules, course_gap_days=definition.course_gap_days)
    took = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = study.table("patients").height
    print(f"patients: {n:,} ({'store ' + args.db if args.db else 'synthetic'}; "
          f"records read in {loaded:.1f} s)")
    print(f"screen: {took:.2f} s for {result.decisions.height:,} decisions and "
          f"{result.details.height:,} criterion rows")
    counts = result.decisions.group_by("arm", "decision").len().sort("arm", "decision")
    for arm, decision, k in counts.iter_rows():
        print(f"  {arm:<16} {decision:<20} {k:>9,}")
    print(f"peak RSS: {peak_mb:,.0f} MB; load average: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
