"""Generated cohorts for comparing event detection with pymsprog (seeded)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

STEPS = np.array([0, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5])


def make_cohort(n_patients: int, seed: int, visits: tuple[int, int] = (4, 16),
                relapse_rate: float = 0.6) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Visits (patient_id, date, edss) and relapses (patient_id, onset_date).

    EDSS follows a random walk on the EDSS steps with occasional jumps, visits every
    60-200 days, relapses at a Poisson rate per year, some on visit days.
    """
    rng = np.random.default_rng(seed)
    start = dt.date(2015, 1, 1)
    rows, rel = [], []
    for p in range(n_patients):
        pid = f"S{p:05d}"
        n = int(rng.integers(*visits))
        gaps = rng.integers(60, 200, n)
        gaps[0] = rng.integers(0, 400)
        days = np.cumsum(gaps)
        level = int(rng.integers(0, 14))
        for d in days:
            move = rng.choice([-2, -1, 0, 0, 0, 1, 1, 2, 3], p=[.05, .15, .3, .1, .1, .15, .05,
                                                                 .07, .03])
            level = int(np.clip(level + move, 0, len(STEPS) - 1))
            rows.append((pid, start + dt.timedelta(days=int(d)), float(STEPS[level])))
        span_years = (days[-1] - days[0] + 400) / 365.25
        for _ in range(rng.poisson(relapse_rate * span_years)):
            if rng.random() < 0.2:
                d = int(rng.choice(days))  # on a visit day
            else:
                d = int(rng.integers(days[0] - 400, days[-1] + 30))
            rel.append((pid, start + dt.timedelta(days=d)))
    visits_df = pl.DataFrame(rows, schema=["patient_id", "date", "edss"], orient="row")
    rel_df = pl.DataFrame(rel, schema=["patient_id", "onset_date"], orient="row").unique()
    return visits_df, rel_df
