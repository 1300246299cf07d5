"""Simulation: the models recover a known slope change and rate ratio.

100 seeded cohorts of :func:`mscohort.synthetic.make_model_cohort` (80 patients each, slope
change -0.3 EDSS/year, rate ratio 0.4, NB alpha 0.5) through the whole preparation
(per-patient outcomes, visits, counts); the 95% intervals must cover the truth in at least
90 of 100 (expected 95; below 90 has probability 0.028 for a correct 95% interval,
binomial(100, 0.95)). Slow and bounded: about a minute.
"""

from __future__ import annotations

import pytest

from mscohort.analyse.models.counts import before_after
from mscohort.analyse.models.data import count_data, trajectory_data
from mscohort.analyse.models.trajectory import fit_trajectory
from mscohort.definition import StudyDefinition
from mscohort.definition.models import ModelSettings
from mscohort.derive.outcomes import patient_outcomes
from mscohort.synthetic import make_model_cohort

SLOPE_CHANGE, RATE_RATIO = -0.3, 0.4


@pytest.mark.slow
def test_95_percent_intervals_cover_the_true_slope_change_and_rate_ratio() -> None:
    covered = {"change of slope": 0, "negative binomial (cluster-robust)": 0,
               "conditional Poisson": 0}
    d, s = StudyDefinition(), ModelSettings(group="")
    for seed in range(100):
        study = make_model_cohort(80, seed=seed, slope_change=SLOPE_CHANGE,
                                  rate_ratio=RATE_RATIO, dispersion=0.5)
        outcomes = patient_outcomes(study, d)
        fit = fit_trajectory(trajectory_data(study, outcomes, s))
        assert fit.converged, (seed, fit.note)
        change = fit.slopes.row(2, named=True)
        assert change["term"] == "change of slope"
        covered["change of slope"] += change["ci_low"] <= SLOPE_CHANGE <= change["ci_high"]
        rows, _ = before_after(count_data(outcomes), [])
        for r in rows:
            covered[r["model"]] += r["ci_low"] <= RATE_RATIO <= r["ci_high"]
    assert all(n >= 90 for n in covered.values()), covered
