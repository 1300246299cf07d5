"""Time to a confirmed EDSS milestone: hand-built histories and pymsprog.value_milestone."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest

from mscohort.derive.events import EventSettings
from mscohort.derive.events.milestones import milestone_times
from tests.events.cohorts import make_cohort
from tests.oracles import oracle

D0 = dt.date(2020, 1, 1)


def one(visits: list[tuple[int, float]], milestone: float, relapses: list[int] = (),
        **settings: object) -> dict:
    v = pl.DataFrame({"patient_id": ["P"] * len(visits),
                      "date": [D0 + dt.timedelta(days=d) for d, _ in visits],
                      "edss": [float(x) for _, x in visits]})
    r = pl.DataFrame({"patient_id": ["P"] * len(relapses),
                      "onset_date": [D0 + dt.timedelta(days=d) for d in relapses]},
                     schema={"patient_id": pl.String, "onset_date": pl.Date})
    return milestone_times(v, r, milestone, EventSettings(**settings)).row(0, named=True)


def test_confirmed_milestone_is_dated_at_its_first_visit() -> None:
    row = one([(0, 3.0), (100, 4.0), (200, 4.5)], 4.0)
    assert row["observed"] and row["date"] == D0 + dt.timedelta(100)
    assert row["time2event_days"] == 100 and row["value"] == 4.0


def test_unconfirmed_milestone_is_censored_at_the_last_visit() -> None:
    row = one([(0, 3.0), (100, 4.0), (200, 3.5)], 4.0)
    assert not row["observed"] and row["date"] == D0 + dt.timedelta(200)
    assert row["value"] is None and row["time2event_days"] == 200


def test_a_dip_restarts_the_search_after_it() -> None:
    row = one([(0, 3.0), (100, 6.0), (200, 5.5), (300, 6.0), (400, 6.5)], 6.0)
    assert row["observed"] and row["date"] == D0 + dt.timedelta(300)


def test_a_visit_near_a_relapse_may_not_confirm() -> None:
    assert not one([(0, 3.0), (100, 4.0), (200, 4.0)], 4.0, relapses=[190])["observed"]


@pytest.mark.slow
@pytest.mark.parametrize(("milestone", "kw"), [
    (4.0, {}), (6.0, {}), (4.0, {"require_sust_days": 200}),
    (6.0, {"relapse_to_event": (30, 0)}), (3.0, {"conf_days": (168,)}),
])
def test_milestones_equal_pymsprog(milestone: float, kw: dict) -> None:
    pymsprog = oracle("pymsprog")
    vis, rel = make_cohort(200, seed=5)
    v = vis.to_pandas()
    r = rel.sort("patient_id", "onset_date").to_pandas()
    v["date"] = pd.to_datetime(v["date"])
    r["onset_date"] = pd.to_datetime(r["onset_date"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # pymsprog.value_milestone(v, milestone, subj_col="patient_id", value_col="edss",
        #     date_col="date", outcome="edss", relapse=r, rdate_col="onset_date", ...)
        want = pymsprog.value_milestone(
            v, milestone, subj_col="patient_id", value_col="edss", date_col="date",
            outcome="edss", relapse=r, rdate_col="onset_date", worsening="increase",
            **{k: list(x) if isinstance(x, tuple) else x for k, x in kw.items()})
    want = pl.from_pandas(want.reset_index().rename(columns={"index": "patient_id"}))
    want = want.with_columns(pl.col("date").cast(pl.Date)).sort("patient_id")
    got = milestone_times(vis, rel, milestone, EventSettings(**kw, msprog_compat=True))
    got = got.sort("patient_id")
    assert got["observed"].to_list() == want["observed"].to_list()
    assert got["date"].equals(want["date"])
    np.testing.assert_array_equal(got["time2event_days"].to_numpy(),
                                  want["time2event"].to_numpy().astype(float))
