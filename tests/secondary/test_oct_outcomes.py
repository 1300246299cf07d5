"""OCT change per eye and per patient, and the optic-neuritis eye rule, by hand."""

from __future__ import annotations

import polars as pl
import pytest

from mscohort.definition import parse_definition
from mscohort.derive.oct_outcomes import oct_eyes, oct_outcomes
from tests.secondary.build import D0, day, frame

INDEX = pl.DataFrame({"patient_id": ["A"], "index_date": [D0]})


def _scans() -> pl.DataFrame:
    # both eyes scanned on day -30 (baseline) and day 700: 730 days apart
    return frame("oct", [
        {"patient_id": "A", "date": day(-30), "eye": "OD", "rnfl_um": 95.0, "gcipl_um": 80.0},
        {"patient_id": "A", "date": day(700), "eye": "OD", "rnfl_um": 92.0, "gcipl_um": 78.5},
        {"patient_id": "A", "date": day(-30), "eye": "OS", "rnfl_um": 80.0,
         "optic_neuritis": True},
        {"patient_id": "A", "date": day(700), "eye": "OS", "rnfl_um": 74.0},
    ])


def _d(mode: str):
    return parse_definition({"oct": {"optic_neuritis_eyes": mode}})


def test_change_and_annualised_change_per_eye() -> None:
    eyes = oct_eyes(_scans(), INDEX, _d("include"))
    od = eyes.filter(pl.col("eye") == "OD").row(0, named=True)
    assert od["rnfl_um_change"] == pytest.approx(-3.0)
    assert od["rnfl_um_change_per_year"] == pytest.approx(-3.0 / (730 / 365.25))
    assert od["gcipl_um_change"] == pytest.approx(-1.5)
    os_ = eyes.filter(pl.col("eye") == "OS").row(0, named=True)
    assert os_["optic_neuritis"] is True and os_["rnfl_um_change"] == pytest.approx(-6.0)


def test_optic_neuritis_eyes_are_excluded_by_default() -> None:
    d = parse_definition({})
    assert d.secondary.optic_neuritis_eyes == "exclude"
    assert oct_eyes(_scans(), INDEX, d)["eye"].to_list() == ["OD"]
    r = oct_outcomes(_scans(), INDEX, d).row(0, named=True)
    assert r["oct_eyes"] == 1 and r["rnfl_um_change"] == pytest.approx(-3.0)


def test_optic_neuritis_eyes_analysed_apart_are_never_averaged_in() -> None:
    eyes = oct_eyes(_scans(), INDEX, _d("separate"))
    assert dict(zip(eyes["eye"], eyes["eye_group"], strict=True)) == {
        "OD": "eyes without optic neuritis", "OS": "optic-neuritis eyes"}
    r = oct_outcomes(_scans(), INDEX, _d("separate")).row(0, named=True)
    assert r["oct_eyes"] == 1 and r["rnfl_um_baseline"] == 95.0


def test_included_eyes_are_averaged_per_patient() -> None:
    r = oct_outcomes(_scans(), INDEX, _d("include")).row(0, named=True)
    assert r["oct_eyes"] == 2
    assert r["rnfl_um_baseline"] == pytest.approx((95 + 80) / 2)
    assert r["rnfl_um_change"] == pytest.approx((-3 - 6) / 2)
    assert r["rnfl_um_change_per_year"] == pytest.approx(-4.5 * 365.25 / 730)
    assert r["gcipl_um_change"] == pytest.approx(-1.5)  # only OD has a GCIPL


def test_an_eye_without_a_follow_up_scan_is_not_averaged() -> None:
    scans = _scans().filter(~((pl.col("eye") == "OD") & (pl.col("date") == day(700))))
    r = oct_outcomes(scans, INDEX, _d("include")).row(0, named=True)
    assert r["oct_eyes"] == 1 and r["rnfl_um_change"] == pytest.approx(-6.0)


def test_an_unknown_optic_neuritis_setting_is_a_usage_error() -> None:
    from mscohort.errors import UsageError

    with pytest.raises(UsageError, match=r"oct\.optic_neuritis_eyes` must be one of"):
        _d("pool")
