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

from mscohort.analyse.models.counts import count_models
from mscohort.analyse.models.data import count_data, trajectory_data
from mscohort.analyse.models.trajectory import fit_trajectory
from mscohort.definition import StudyDefinition
from mscohort.definition.models import ModelSettings
from mscohort.derive.outcomes import patient_outcomes
from mscohort.synthetic import make_model_cohort


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--count-patients", type=int, default=100_000)
    args = parser.parse_args()
    d = StudyDefinition()
    study = make_model_cohort(args.patients, seed=1, visits=(15, 15))
    t0 = time.perf_counter()
    outcomes = patient_outcomes(study, d)
    data = trajectory_data(study, outcomes, ModelSettings(group="cohort"))
    t1 = time.perf_counter()
    fit = fit_trajectory(data)
    t2 = time.perf_counter()
    print(f"trajectory: {data.n_patients} patients, {data.visits.height} visits; "
          f"data {t1 - t0:.1f} s, fit {t2 - t1:.1f} s (converged: {fit.converged})")
    print(fit.slopes.select("term", "estimate", "ci_low", "ci_high"))
    study = make_model_cohort(args.count_patients, seed=2, visits=(6, 6))
    t0 = time.perf_counter()
    counts = count_data(patient_outcomes(study, d))
    t1 = time.perf_counter()
    models = count_models(counts, "cohort", ("arr_before", "age_at_index",
                                             "duration_at_index_years", "baseline_edss"))
    t2 = time.perf_counter()
    print(f"counts: {counts.height} patients; data {t1 - t0:.1f} s, fits {t2 - t1:.1f} s")
    print(models.ratios.select("model", "ratio", "ci_low", "ci_high"))


if __name__ == "__main__":
    main()
