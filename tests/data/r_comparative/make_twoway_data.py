"""Writes twoway_data.csv (run from the repository root; seeded): a matched cohort in which
patients appear more than once, as `MatchIt::get_matches()` lays it out after matching with
replacement: 120 matched sets of one treated episode and two controls drawn with
replacement from 90 control episodes (a control reused across sets has one row per set),
episodes of 150 patients of whom 30 have episodes on both drugs. Columns: set, patient,
treat, w (MatchIt's matching weight split over the sets), y (relapses), years (follow-up),
T and E (time to event, tied on a 1/20 grid)."""

import numpy as np
import polars as pl

rng = np.random.default_rng(20261130)
n_sets, n_controls = 120, 90
# patients 0-119 have the treated episodes; control episodes 0-29 belong to patients
# 0-29 (episodes on both drugs), the other 60 to patients 120-179
control_patient = np.r_[np.arange(30), 120 + np.arange(60)]
control_frailty = rng.gamma(2.0, 0.5, n_controls)
rows = []
for s in range(n_sets):
    controls = rng.choice(n_controls, size=2, replace=False)
    rows.append((s, s, 1, -1))
    rows += [(s, int(control_patient[c]), 0, int(c)) for c in controls]
sets = np.array([r[0] for r in rows])
patient = np.array([r[1] for r in rows])
treat = np.array([r[2] for r in rows], float)
control = np.array([r[3] for r in rows])
# MatchIt's weights: a control weighs the sum over its sets of 1/2, scaled to sum to the
# number of distinct matched controls, and each row carries its share of that weight
times_used = np.bincount(control[control >= 0], minlength=n_controls)
matched = np.flatnonzero(times_used)
raw = times_used * 0.5
scale = matched.size / raw[matched].sum()
w = np.where(treat == 1, 1.0, 0.5 * scale)
frailty = np.where(treat == 1, rng.gamma(2.0, 0.5, sets.size),
                   control_frailty[np.maximum(control, 0)])
years = np.round(rng.uniform(0.5, 4.0, sets.size), 4)
y = rng.poisson(0.5 * frailty * years * np.where(treat == 1, 0.6, 1.0))
t = rng.exponential(1 / (0.4 * frailty * np.where(treat == 1, 0.7, 1.0)))
c = rng.uniform(0.5, 4.0, sets.size)
pl.DataFrame({"set": sets, "patient": patient, "treat": treat, "w": w.round(10), "y": y,
              "years": years, "T": np.ceil(np.minimum(t, c) * 20) / 20,
              "E": (t <= c).astype(int)}
             ).write_csv("tests/data/r_comparative/twoway_data.csv")
