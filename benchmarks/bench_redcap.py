"""Benchmark: REDCap exports of a seeded cohort read and validated in each rendering.

Writes the raw export, the label-value export and the "CSV (labels)" export (label
headers) of a longitudinal project with missing-data codes and unfinished forms (the
generator of the tests, ``tests/interop/redcap_exports.py``), reads each with the ready
mapping and validates it; checks every rendering gives the study the generator wrote.

    .venv/bin/python benchmarks/bench_redcap.py [--patients 5000]
"""

from __future__ import annotations

import argparse
import importlib
import resource
import sys
import tempfile
import time
from pathlib import Path

from mscohort.ingest import read_study
from mscohort.interop.redcap import read_redcap
from mscohort.validate import check_study

TABLES = ("patients", "edss", "relapses", "treatments", "infusions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=5_000)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parents[1]))  # the tests' export generator
    gen = importlib.import_module("tests.interop.redcap_exports")
    project = gen.build(n=args.patients, seed=1, coded=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        truth, _ = check_study(read_study(project.write_truth(folder / "truth")))
        mapping = folder / "mapping.toml"
        ready = (gen.DICTIONARY.parent / "redcap_ms.toml").read_text()
        mapping.write_text(ready.replace(
            "[redcap]\n", f'[redcap]\nmissing_codes = "{gen.MISSING_CODES}"\n', 1))
        print(f"{args.patients} patients, {len(project.rows)} export rows, "
              f"{sum(len(v) for v in project.truth.values())} records")
        for values, headers in (("raw", "raw"), ("label", "raw"), ("label", "label")):
            export = project.write(folder / f"{values}-{headers}.csv", values, headers)
            t0 = time.perf_counter()
            raw = read_redcap(export, gen.DICTIONARY, mapping)
            t1 = time.perf_counter()
            study, report = check_study(raw)
            t2 = time.perf_counter()
            same = all(study.table(t).equals(truth.table(t)) for t in TABLES)
            print(f"values {values:5} headers {headers:5}: read {t1 - t0:.2f} s, validate "
                  f"{t2 - t1:.2f} s; {report.n_errors} errors, {report.n_warnings} warnings; "
                  f"same as written: {same}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
