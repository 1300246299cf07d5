"""Benchmark: the outcome stage of a comparison (pairwise-censored follow-up, ARR with
Poisson and negative binomial rate ratios, Cox hazard ratios and curves of the first
relapse, 6-month CDW and CDI, discontinuation) for 100,000 patients with about 200,000
candidate episodes, matched 1:1 and IPT-weighted.

The design (:func:`mscohort.analyse.comparative.design.comparison_design`, the settings of
``benchmarks/bench_comparative.py``) is timed apart; the cohort is built in memory and not
timed.

    nice -n 10 .venv/bin/python benchmarks/bench_comparative_outcomes.py [--patients 100000]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from bench_comparative import SETTINGS  # type: ignore[import-not-found]

from mscohort.analyse.comparative.design import comparison_design
from mscohort.analyse.comparative.results import comparative_outcomes
from mscohort.definition import StudyDefinition
from mscohort.derive.events import EventSettings
from mscohort.synthetic import make_synthetic_cohort


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=100_000)
    args = parser.parse_args()
    study = make_synthetic_cohort(args.patients, seed=25)
    relapses, edss = study.table("relapses"), study.edss
    for design in ("match", "iptw"):
        definition = StudyDefinition(comparison=replace(SETTINGS, design=design))
        t0 = time.perf_counter()
        d = comparison_design(study, definition)
        t1 = time.perf_counter()
        result = comparative_outcomes(d.cohort, relapses, edss, EventSettings())
        t2 = time.perf_counter()
        print(f"{design}: {d.cohort.episodes.height:,} analysed episodes; design "
              f"{t1 - t0:.1f} s, all outcomes {t2 - t1:.1f} s")
        for r in result.table.iter_rows(named=True):
            print(f"  {r['outcome']:16} {r['model'][:40]:40} {r['estimate']}")


if __name__ == "__main__":
    main()
