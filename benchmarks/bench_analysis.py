"""Benchmark: per-patient outcomes and every group table for a 100,000-patient study.

About 15 EDSS visits per patient, relapses, two prior drugs and two alemtuzumab courses each.
The study is built in memory (import speed: bench_import.py).

    .venv/bin/python benchmarks/bench_analysis.py [--patients 100000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))

from bench_events import make_registry

from mscohort.analyse.secondary import secondary_outcomes
from mscohort.analyse.tables import (
    change_categories,
    paired_tests,
    relapse_table,
    study_tables,
)
from mscohort.definition import StudyDefinition
from mscohort.derive.outcomes import patient_outcomes
from mscohort.schema import TABLES
from mscohort.study import Study


def make_study(n: int, seed: int = 2) -> Study:
    rng = np.random.default_rng(seed)
    edss, rel = make_registry(n, seed)
    first = edss.group_by("patient_id").agg(pl.col("date").min().alias("first")).sort(
        "patient_id")
    ids = first["patient_id"]
    f = first["first"].to_numpy().astype("datetime64[D]")
    days = lambda k: np.timedelta64(k, "D")  # noqa: E731
    index = f + days(200)
    patients = pl.DataFrame({
        "patient_id": ids, "sex": rng.choice(["F", "M"], n), "birth_date": f - days(40 * 365),
        "onset_date": f - days(8 * 365), "phenotype": rng.choice(["RRMS", "SPMS"], n),
        "regular_corticosteroids": rng.random(n) < 0.1, "cohort": rng.choice(["A", "B"], n)})
    infusions = pl.concat([
        pl.DataFrame({"patient_id": ids, "drug": "alemtuzumab", "date": index + days(k),
                      "dose_mg": 12.0}) for k in (0, 1, 2, 3, 4, 365, 366, 367)])
    drugs = np.array(["interferon beta", "natalizumab", "fingolimod", "glatiramer acetate"])
    treatments = pl.concat([
        pl.DataFrame({"patient_id": ids, "drug": rng.choice(drugs, n),
                      "start_date": index - days(900), "stop_date": index - days(500)}),
        pl.DataFrame({"patient_id": ids, "drug": rng.choice(drugs, n),
                      "start_date": index - days(480), "stop_date": index - days(30)}),
    ]).unique(["patient_id", "drug", "start_date"])

    def full(name: str, frame: pl.DataFrame) -> pl.DataFrame:
        schema = TABLES[name].stored_schema()
        return frame.with_columns(pl.lit(None, dtype=t).alias(c) for c, t in schema.items()
                                  if c not in frame.columns).select(list(schema)).cast(schema)

    visits = [-7, 365, 730, 1095]  # secondary outcomes: baseline, then yearly
    msfc = pl.concat([pl.DataFrame({
        "patient_id": ids, "date": index + days(k),
        **{c: rng.uniform(4, 12, n) for c in ("t25fw_1_s", "t25fw_2_s")},
        **{c: rng.uniform(18, 30, n) for c in ("nhpt_dom_1_s", "nhpt_dom_2_s",
                                              "nhpt_nondom_1_s", "nhpt_nondom_2_s")},
        "pasat3": rng.integers(30, 60, n)}) for k in visits])
    oct_ = pl.concat([pl.DataFrame({
        "patient_id": ids, "date": index + days(k), "eye": eye,
        "rnfl_um": rng.normal(88, 8, n) - 0.002 * k, "gcipl_um": rng.normal(72, 5, n),
        "optic_neuritis": rng.random(n) < 0.1}) for k in visits for eye in ("OD", "OS")])
    mri = pl.concat([pl.DataFrame({
        "patient_id": ids, "date": index + days(k),
        "new_enlarging_t2": pl.Series(rng.poisson(0.3, n), dtype=pl.Int64)
        if k > 0 else pl.Series([None] * n, dtype=pl.Int64),
        "gd_enhancing": rng.poisson(0.1, n)}) for k in visits])
    return Study({"patients": full("patients", patients), "edss": full("edss", edss),
                  "relapses": full("relapses", rel), "infusions": full("infusions", infusions),
                  "treatments": full("treatments", treatments), "msfc": full("msfc", msfc),
                  "oct": full("oct", oct_), "mri": full("mri", mri)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    args = parser.parse_args()
    study = make_study(args.patients)
    d = StudyDefinition(subgroups={"ARR before > 2": "arr_before > 2"})
    patient_outcomes(make_study(200), d)  # compile the event scan outside the timing
    t0 = time.perf_counter()
    outcomes = patient_outcomes(study, d)
    t1 = time.perf_counter()
    study_tables(outcomes, d)
    change_categories(outcomes)
    paired_tests(outcomes)
    relapse_table(outcomes, d)
    t2 = time.perf_counter()
    secondary_outcomes(study, outcomes, d)
    t3 = time.perf_counter()
    print(f"{args.patients:,} patients, {study.edss.height:,} EDSS visits: outcomes "
          f"{t1 - t0:.2f} s, tables and tests {t2 - t1:.2f} s, total {t2 - t0:.2f} s "
          f"({outcomes.filter(pl.col('excluded_reason').is_null()).height:,} analysed); "
          f"secondary outcomes (MSFC, OCT x 2 eyes, MRI, NEDA-3, milestones; "
          f"{study.table('msfc').height:,} MSFC, {study.table('oct').height:,} OCT rows) "
          f"{t3 - t2:.2f} s")


if __name__ == "__main__":
    main()
