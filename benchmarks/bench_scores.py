"""Benchmark: global MSSS/ARMSS on 10 million assessments, local MSSS on 1 million, and the
ratio to the Python package mssev on the same input (one core).

    .venv/bin/python benchmarks/bench_scores.py [--n 10000000] [--n-local 1000000]

mssev is optional (``pip install pandas; pip install --no-deps mssev==0.5.2``, as
scripts/run-tests.sh does); without it the ratios are not printed.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
            "POLARS_MAX_THREADS"):
    os.environ[var] = "1"  # one core, as the issue asks

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from mscohort import scores  # noqa: E402

STEPS = np.array([0, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5])


def best_of(repeat: int, fn, *args, **kwargs) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args, **kwargs)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--n-local", type=int, default=1_000_000)
    parser.add_argument("--n-mssev", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    edss = rng.choice(STEPS, args.n)
    dd = rng.uniform(0, 40, args.n)
    age = rng.uniform(15, 80, args.n)
    t = best_of(3, scores.msss, edss, dd)
    print(f"global MSSS (Roxburgh 2005)  {args.n:>12,} assessments  {t:6.3f} s  "
          f"{args.n / t / 1e6:6.1f} M/s")
    t_u = best_of(3, scores.msss, edss, dd, table="manouchehrinia2017")
    print(f"global MSSS (updated 2017)   {args.n:>12,} assessments  {t_u:6.3f} s")
    t_a = best_of(3, scores.armss, edss, age)
    print(f"global ARMSS                 {args.n:>12,} assessments  {t_a:6.3f} s")
    m = args.n_local
    t_l = best_of(3, scores.local_msss, edss[:m], dd[:m])
    print(f"local MSSS                   {m:>12,} assessments  {t_l:6.3f} s")
    t_la = best_of(3, scores.local_armss, edss[:m], age[:m])
    print(f"local ARMSS                  {m:>12,} assessments  {t_la:6.3f} s")
    t_lm = best_of(3, scores.local_msss, edss[:m], dd[:m], convention="ms.sev")
    print(f"local MSSS (ms.sev)          {m:>12,} assessments  {t_lm:6.3f} s")
    t_g = best_of(3, scores.msss, edss, dd, table="manouchehrinia2017", convention="ms.sev")
    print(f"global MSSS updated (ms.sev) {args.n:>12,} assessments  {t_g:6.3f} s")
    try:
        import mssev
        import pandas as pd
    except ImportError:
        print("mssev not installed: no ratio (see the module docstring)")
        return
    k = args.n_mssev
    frame = pd.DataFrame({"edss": edss[:k], "dd": dd[:k], "ageatedss": age[:k]})
    ours = best_of(3, scores.msss, edss[:k], dd[:k])
    theirs = best_of(3, mssev.MSSS, frame)
    print(f"mssev MSSS                   {k:>12,} assessments  {theirs:6.3f} s  "
          f"mscohort {ours:6.3f} s  ratio {theirs / ours:6.1f}x")
    ours_a = best_of(3, scores.armss, edss[:k], age[:k])
    theirs_a = best_of(3, mssev.ARMSS, frame)
    print(f"mssev ARMSS                  {k:>12,} assessments  {theirs_a:6.3f} s  "
          f"mscohort {ours_a:6.3f} s  ratio {theirs_a / ours_a:6.1f}x")


if __name__ == "__main__":
    main()
