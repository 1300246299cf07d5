"""Benchmark: generate a synthetic registry cohort (target: 1,000,000 patients < 1 minute).

    .venv/bin/python benchmarks/bench_synthetic.py [--patients 1000000]
"""

from __future__ import annotations

import argparse
import resource
import time

from mscohort.synthetic import make_synthetic_cohort


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    study = make_synthetic_cohort(args.patients, seed=1)
    elapsed = time.perf_counter() - t0
    rows = study.n_rows()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.patients:,} patients in {elapsed:.1f} s: "
          + ", ".join(f"{t} {n:,}" for t, n in rows.items() if n)
          + f"; peak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main()
