"""Benchmark: disability events for a registry-sized cohort, and the ratio to pymsprog.

100,000 patients with about 15 visits each and relapses, ``event='multiple'``, roving
baseline, PIRA/RAW classification, on one core (numba and polars held to one thread; the
``--threads`` option lets both use more). Printed: the wall time and the CPU time of
``detect_events`` as a whole and of its steps (preparing the arrays, the compiled scan,
the tables): on a shared machine the CPU time is the figure of its compute (issue #23
target: under 1 s for 100,000 patients, preparation included). pymsprog (optional:
``pip install --no-deps pymsprog==1.0.7``) runs on a subsample in the same process; the
ratio is per patient.

    .venv/bin/python benchmarks/bench_events.py [--patients 100000] [--oracle-patients 300]
"""

from __future__ import annotations

import os
import sys

# threads (--threads N) set before numba and polars load
os.environ.setdefault("NUMBA_NUM_THREADS", sys.argv[sys.argv.index("--threads") + 1]
                      if "--threads" in sys.argv else "1")
os.environ.setdefault("POLARS_MAX_THREADS", os.environ["NUMBA_NUM_THREADS"])

import argparse
import resource
import time
import warnings

import numpy as np
import polars as pl

from mscohort.derive.events import EventSettings, detect_events
from mscohort.derive.events.detect import (
    build_events,
    build_summary,
    build_unconfirmed,
    prepare,
    relapse_cut,
    run_scan,
)

STEPS = np.array([0, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5])


def make_registry(n: int, seed: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    """About 15 visits per patient (10-20), EDSS random walks, ~0.5 relapses a year."""
    rng = np.random.default_rng(seed)
    visits = rng.integers(10, 21, n)
    pid = np.repeat(np.arange(n), visits)
    gaps = rng.integers(60, 200, pid.size)
    first = np.r_[0, np.cumsum(visits)[:-1]]
    gaps[first] = rng.integers(0, 400, n)
    day = np.cumsum(gaps)
    day = day - np.repeat(day[first], visits) + np.repeat(rng.integers(0, 3000, n), visits)
    steps = rng.choice([-2, -1, 0, 1, 2], pid.size, p=[.05, .2, .5, .2, .05])
    steps[first] = rng.integers(0, 14, n)
    level = np.cumsum(steps)
    level = np.clip(level - np.repeat(level[first], visits) + steps[first][np.repeat(
        np.arange(n), visits)], 0, 18)
    start = np.datetime64("2010-01-01")
    vis = pl.DataFrame({"patient_id": pl.Series(pid).cast(pl.String),
                        "date": start + day.astype("timedelta64[D]"), "edss": STEPS[level]})
    n_rel = rng.poisson(3, n)
    rp = np.repeat(np.arange(n), n_rel)
    span = np.repeat(day[first + visits - 1] - day[first], n_rel)
    rday = np.repeat(day[first], n_rel) + (rng.random(rp.size) * span).astype(np.int64)
    rel = pl.DataFrame({"patient_id": pl.Series(rp).cast(pl.String),
                        "onset_date": start + rday.astype("timedelta64[D]")}).unique()
    return vis, rel


def steps(vis: pl.DataFrame, rel: pl.DataFrame, settings: EventSettings
          ) -> dict[str, float]:
    """CPU seconds of each step of :func:`detect_events` (run once more, step by step)."""
    out: dict[str, float] = {}
    c = time.process_time()
    prep = prepare(vis, rel, "edss", relapse_cut(settings, settings.relapse_to_bl))
    out["prepare"], c = time.process_time() - c, time.process_time()
    raw = run_scan(prep, settings)
    out["scan"], c = time.process_time() - c, time.process_time()
    events = build_events(prep, raw, settings)
    build_summary(prep, events, raw[0][:, 0])
    build_unconfirmed(prep, raw)
    out["tables"] = time.process_time() - c
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--oracle-patients", type=int, default=300)
    parser.add_argument("--threads", type=int, default=1,
                        help="threads of numba and polars (default: one core)")
    args = parser.parse_args()
    settings = EventSettings(event="multiple", baseline="roving", raw_pira=True)
    vis, rel = make_registry(args.patients)
    detect_events(vis.head(100), rel, settings)  # compile outside the timing
    t0, c0 = time.perf_counter(), time.process_time()
    result = detect_events(vis, rel, settings)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"mscohort: {args.patients:,} patients, {vis.height:,} visits, {rel.height:,} "
          f"relapses, {os.environ['NUMBA_NUM_THREADS']} thread(s): {elapsed:.2f} s wall, "
          f"{cpu:.2f} s CPU ({cpu / args.patients * 1e6:.1f} us/patient); "
          f"{result.events.height:,} events; peak RSS {peak:,.0f} MB")
    print("steps (CPU s): " + ", ".join(f"{k} {v:.3f}" for k, v in steps(vis, rel,
                                                                         settings).items()))
    try:
        import pandas as pd
        import pymsprog
    except ImportError:
        print("pymsprog not installed: no ratio")
        return
    k = args.oracle_patients
    ids = vis["patient_id"].unique(maintain_order=True).head(k)
    sub_v = vis.filter(pl.col("patient_id").is_in(ids.implode()))
    sub_r = rel.filter(pl.col("patient_id").is_in(ids.implode())).sort("patient_id",
                                                                          "onset_date")
    v = sub_v.to_pandas()
    r = sub_r.to_pandas()
    v["date"] = pd.to_datetime(v["date"])
    r["onset_date"] = pd.to_datetime(r["onset_date"])
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pymsprog.MSprog(v, relapse=r, subj_col="patient_id", value_col="edss",
                        date_col="date", rdate_col="onset_date", outcome="edss",
                        event="multiple", baseline="roving", RAW_PIRA=True, verbose=0)
    theirs = (time.perf_counter() - t0) / k
    ours = cpu / args.patients
    print(f"pymsprog: {k} patients: {theirs * 1e3:.2f} ms/patient; ratio {theirs / ours:,.0f}x")


if __name__ == "__main__":
    main()
