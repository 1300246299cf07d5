"""Benchmark: a synthetic registry cohort out to CDISC SDTM and back (CSV and Dataset-JSON).

Times writing every SDTM dataset, reading them back into the canonical tables and
validating them; checks the round trip gives the same study.

    .venv/bin/python benchmarks/bench_interop.py [--patients 10000]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from mscohort.ingest import read_study
from mscohort.interop.sdtm_export import write_sdtm
from mscohort.interop.sdtm_import import read_sdtm
from mscohort.schema import TABLES
from mscohort.synthetic import make_synthetic_cohort, write_study_folder
from mscohort.validate import load_study


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        write_study_folder(make_synthetic_cohort(args.patients, seed=1), Path(tmp) / "study")
        study = load_study(read_study(Path(tmp) / "study"))
        rows = sum(study.n_rows().values())
        for fmt in ("csv", "json"):
            folder = Path(tmp) / fmt
            t0 = time.perf_counter()
            written = write_sdtm(study, folder, fmt=fmt)
            t1 = time.perf_counter()
            back = load_study(read_sdtm(folder))
            t2 = time.perf_counter()
            same = all(study.table(t).equals(back.table(t)) for t in TABLES)
            size = sum(p.stat().st_size for p in written) / 1e6
            print(f"{args.patients:,} patients ({rows:,} records), SDTM {fmt}: export "
                  f"{t1 - t0:.2f} s ({len(written)} datasets, {size:.0f} MB), import and "
                  f"validation {t2 - t1:.2f} s, round trip {'identical' if same else 'DIFFERS'}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
