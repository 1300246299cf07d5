"""Pairwise-censored follow-up and relapse counts of a comparison cohort (Kalincik 2017)."""

from __future__ import annotations

import pytest

from mscohort.analyse.comparative.followup import first_relapse, follow_up
from mscohort.errors import InvalidArgumentError
from tests.comparative.toy import cohort, day, relapses

# pair 1: 1:1, follow-ups 400 and 100 days -> both 100
# pair 2: 1:2, follow-ups 300, 200, 500 -> all 200 (the shortest of the set)
ROWS = [("t1", "a", 1, 0, None, 400, 1, 1.0), ("c1", "b", 0, 10, None, 110, 1, 1.0),
        ("t2", "c", 1, 0, 250, 300, 2, 1.0), ("c2", "d", 0, 5, None, 205, 2, 0.5),
        ("c3", "e", 0, 0, None, 500, 2, 0.5)]
REL = relapses([("a", 0), ("a", 50), ("a", 100), ("a", 101), ("b", 110), ("e", 200),
                ("e", 201), ("z", 30)])


def test_pairwise_censoring_follows_each_set_for_its_shortest_follow_up() -> None:
    t = follow_up(cohort(ROWS), REL).table.sort("episode_id")
    got = dict(zip(t["episode_id"], t["fu_days"], strict=True))
    assert got == {"t1": 100.0, "c1": 100.0, "t2": 200.0, "c2": 200.0, "c3": 200.0}
    assert t.filter(episode_id="c2")["fu_end"].item() == day(205)
    assert t.filter(episode_id="t1")["fu_years"].item() == pytest.approx(100 / 365.25, 1e-12)


def test_relapses_are_counted_after_the_start_day_up_to_the_end_day() -> None:
    t = follow_up(cohort(ROWS), REL).table
    got = dict(zip(t["episode_id"], t["relapses"], strict=True))
    # a: day 0 is the start day (not counted), 50 and 100 counted, 101 after the end
    # b: day 110 is the last day of follow-up (start 10 + 100); e: day 200 counted, 201 not
    assert got == {"t1": 2, "c1": 1, "t2": 0, "c2": 0, "c3": 1}


def test_censoring_at_stop_ends_follow_up_at_the_switch_before_pairing() -> None:
    t = follow_up(cohort(ROWS), REL, censor_at_stop=True).table
    got = dict(zip(t["episode_id"], t["fu_days"], strict=True))
    assert got["t2"] == got["c2"] == got["c3"] == 200.0  # stop at 250 > shortest 200
    t = follow_up(cohort(ROWS), REL, censor_at_stop=True, pairwise=False).table
    got = dict(zip(t["episode_id"], t["fu_days"], strict=True))
    assert got == {"t1": 400.0, "c1": 100.0, "t2": 250.0, "c2": 200.0, "c3": 500.0}


def test_weighted_design_is_not_pairwise_censored() -> None:
    rows = [(*r[:6], None, r[7]) for r in ROWS]
    f = follow_up(cohort(rows, "iptw"), REL)
    assert not f.pairwise
    assert f.table["fu_days"].to_list() == [400.0, 100.0, 300.0, 200.0, 500.0]
    assert "pairwise" not in f.methods()


def test_pairwise_censoring_without_pair_ids_is_refused() -> None:
    rows = [(*r[:6], None, r[7]) for r in ROWS]
    with pytest.raises(InvalidArgumentError, match="`pairwise` must be False"):
        follow_up(cohort(rows, "iptw"), REL, pairwise=True)


def test_episode_ending_before_its_start_is_named() -> None:
    rows = [("t1", "a", 1, 10, None, 5, None, 1.0)]
    with pytest.raises(InvalidArgumentError, match=r"1 episode.*ending before.*t1"):
        follow_up(cohort(rows, "none"), REL)


def test_first_relapse_time_is_the_first_onset_in_follow_up_else_censored() -> None:
    f = follow_up(cohort(ROWS), REL)
    t = first_relapse(f, REL).sort("episode_id")
    got = {e: (tm, ev) for e, tm, ev in t.drop("row_key").iter_rows()}
    assert got == {"t1": (50.0, True), "c1": (100.0, True), "t2": (200.0, False),
                   "c2": (200.0, False), "c3": (200.0, True)}
