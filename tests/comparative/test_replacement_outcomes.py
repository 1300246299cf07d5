"""Outcomes of a cohort matched with replacement or 1:k: a reused control has one row per
matched set, all with its episode_id, and each row counts its own relapses, first relapse,
disability events and discontinuation once (review of #25, finding 1). Hand counts here;
the rate ratio and hazard ratio against R on a committed fixture (replacement.R)."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from scipy import stats

from mscohort.analyse.comparative.cohort import COHORT_SCHEMA, ComparisonCohort
from mscohort.analyse.comparative.episode_events import (
    disability_times,
    discontinuation_times,
)
from mscohort.analyse.comparative.followup import first_relapse, follow_up
from mscohort.analyse.comparative.outcomes import relapse_rate_rows, time_to_event_rows
from mscohort.derive.events import EventSettings
from tests.comparative.toy import cohort, day, relapses

R_DIR = Path(__file__).parents[1] / "data" / "r_comparative"

# control c1 (patient c) reused in sets 1 and 2; pairwise censoring ends set 1 on day 400
# and set 2 on day 250
REUSED = [("t1", "a", 1, 0, None, 400, 1, 1.0), ("c1", "c", 0, 0, 320, 1000, 1, 1.0),
          ("t2", "b", 1, 0, None, 250, 2, 1.0), ("c1", "c", 0, 0, 320, 1000, 2, 1.0)]
REL = relapses([("a", 50), ("c", 100), ("c", 350), ("c", 500)])


def _by_row(table: pl.DataFrame, column: str) -> dict[tuple[str, int], object]:
    return {(e, p): v for e, p, v in table.select("episode_id", "pair_id", column).iter_rows()}


def test_a_reused_control_counts_the_relapses_of_each_matched_set_once() -> None:
    fu = follow_up(cohort(REUSED), REL)
    # c's relapses on days 100, 350 and 500: set 1 (to day 400) has 100 and 350, set 2
    # (to day 250) has 100; not 3 on both rows (the relapses of both rows together)
    assert _by_row(fu.table, "relapses") == {("t1", 1): 1, ("c1", 1): 2, ("t2", 2): 0,
                                             ("c1", 2): 1}
    assert fu.table["row_key"].to_list() == ["t1#1", "c1#1", "t2#2", "c1#2"]
    rates = relapse_rate_rows(cohort(REUSED), fu).row(0, named=True)
    assert rates["events_treated"] == 1 and rates["events_control"] == 3
    # control ARR: 3 relapses over 400 + 250 days
    assert rates["rate_control"] == pytest.approx(3 / (650 / 365.25), abs=1e-12)


def test_a_reused_control_has_one_time_to_event_row_per_matched_set() -> None:
    c = cohort(REUSED)
    fu = follow_up(c, REL)
    first = first_relapse(fu, REL)
    assert first.height == 4
    assert {(k, t, e) for k, t, e in first.select("row_key", "time_days", "event")
            .iter_rows()} == {("t1#1", 50.0, True), ("c1#1", 100.0, True),
                              ("t2#2", 250.0, False), ("c1#2", 100.0, True)}
    # discontinuation: c stopped on day 320, inside set 1's follow-up, after set 2's
    stop = discontinuation_times(fu)
    assert {(k, t, e) for k, t, e in stop.select("row_key", "time_days", "event")
            .iter_rows()} == {("t1#1", 400.0, False), ("c1#1", 320.0, True),
                              ("t2#2", 250.0, False), ("c1#2", 250.0, False)}
    for times in (first, stop):
        row = time_to_event_rows(c, fu, times, "x").table.row(0, named=True)
        # rows, not a many-to-many join of the reused control's two rows (4 control rows)
        assert row["events_treated"] + row["events_control"] == int(times["event"].sum())
    row = time_to_event_rows(c, fu, first, "first_relapse").table.row(0, named=True)
    # weighted (weights 1) years to the first relapse or censoring: 100 + 100 days
    assert row["weighted_years_control"] == pytest.approx(200 / 365.25, abs=1e-12)


def test_a_reused_control_has_its_disability_events_per_matched_set() -> None:
    edss = pl.DataFrame({"patient_id": ["c", "c", "c", "a", "a", "b"],
                         "date": [day(-10), day(100), day(280), day(-5), day(200), day(-5)],
                         "edss": [2.0, 3.0, 3.0, 2.0, 2.0, 2.0]})
    fu = follow_up(cohort(REUSED), REL)
    times, without = disability_times(fu, edss, None, EventSettings())
    # c worsens on day 100, confirmed on day 280 (180 days, >= 168): within set 1's
    # follow-up (day 400), after set 2's (day 250): censored there
    assert without == 0
    assert {(k, t, e) for k, t, e in times.select("row_key", "time_days", "event")
            .iter_rows()} == {("t1#1", 400.0, False), ("c1#1", 100.0, True),
                              ("t2#2", 250.0, False), ("c1#2", 250.0, False)}


def test_one_to_two_matching_counts_each_control_in_its_set() -> None:
    # set 1: t1 and controls c1, c2 (pairwise end day 300); set 2: t2 and c2 (reused) and c3
    rows = [("t1", "a", 1, 0, None, 300, 1, 1.0), ("c1", "c", 0, 0, None, 900, 1, 0.5),
            ("c2", "d", 0, 0, None, 800, 1, 0.5), ("t2", "b", 1, 0, None, 700, 2, 1.0),
            ("c2", "d", 0, 0, None, 800, 2, 0.5), ("c3", "e", 0, 0, None, 900, 2, 0.5)]
    rel = relapses([("c", 200), ("d", 100), ("d", 600), ("e", 650), ("e", 800),
                    ("b", 10)])
    c = cohort(rows)
    fu = follow_up(c, rel)
    # set 1 to day 300: c 200 (1), d 100 (1); set 2 to day 700: d 100 and 600 (2), e 650 (1)
    assert _by_row(fu.table, "relapses") == {("t1", 1): 0, ("c1", 1): 1, ("c2", 1): 1,
                                             ("t2", 2): 1, ("c2", 2): 2, ("c3", 2): 1}
    t = relapse_rate_rows(c, fu).row(0, named=True)
    # weighted control ARR: 0.5 (1 + 1 + 2 + 1) / (0.5 (300 + 300 + 700 + 700) / 365.25)
    assert t["rate_control"] == pytest.approx(2.5 / (1000 / 365.25), abs=1e-12)
    assert t["n_control"] == 3  # episodes c1, c2, c3; c2 is two rows
    first = first_relapse(fu, rel)
    assert _by_row(first.join(fu.table.select("row_key", "pair_id"), on="row_key"),
                   "time_days") == {("t1", 1): 300.0, ("c1", 1): 200.0, ("c2", 1): 100.0,
                                    ("t2", 2): 10.0, ("c2", 2): 100.0, ("c3", 2): 650.0}


def test_outcomes_of_a_cohort_matched_with_replacement_against_R() -> None:
    # R: tests/data/r_comparative/replacement.R recounts each row's relapses from the raw
    # relapses and fits glm(poisson, weights) with vcovCL(~pair_id + patient_id, "HC1"),
    # a t(min(G) - 1) interval, and coxph with Austin and Cafri's two-way variance
    ep = pl.read_csv(R_DIR / "replacement_episodes.csv", try_parse_dates=True)
    rel = pl.read_csv(R_DIR / "replacement_relapses.csv", try_parse_dates=True)
    ref = pl.read_csv(R_DIR / "replacement_expected.csv").row(0, named=True)
    table = ep.with_columns(drug=pl.lit("x"), stop_date=pl.lit(None, pl.Date),
                            ps=pl.lit(0.5)).select(
        [pl.col(c).cast(t) for c, t in COHORT_SCHEMA.items()])
    c = ComparisonCohort(table, "match", "alemtuzumab", "natalizumab")
    assert ep["episode_id"].n_unique() < ep.height  # controls reused
    fu = follow_up(c, rel)
    rr = relapse_rate_rows(c, fu).row(0, named=True)
    assert rr["model"] == "Poisson, CR1 errors by matched set and patient (two-way)"
    assert rr["events_control"] == ref["events_control"]
    assert rr["events_treated"] == ref["events_treated"]
    assert rr["rate_control"] == pytest.approx(ref["rate_control"], abs=1e-9)
    assert rr["estimate"] == pytest.approx(ref["rate_ratio"], abs=1e-6)
    assert rr["ci_low"] == pytest.approx(ref["rr_low"], abs=1e-6)
    assert rr["ci_high"] == pytest.approx(ref["rr_high"], abs=1e-6)
    hr = time_to_event_rows(c, fu, first_relapse(fu, rel), "first_relapse").table.row(
        0, named=True)
    assert hr["events_control"] == ref["first_events_control"]
    assert hr["estimate"] == pytest.approx(ref["hr"], abs=1e-6)
    assert math.log(hr["ci_high"] / hr["ci_low"]) / (2 * stats.norm.ppf(0.975)) == pytest.approx(
        math.sqrt(ref["hr_var"]), abs=1e-6)
