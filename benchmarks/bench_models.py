"""Benchmark: the models of every visit and of relapse counts (issue #24).

* the piecewise random intercept and slope model on 10,000 patients x 15 visits (target:
  under 60 s on the 2-core machine), REML;
* the count models (negative binomial before/after with cluster-robust errors, conditional
  Poisson, adjusted between-group negative binomial) on 100,000 patients (target: under
  10 s).

The cohorts come from :func:`mscohort.synthetic.make_model_cohort`; preparing the data
(per-patient outcomes, the visits) is timed apart from the fits.

    .venv/bin/python benchmarks/bench_models.py [--patients 10000] [--count-patients 100000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import TypeVar

from mscohort.analyse.models.counts import count_models
from mscohort.analyse.models.data import count_data, trajectory_data
from mscohort.analyse.models.trajectory import fit_trajectory
from mscohort.definition import StudyDefinition
from mscohort.definition.models import ModelSettings
from mscohort.derive.outcomes import patient_outcomes
from mscohort.synthetic import make_model_cohort

T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, str]:
    """``fn()`` with its wall-clock and CPU seconds (the machine is shared: CPU time is
    what the code costs, wall time what the user waits)."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, f"{time.perf_counter() - w:.1f} s wall, {time.process_time() - c:.1f} s CPU"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--count-patients", type=int, default=100_000)
    args = parser.parse_args()
    d = StudyDefinition()
    study = make_model_cohort(args.patients, seed=1, visits=(15, 15))
    data, t_data = timed(lambda: trajectory_data(study, patient_outcomes(study, d),
                                                 ModelSettings(group="cohort")))
    fit, t_fit = timed(lambda: fit_trajectory(data))
    print(f"trajectory: {data.n_patients} patients, {data.visits.height} visits; "
          f"data {t_data}; fit {t_fit} (converged: {fit.converged})")
    print(fit.slopes.select("term", "estimate", "ci_low", "ci_high"))
    study = make_model_cohort(args.count_patients, seed=2, visits=(6, 6))
    counts, t_data = timed(lambda: count_data(patient_outcomes(study, d)))
    models, t_fit = timed(lambda: count_models(
        counts, "cohort", ("arr_before", "age_at_index", "duration_at_index_years",
                           "baseline_edss")))
    print(f"counts: {counts.height} patients; data {t_data}; fits {t_fit}")
    print(models.ratios.select("model", "ratio", "ci_low", "ci_high"))


if __name__ == "__main__":
    main()
