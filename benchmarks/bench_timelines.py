"""Benchmark: every patient's timeline computed once by the analysis (issue #18), and one
patient's page (its records and the explanation of its event scan).

The study is the one of bench_analysis.py (about 15 EDSS visits per patient).

    .venv/bin/python benchmarks/bench_timelines.py [--patients 100000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_analysis import make_study

from mscohort.analyse.timelines import study_timelines
from mscohort.definition import StudyDefinition
from mscohort.derive.outcomes import patient_outcomes, scored_edss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    args = parser.parse_args()
    d = StudyDefinition()
    warm = make_study(200)  # compile the event scan outside the timing
    study_timelines(warm, patient_outcomes(warm, d), scored_edss(warm, d), d).patient(
        warm.patients["patient_id"][0])
    study = make_study(args.patients)
    scored = scored_edss(study, d)
    outcomes = patient_outcomes(study, d, scored)
    t0 = time.perf_counter()
    timelines = study_timelines(study, outcomes, scored, d)
    t1 = time.perf_counter()
    one = timelines.patient(study.patients["patient_id"][args.patients // 2])
    t2 = time.perf_counter()
    print(f"{args.patients:,} patients, {study.edss.height:,} EDSS visits: every timeline "
          f"(EDSS with MSSS, courses, relapses, drugs, {timelines.events.height:,} events) "
          f"{t1 - t0:.2f} s; one patient's page ({one.edss.height} assessments, explained) "
          f"{t2 - t1:.3f} s")


if __name__ == "__main__":
    main()
