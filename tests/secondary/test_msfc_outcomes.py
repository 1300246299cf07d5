"""MSFC outcomes per patient against hand calculations (Fischer et al. 1999 reference)."""

from __future__ import annotations

import math

import polars as pl
import pytest

from mscohort.definition import StudyDefinition, TimePoint, parse_definition
from mscohort.derive.msfc_outcomes import msfc_outcomes
from tests.secondary.build import D0, day, frame


def _msfc(rows: list[tuple[int, float, float, float, int]]) -> pl.DataFrame:
    """(day, T25FW s, 9-HPT dominant s, 9-HPT other s, PASAT) with equal trials."""
    return frame("msfc", [
        {"patient_id": "A", "date": day(k), "t25fw_1_s": t, "t25fw_2_s": t,
         "nhpt_dom_1_s": h1, "nhpt_dom_2_s": h1, "nhpt_nondom_1_s": h2,
         "nhpt_nondom_2_s": h2, "pasat3": p} for k, t, h1, h2, p in rows])


INDEX = pl.DataFrame({"patient_id": ["A"], "index_date": [D0]})


def _one(rows, d: StudyDefinition | None = None) -> dict:
    return msfc_outcomes(_msfc(rows), INDEX, d or StudyDefinition()).row(0, named=True)


def test_scores_change_and_percent_change_by_hand() -> None:
    r = _one([(-7, 5.0, 20.0, 25.0, 50), (365, 6.0, 22.0, 25.0, 44)])
    z_t25 = lambda t: -(t - 9.5353) / 11.4058  # noqa: E731
    z_hpt = lambda a, b: ((1 / a + 1 / b) / 2 - 0.0439) / 0.0101  # noqa: E731
    z_pas = lambda p: (p - 45.0311) / 12.0771  # noqa: E731
    base = (z_t25(5.0) + z_hpt(20, 25) + z_pas(50)) / 3
    follow = (z_t25(6.0) + z_hpt(22, 25) + z_pas(44)) / 3
    assert r["msfc_z_baseline"] == pytest.approx(base)
    assert r["msfc_z_change"] == pytest.approx(follow - base)
    assert r["z_t25fw_change"] == pytest.approx(z_t25(6.0) - z_t25(5.0))
    assert r["z_9hpt_change"] == pytest.approx(z_hpt(22, 25) - z_hpt(20, 25))
    assert r["pasat3_change"] == -6
    assert r["t25fw_percent_change"] == pytest.approx(20.0)  # 6.0 / 5.0 - 1
    assert r["nhpt_percent_change"] == pytest.approx(100 * (23.5 / 22.5 - 1))
    assert r["t25fw_worsened"] is True  # exactly 20% slower counts
    assert r["nhpt_worsened"] is False and r["msfc_worsened"] is True


def test_just_under_the_threshold_is_not_a_worsening_and_the_threshold_is_configurable() -> None:
    rows = [(-7, 5.0, 20.0, 20.0, 50), (365, 5.99, 24.5, 24.5, 50)]
    r = _one(rows)
    assert r["t25fw_worsened"] is False and r["nhpt_worsened"] is True  # 22.5% slower
    d = parse_definition({"msfc": {"worsening_percent": 25}})
    r = _one(rows, d)
    assert r["t25fw_worsened"] is False and r["nhpt_worsened"] is False
    assert r["msfc_worsened"] is False


def test_a_test_no_longer_completed_is_a_worsening() -> None:
    # 777 = not completed because of disability (MSFC manual); the walk has no z-score
    r = _one([(-7, 5.0, 20.0, 20.0, 50), (365, 777.0, 20.0, 300.0, 50)])
    assert r["t25fw_worsened"] is True and r["nhpt_worsened"] is True
    assert r["t25fw_s_followup"] is None and r["msfc_z_followup"] is None
    # the 9-HPT hand that failed scores 1/time = 0: z = ((1/20 + 0) / 2 - 0.0439) / 0.0101
    assert r["z_9hpt_change"] == pytest.approx(((0.025 - 0.0439) - (0.05 - 0.0439)) / 0.0101)


def test_baseline_is_closest_to_index_and_follow_up_is_the_last_after_it() -> None:
    # -200 and -20 before index, +1 on day 1 (after index: not baseline with after_index 0)
    r = _one([(-200, 9.0, 20, 20, 40), (-20, 5.0, 20, 20, 50), (100, 5.5, 20, 20, 50),
              (400, 6.5, 20, 20, 50)])
    assert r["msfc_date_baseline"] == day(-20) and r["msfc_date_followup"] == day(400)
    assert r["t25fw_s_baseline"] == 5.0 and r["t25fw_percent_change"] == pytest.approx(30.0)


def test_no_baseline_in_the_window_gives_no_change() -> None:
    r = _one([(-400, 5.0, 20, 20, 50), (365, 5.5, 20, 20, 50)])
    assert r["msfc_z_baseline"] is None and r["msfc_z_change"] is None
    assert r["t25fw_worsened"] is None and r["msfc_worsened"] is None


def test_change_at_each_time_point_of_the_definition() -> None:
    d = StudyDefinition(timepoints=(TimePoint("12 months", days=365, window_days=60),))
    r = _one([(-7, 5.0, 20, 20, 50), (330, 5.0, 20, 20, 38), (700, 5.0, 20, 20, 30)], d)
    assert r["msfc_z_change_12_months"] == pytest.approx((38 - 50) / 12.0771 / 3)
    assert math.isclose(r["msfc_z_change"], (30 - 50) / 12.0771 / 3)
