"""Benchmark: read, validate and import a registry-sized study folder.

Prints the time of each stage, rows per second and peak memory (RSS). Example:

    .venv/bin/python benchmarks/bench_import.py --patients 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from mscohort.ingest import read_study
from mscohort.store import StudyStore
from mscohort.validate import check_study

STEPS = np.array([0.0, *np.arange(1.0, 10.01, 0.5)])


def make_folder(folder: Path, n: int, seed: int = 1) -> dict[str, int]:
    """Write patients, edss (about 15 visits each), relapses and treatments as CSV."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"P{i:07d}" for i in range(n)])
    birth = np.datetime64("1950-01-01") + rng.integers(0, 40 * 365, n).astype("timedelta64[D]")
    onset = birth + rng.integers(18 * 365, 45 * 365, n).astype("timedelta64[D]")
    pl.DataFrame({
        "patient_id": ids, "sex": rng.choice(["F", "M"], n, p=[0.7, 0.3]),
        "birth_date": birth, "onset_date": onset,
        "phenotype": rng.choice(["RRMS", "SPMS", "PPMS"], n, p=[0.7, 0.2, 0.1]),
    }).write_csv(folder / "patients.csv")
    visits = rng.integers(10, 21, n)
    pid = np.repeat(np.arange(n), visits)
    k = np.concatenate([np.arange(v) for v in visits])
    first = onset[pid] + np.timedelta64(365, "D")
    dates = first + (k * 182 + rng.integers(0, 30, k.size)).astype("timedelta64[D]")
    level = np.clip(rng.integers(0, 12, n)[pid] + k // 6, 0, 19)
    pl.DataFrame({"patient_id": ids[pid], "date": dates, "edss": STEPS[level]}).write_csv(
        folder / "edss.csv")
    n_rel = rng.poisson(3, n)
    rid = np.repeat(np.arange(n), n_rel)
    j = np.concatenate([np.arange(m) for m in n_rel])
    rel = onset[rid] + (j * 400 + 15 + rng.integers(0, 200, j.size)).astype("timedelta64[D]")
    pl.DataFrame({"patient_id": ids[rid], "onset_date": rel}).write_csv(folder / "relapses.csv")
    tid = np.repeat(np.arange(n), 2)
    start = onset[tid] + (np.tile([200, 1500], n)).astype("timedelta64[D]")
    pl.DataFrame({
        "patient_id": ids[tid], "drug": np.tile(["Avonex", "Tysabri"], n), "start_date": start,
        "stop_date": start + np.timedelta64(1000, "D"),
    }).write_csv(folder / "treatments.csv")
    return {"patients": n, "edss": int(visits.sum()), "relapses": int(n_rel.sum()),
            "treatments": 2 * n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    args = parser.parse_args()
    as_of = dt.date(2100, 1, 1)  # synthetic dates run past today
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "study"
        folder.mkdir()
        t0 = time.perf_counter()
        rows = make_folder(folder, args.patients)
        total = sum(rows.values())
        print(f"generated {total:,} rows ({rows}) in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        raw = read_study(folder)
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        study, report = check_study(raw, as_of=as_of)
        t_check = time.perf_counter() - t0
        t0 = time.perf_counter()
        with StudyStore(Path(tmp) / "s.duckdb") as store:
            result = store.add(study, raw, report, as_of=as_of)
        t_store = time.perf_counter() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"issues: {report.n_errors} errors, {report.n_warnings} warnings")
        print(f"read     {t_read:7.2f} s  {total / t_read:12,.0f} rows/s")
        print(f"validate {t_check:7.2f} s  {total / t_check:12,.0f} rows/s")
        print(f"store    {t_store:7.2f} s  {total / t_store:12,.0f} rows/s "
              f"(added {sum(result.rows_added.values()):,})")
        print(f"total    {t_read + t_check + t_store:7.2f} s; peak RSS {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
