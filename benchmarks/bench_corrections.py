"""Benchmark: a correcting re-import of a registry-sized study (1% of EDSS values changed,
0.1% of EDSS rows gone): the diff shown without --accept-changes, then the accepted
correction with --retract-missing, and an analysis-sized read of an old version.

Prints the time of each step and the store's size. Example:

    .venv/bin/python benchmarks/bench_corrections.py --patients 10000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import polars as pl

from mscohort.store import Acceptance, ChangesNeedAcceptance, StudyStore, import_folder
from mscohort.synthetic import make_synthetic_cohort, write_study_folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder, db = Path(tmp) / "study", Path(tmp) / "s.duckdb"
        write_study_folder(make_synthetic_cohort(args.patients, seed=19), folder)
        edss = pl.read_csv(folder / "edss.csv", infer_schema=False)
        t = time.perf_counter()
        import_folder(folder, db)
        first = time.perf_counter() - t
        i = pl.int_range(pl.len())
        corrected = edss.with_columns(
            pl.when(i % 100 == 0).then(
                pl.when(pl.col("edss").cast(pl.Float64) >= 1.5)
                .then(pl.col("edss").cast(pl.Float64) - 0.5).otherwise(pl.lit(1.0))
                .cast(pl.String)).otherwise(pl.col("edss")).alias("edss"),
        ).filter(i % 1000 != 1)
        corrected.write_csv(folder / "edss.csv")
        t = time.perf_counter()
        try:
            import_folder(folder, db)
        except ChangesNeedAcceptance as exc:
            diff = exc.diff
        refused = time.perf_counter() - t
        t = time.perf_counter()
        result = import_folder(folder, db, accept=Acceptance("bench", "bench",
                                                             retract_missing=True))
        accepted = time.perf_counter() - t
        t = time.perf_counter()
        with StudyStore(db, read_only=True) as store:
            old = store.study(as_of_version=1)
        as_of = time.perf_counter() - t
        print(f"{args.patients:,} patients, {edss.height:,} EDSS rows; first import "
              f"{first:.1f} s; diff shown without acceptance {refused:.1f} s "
              f"({diff.n_changed:,} changed, {diff.missing.height:,} missing); accepted "
              f"correction {accepted:.1f} s ({result.rows_changed['edss']:,} changed, "
              f"{result.rows_retracted['edss']:,} retracted); study as of version 1 "
              f"{as_of:.2f} s ({old.edss.height:,} EDSS rows); store "
              f"{db.stat().st_size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
