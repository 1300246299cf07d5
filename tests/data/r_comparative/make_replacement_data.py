"""Writes replacement_episodes.csv and replacement_relapses.csv (run from the repository
root; seeded): a cohort matched 1:1 with replacement as the design stage hands it to the
outcome stage, one row per episode and matched set: 40 matched sets, their controls drawn
with replacement from 22 control episodes (a reused control has one row per set, all with
its episode_id and patient_id), 3 patients with a treated and a control episode, and each
patient's relapse onsets. Columns of the episodes: episode_id, patient_id, treatment,
start_date, end_date, pair_id, weight (MatchIt's matching weight: the distinct matched
controls over the number of sets, on every control row)."""

import datetime as dt

import numpy as np
import polars as pl

rng = np.random.default_rng(20261201)
D0 = dt.date(2010, 1, 1)
n_sets, n_controls = 40, 22
control_patient = [f"P{i:03d}" for i in range(3)] + [f"C{i:03d}" for i in range(3, n_controls)]
control_start = rng.integers(0, 2000, n_controls)
control_len = rng.integers(200, 2500, n_controls)
chosen = rng.choice(n_controls, size=n_sets, replace=True)
scale = np.unique(chosen).size / n_sets
rows, patients = [], {}
for s in range(n_sets):
    start, length = int(rng.integers(0, 2000)), int(rng.integers(200, 2500))
    rows.append((f"T{s:03d}", f"P{s:03d}", 1, start, start + length, s, 1.0))
    c = int(chosen[s])
    rows.append((f"E{c:03d}", control_patient[c], 0, int(control_start[c]),
                 int(control_start[c] + control_len[c]), s, round(scale, 10)))
for _e, p, _t, start, end, _s, _w in rows:
    patients.setdefault(p, []).append((start, end))
onsets = []
for p, spans in sorted(patients.items()):
    lo, hi = min(a for a, _ in spans) - 300, max(b for _, b in spans) + 100
    rate = rng.gamma(2.0, 0.5) * (0.35 if p.startswith("P") else 0.7) / 365.25
    n = rng.poisson(rate * (hi - lo))
    onsets += [(p, int(d)) for d in rng.integers(lo, hi, n)]
# a relapse on a reused control's start day (not counted: it belongs to the time before)
onsets += [(control_patient[int(chosen[0])], int(control_start[chosen[0]]))]
pl.DataFrame({"episode_id": [r[0] for r in rows], "patient_id": [r[1] for r in rows],
              "treatment": [r[2] for r in rows],
              "start_date": [D0 + dt.timedelta(days=r[3]) for r in rows],
              "end_date": [D0 + dt.timedelta(days=r[4]) for r in rows],
              "pair_id": [r[5] for r in rows], "weight": [r[6] for r in rows]}
             ).write_csv("tests/data/r_comparative/replacement_episodes.csv")
pl.DataFrame({"patient_id": [p for p, _ in onsets],
              "onset_date": [D0 + dt.timedelta(days=d) for _, d in onsets]}
             ).unique(maintain_order=True).write_csv(
    "tests/data/r_comparative/replacement_relapses.csv")
