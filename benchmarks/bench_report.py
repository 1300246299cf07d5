"""Benchmark: the full report of a synthetic 1,000-patient cohort (analysis, figures, files).

The cohort is bench_analysis.py's: every patient treated with alemtuzumab (two courses), about
15 EDSS visits, relapses and two prior drugs; analysed with the seed's study definition. Each
step is timed, and the HTML, Word, Excel and Markdown files are written.

    .venv/bin/python benchmarks/bench_report.py [--patients 1000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_analysis import make_study

from mscohort.analyse.study import analyse_study
from mscohort.definition import load_definition
from mscohort.report import build_report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    args = parser.parse_args()
    definition = load_definition(Path(str(files("mscohort") / "datasets" / "toy"))
                                 / "study.toml")
    study = make_study(args.patients)
    t0 = time.perf_counter()
    analysis = analyse_study(study, definition)
    t1 = time.perf_counter()
    report = build_report(study, analysis)
    t2 = time.perf_counter()
    print(f"{args.patients:,} patients ({analysis.outcomes['excluded_reason'].is_null().sum():,}"
          f" analysed)")
    print(f"  analysis           {t1 - t0:6.2f} s")
    print(f"  figures (drawn)    {t2 - t1:6.2f} s")
    total = t2 - t0
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("html", "docx", "xlsx", "md"):
            s = time.perf_counter()
            written = report.write(Path(tmp) / f"report.{fmt}")
            took = time.perf_counter() - s
            total += took
            size = sum(p.stat().st_size for p in written) / 1e6
            print(f"  write {fmt:<5}         {took:6.2f} s  ({size:.1f} MB)")
    print(f"  analysis + figures + all four files: {total:.2f} s")
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
