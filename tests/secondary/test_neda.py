"""NEDA-3 on hand-built patients: each component, the window, the MRI re-baseline and what
makes the status unknown."""

from __future__ import annotations

from mscohort.definition import StudyDefinition, parse_definition
from mscohort.derive.neda import neda
from mscohort.derive.outcomes import patient_outcomes
from tests.secondary.build import day, study


def _neda(s, d: StudyDefinition | None = None) -> dict[str, dict]:
    d = d or StudyDefinition()
    out = neda(patient_outcomes(s, d), s.table("relapses"), s.table("mri"), d)
    return {r["patient_id"]: r for r in out.iter_rows(named=True)}


def test_relapses_inside_and_outside_the_window() -> None:
    s = study(["IN", "AFTER", "NONE"], relapses=[
        {"patient_id": "IN", "onset_date": day(400)},
        {"patient_id": "AFTER", "onset_date": day(731)},  # window: days 1-730 (730.5)
        {"patient_id": "NONE", "onset_date": day(0)}])  # on the index day: not after it
    r = _neda(s)
    assert r["IN"]["neda3"] is False and r["IN"]["neda_relapse"] is True
    assert r["AFTER"]["neda3"] is True and r["NONE"]["neda3"] is True
    assert r["NONE"]["neda_components"] == "relapses, confirmed disability worsening"


def test_confirmed_worsening_within_the_window_is_activity() -> None:
    edss = {"CDW": [(-10, 3.0), (200, 4.0), (300, 4.0), (800, 4.0)],  # +1.0 confirmed at 300
            "LATE": [(-10, 3.0), (740, 4.0), (830, 4.0)],  # worsening after the window
            "FLAT": [(-10, 3.0), (800, 3.0)]}
    r = _neda(study(list(edss), edss))
    assert r["CDW"]["neda_cdw"] is True and r["CDW"]["neda3"] is False
    assert r["LATE"]["neda_cdw"] is False and r["LATE"]["neda3"] is True
    assert r["FLAT"]["neda3"] is True


def test_short_follow_up_without_activity_is_unknown_but_activity_is_not() -> None:
    edss = {"SHORT": [(-10, 3.0), (500, 3.0)], "SHORT_RELAPSE": [(-10, 3.0), (500, 3.0)],
            "TOLERATED": [(-10, 3.0), (650, 3.0)]}  # 730.5 - 90 = 640.5 <= 650
    s = study(list(edss), edss, relapses=[{"patient_id": "SHORT_RELAPSE",
                                           "onset_date": day(100)}])
    r = _neda(s)
    assert r["SHORT"]["neda3"] is None
    assert r["SHORT"]["neda_reason"] == "follow-up shorter than the window"
    assert r["SHORT_RELAPSE"]["neda3"] is False
    assert r["TOLERATED"]["neda3"] is True


def test_mri_activity_after_the_rebaseline_within_the_window() -> None:
    mri = [{"patient_id": "GD", "date": day(100), "gd_enhancing": 1, "new_enlarging_t2": 0},
           {"patient_id": "GD", "date": day(400), "gd_enhancing": 0, "new_enlarging_t2": 0},
           {"patient_id": "QUIET", "date": day(365), "gd_enhancing": 0,
            "new_enlarging_t2": 0},
           {"patient_id": "T2_LATE", "date": day(800), "new_enlarging_t2": 2},
           {"patient_id": "NOCOUNT", "date": day(365)}]
    s = study(["GD", "QUIET", "T2_LATE", "NOCOUNT", "NOSCAN"], mri=mri)
    r = _neda(s)
    assert r["GD"]["neda_mri"] is True and r["GD"]["neda3"] is False
    assert r["QUIET"]["neda_mri"] is False and r["QUIET"]["neda3"] is True
    assert r["QUIET"]["neda_components"].endswith("MRI activity")
    for pid in ("T2_LATE", "NOCOUNT", "NOSCAN"):  # no usable scan in the window
        assert r[pid]["neda3"] is None and r[pid]["neda_reason"] == "no MRI scan in the window"
    # re-baselined at 6 months: the day-100 lesion no longer counts
    d = parse_definition({"neda": {"mri_rebaseline_days": 180}})
    assert _neda(s, d)["GD"]["neda3"] is True


def test_the_window_is_configurable() -> None:
    s = study(["A"], relapses=[{"patient_id": "A", "onset_date": day(400)}])
    d = parse_definition({"neda": {"window_days": 365.25}})
    assert _neda(s, d)["A"]["neda3"] is True
    assert _neda(s)["A"]["neda3"] is False
