"""MSFC z-scores, EDSS from functional systems, irreversible EDSS and completed years:
hand-computed examples from the published definitions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from mscohort import scores

D = dt.date


# -- completed years -------------------------------------------------------------------
@pytest.mark.parametrize(("start", "end", "years"), [
    (D(2000, 6, 15), D(2010, 6, 14), 9), (D(2000, 6, 15), D(2010, 6, 15), 10),
    (D(2000, 2, 29), D(2001, 2, 28), 0), (D(2000, 2, 29), D(2001, 3, 1), 1),
    (D(2010, 1, 1), D(2009, 6, 1), 0), (D(2010, 1, 1), D(2008, 6, 1), -1),
])
def test_completed_years_counts_anniversaries(start, end, years) -> None:
    assert scores.completed_years([start], [end]).tolist() == [years]


def test_completed_years_of_missing_dates_is_nan() -> None:
    assert np.isnan(scores.completed_years([None], [D(2000, 1, 1)])[0])


# -- irreversible EDSS -----------------------------------------------------------------
def test_irreversible_edss_is_the_lowest_later_value() -> None:
    frame = pl.DataFrame({
        "patient_id": ["a"] * 5 + ["b"] * 2,
        "date": [D(2000, 1, 1), D(2001, 1, 1), D(2002, 1, 1), D(2003, 1, 1), D(2004, 1, 1),
                 D(2000, 1, 1), D(2001, 1, 1)],
        "edss": [2.0, 4.0, 3.0, 5.0, 4.5, 6.0, 6.5],
    })
    assert scores.irreversible(frame).to_list() == [2.0, 3.0, 3.0, 4.5, 4.5, 6.0, 6.5]


# -- MSFC ------------------------------------------------------------------------------
def _msfc(**values: float | None) -> dict:
    cols = ["t25fw_1_s", "t25fw_2_s", "nhpt_dom_1_s", "nhpt_dom_2_s", "nhpt_nondom_1_s",
            "nhpt_nondom_2_s", "pasat3"]
    frame = pl.DataFrame({c: [values.get(c)] for c in cols},
                         schema=dict.fromkeys(cols, pl.Float64))
    return scores.msfc_scores(frame).row(0, named=True)


FULL = {"t25fw_1_s": 6.0, "t25fw_2_s": 7.0, "nhpt_dom_1_s": 20.0, "nhpt_dom_2_s": 22.0,
        "nhpt_nondom_1_s": 24.0, "nhpt_nondom_2_s": 26.0, "pasat3": 50.0}


def test_msfc_z_scores_by_hand() -> None:
    row = _msfc(**FULL)
    t25 = 6.5
    inv = (1 / 21 + 1 / 25) / 2  # 0.0438095...
    z_leg = -(t25 - 9.5353) / 11.4058
    z_arm = (inv - 0.0439) / 0.0101
    z_cog = (50 - 45.0311) / 12.0771
    assert row["t25fw_s"] == 6.5 and row["nhpt_inverse"] == pytest.approx(inv)
    assert row["z_t25fw"] == pytest.approx(z_leg) == pytest.approx(0.266119, abs=1e-6)
    assert row["z_9hpt"] == pytest.approx(z_arm) == pytest.approx(-0.009, abs=1e-3)
    assert row["z_pasat"] == pytest.approx(z_cog) == pytest.approx(0.411432, abs=1e-6)
    assert row["msfc_z"] == pytest.approx((z_leg + z_arm + z_cog) / 3)
    assert row["msfc_missing_reason"] is None


def test_msfc_one_valid_trial_is_used_alone() -> None:
    assert _msfc(**(FULL | {"t25fw_2_s": None}))["t25fw_s"] == 6.0


def test_9hpt_not_completed_scores_a_reciprocal_of_zero() -> None:
    row = _msfc(**(FULL | {"nhpt_nondom_1_s": 777.0, "nhpt_nondom_2_s": 777.0}))
    assert row["nhpt_inverse"] == pytest.approx((1 / 21 + 0) / 2)
    row = _msfc(**(FULL | {"nhpt_nondom_1_s": 300.0, "nhpt_nondom_2_s": None}))
    assert row["nhpt_inverse"] == pytest.approx((1 / 21 + 0) / 2)


def test_t25fw_not_completed_leaves_the_composite_missing_with_a_reason() -> None:
    row = _msfc(**(FULL | {"t25fw_1_s": 180.0, "t25fw_2_s": 180.0}))
    assert row["z_t25fw"] is None and row["msfc_z"] is None
    assert row["msfc_missing_reason"] == "t25fw_not_completed"


def test_missing_pasat_is_reported() -> None:
    assert _msfc(**(FULL | {"pasat3": None}))["msfc_missing_reason"] == "pasat_missing"


# -- EDSS from functional systems ------------------------------------------------------
FS = ("fs_pyramidal", "fs_cerebellar", "fs_brainstem", "fs_sensory", "fs_bowel_bladder",
      "fs_visual", "fs_cerebral")


def _edss(fs: tuple[int, ...], ambulation: int | None, recorded: float) -> dict:
    frame = pl.DataFrame(
        {**{c: [v] for c, v in zip(FS, fs, strict=True)}, "fs_ambulation": [ambulation],
         "edss": [recorded]},
        schema={**dict.fromkeys(FS, pl.Int64), "fs_ambulation": pl.Int64, "edss": pl.Float64},
    )
    return scores.edss_from_fs(frame).row(0, named=True)


# (pyramidal, cerebellar, brainstem, sensory, bowel/bladder, visual, cerebral), ambulation
@pytest.mark.parametrize(("fs", "amb", "edss"), [
    ((0, 0, 0, 0, 0, 0, 0), 0, 0.0),
    ((0, 0, 0, 0, 0, 0, 1), 0, 0.0),   # cerebral 1 (mood only) does not count
    ((1, 0, 0, 0, 0, 0, 0), 0, 1.0),   # one FS 1
    ((1, 1, 0, 0, 0, 0, 0), 0, 1.5),   # more than one FS 1
    ((2, 1, 0, 0, 0, 0, 0), 0, 2.0),   # one FS 2
    ((2, 2, 0, 0, 0, 0, 0), 0, 2.5),   # two FS 2
    ((2, 2, 2, 0, 0, 0, 0), 0, 3.0),   # three FS 2
    ((3, 1, 1, 0, 0, 0, 0), 0, 3.0),   # one FS 3
    ((3, 2, 0, 0, 0, 0, 0), 0, 3.5),   # one FS 3 + one FS 2
    ((3, 3, 0, 0, 0, 0, 0), 0, 3.5),   # two FS 3
    ((2, 2, 2, 2, 2, 0, 0), 0, 3.5),   # five FS 2
    ((3, 2, 2, 2, 0, 0, 0), 0, 4.0),   # one FS 3 + three FS 2 exceeds 3.5
    ((4, 1, 0, 0, 0, 0, 0), 0, 4.0),   # one FS 4
    ((4, 2, 0, 0, 0, 0, 0), 0, 5.0),   # exceeds 4.0
    ((5, 0, 0, 0, 0, 0, 0), 0, 5.0),   # one FS 5
    ((0, 0, 0, 0, 0, 6, 0), 0, 4.0),   # visual 6 converts to 4
    ((0, 0, 0, 0, 0, 3, 0), 0, 2.0),   # visual 3 converts to 2
    ((0, 0, 0, 0, 6, 0, 0), 0, 5.0),   # bowel/bladder 6 converts to 5
    ((0, 0, 0, 0, 4, 0, 0), 0, 3.0),   # bowel/bladder 4 converts to 3
    ((2, 1, 0, 0, 0, 0, 0), 2, 4.5),   # >= 300 m
    ((4, 2, 0, 0, 0, 0, 0), 2, 5.0),   # FS step 5.0 above the ambulation floor 4.5
    ((3, 2, 0, 0, 0, 0, 0), 4, 5.5),   # >= 100 m
    ((3, 2, 0, 0, 0, 0, 0), 6, 6.0),   # unilateral assistance
    ((3, 2, 0, 0, 0, 0, 0), 9, 6.5),   # bilateral assistance < 120 m
    ((4, 3, 0, 0, 0, 0, 0), 10, 7.0),  # wheelchair, transfers alone
    ((4, 3, 0, 0, 0, 0, 0), 11, 7.5),
])
def test_edss_step_from_fs_and_ambulation(fs, amb, edss) -> None:
    row = _edss(fs, amb, edss)
    assert row["edss_fs"] == edss and row["edss_fs_check"] == "consistent"


def test_a_recorded_edss_that_the_fs_do_not_support_is_inconsistent() -> None:
    assert _edss((2, 1, 0, 0, 0, 0, 0), 0, 3.0)["edss_fs_check"] == "inconsistent"


def test_ambulation_12_means_edss_8_or_more() -> None:
    assert _edss((5, 4, 2, 3, 4, 1, 2), 12, 9.0)["edss_fs_check"] == "consistent"
    assert _edss((5, 4, 2, 3, 4, 1, 2), 12, 7.5)["edss_fs_check"] == "inconsistent"


def test_without_ambulation_only_an_edss_up_to_4_is_checked() -> None:
    low = _edss((2, 2, 0, 0, 0, 0, 0), None, 2.5)
    assert low["edss_fs"] is None and low["edss_fs_reason"] == "ambulation_missing"
    assert low["edss_fs_check"] == "consistent"
    assert _edss((2, 2, 0, 0, 0, 0, 0), None, 6.0)["edss_fs_check"] == "not_checked"


def test_a_missing_fs_is_not_checked() -> None:
    frame = pl.DataFrame({"edss": [2.0], "fs_pyramidal": [2]})
    row = scores.edss_from_fs(frame).row(0, named=True)
    assert row["edss_fs_reason"] == "fs_missing" and row["edss_fs_check"] == "not_checked"
