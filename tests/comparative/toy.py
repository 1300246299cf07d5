"""Hand-built comparison cohorts for the outcome stage (#25 part 2): each episode an edge case."""

from __future__ import annotations

import datetime as dt

import polars as pl

from mscohort.analyse.comparative.cohort import COHORT_SCHEMA, ComparisonCohort

D0 = dt.date(2020, 1, 1)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def episodes(rows: list[tuple]) -> pl.DataFrame:
    """Rows of (episode_id, patient_id, treatment, start, stop or None, end, pair_id,
    weight), days from 2020-01-01."""
    data = [{"episode_id": e, "patient_id": p, "treatment": t,
             "drug": "alemtuzumab" if t else "natalizumab", "start_date": day(s),
             "stop_date": None if st is None else day(st), "end_date": day(en),
             "pair_id": pair, "weight": w, "ps": 0.5}
            for e, p, t, s, st, en, pair, w in rows]
    return pl.DataFrame(data, schema=COHORT_SCHEMA, orient="row")


def cohort(rows: list[tuple], design: str = "match") -> ComparisonCohort:
    return ComparisonCohort(episodes(rows), design, "alemtuzumab", "natalizumab")


def relapses(rows: list[tuple[str, int]]) -> pl.DataFrame:
    return pl.DataFrame({"patient_id": [p for p, _ in rows],
                         "onset_date": [day(n) for _, n in rows]},
                        schema={"patient_id": pl.String, "onset_date": pl.Date})
