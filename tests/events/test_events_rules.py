"""Hand-built patient histories, one rule each, with the expected events written out.

Days are counted from 2020-01-01. Unless a test says otherwise the settings are msprog's
defaults: fixed baseline, first CDW, confirmation at 84 days (-7 / +730.5), EDSS threshold
+1.5 from 0, +1.0 up to 5.0, +0.5 above 5.0.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from mscohort.derive.events import EventSettings, detect_events
from mscohort.derive.events.presets import PRESETS
from mscohort.errors import InvalidArgumentError

D0 = dt.date(2020, 1, 1)


def history(visits: list[tuple[int, float]], relapses: list[int] = (), *,
            value: str = "edss", **settings: object):
    v = pl.DataFrame({"patient_id": ["P"] * len(visits),
                      "date": [D0 + dt.timedelta(days=d) for d, _ in visits],
                      value: [float(x) for _, x in visits]})
    r = pl.DataFrame({"patient_id": ["P"] * len(relapses),
                      "onset_date": [D0 + dt.timedelta(days=d) for d in relapses]},
                     schema={"patient_id": pl.String, "onset_date": pl.Date})
    return detect_events(v, r, EventSettings(**settings), value=value)  # type: ignore[arg-type]


def found(result) -> list[tuple[str, str | None, int]]:
    """(event type, CDW type, day of onset) of each event."""
    return [(r["event_type"], r["cdw_type"], (r["date"] - D0).days)
            for r in result.events.iter_rows(named=True)]


def test_worsening_confirmed_at_12_weeks() -> None:
    r = history([(0, 2.0), (90, 3.0), (180, 3.0)])
    assert found(r) == [("CDW", None, 90)]
    ev = r.events.row(0, named=True)
    assert (ev["bl_value"], ev["conf84_date"], ev["sust_last"]) == (2.0, D0 + dt.timedelta(180),
                                                                   True)


def test_a_change_that_reverts_is_unconfirmed() -> None:
    r = history([(0, 2.0), (90, 3.0), (180, 2.0)])
    assert found(r) == []
    assert r.unconfirmed.select("value", "bl_value").rows() == [(3.0, 2.0)]


@pytest.mark.parametrize(("start", "end", "event"), [
    (0.0, 1.0, False), (0.0, 1.5, True),     # +1.5 needed from 0
    (5.0, 5.5, False), (5.0, 6.0, True),     # +1.0 up to 5.0
    (5.5, 6.0, True),                         # +0.5 above 5.0
])
def test_edss_thresholds_depend_on_the_reference(start: float, end: float, event: bool) -> None:
    r = history([(0, start), (90, end), (180, end)])
    assert bool(found(r)) is event


def test_the_5_5_threshold_variant() -> None:
    r = history([(0, 5.5), (90, 6.0), (180, 6.0)], delta="edss_5.5")
    assert found(r) == []  # +1.0 needed up to 5.5
    assert found(history([(0, 5.5), (90, 6.5), (180, 6.5)], delta="edss_5.5"))


@pytest.mark.parametrize(("conf_day", "confirmed"), [(90 + 76, False), (90 + 77, True),
                                                     (90 + 814, True), (90 + 815, False)])
def test_confirmation_window_is_84_days_minus_7_plus_730_5(conf_day: int,
                                                           confirmed: bool) -> None:
    r = history([(0, 2.0), (90, 3.0), (conf_day, 3.0)])
    assert bool(found(r)) is confirmed


def test_intermediate_visits_must_confirm_unless_told_otherwise() -> None:
    visits = [(0, 2.0), (90, 3.0), (120, 2.5), (200, 3.0)]
    assert found(history(visits)) == []
    assert found(history(visits, check_intermediate=False)) == [("CDW", None, 90)]


def test_a_visit_within_30_days_after_a_relapse_cannot_confirm() -> None:
    visits = [(0, 2.0), (90, 3.0), (180, 3.0), (260, 3.0)]
    r = history(visits, relapses=[170])
    assert found(r) == [("CDW", None, 90)]
    assert r.events["conf84_date"].to_list() == [D0 + dt.timedelta(260)]


def test_raw_within_90_days_after_a_relapse_else_pira() -> None:
    visits = [(0, 2.0), (90, 3.0), (180, 3.0)]
    assert found(history(visits, relapses=[60], raw_pira=True)) == [("CDW", "RAW", 90)]
    assert found(history(visits, raw_pira=True)) == [("CDW", "PIRA", 90)]
    # relapse 95 days before onset: not RAW (> 90) and outside PIRA's 90-day window
    later = [(0, 2.0), (150, 3.0), (240, 3.0)]
    assert found(history(later, relapses=[55], raw_pira=True)) == [("CDW", "PIRA", 150)]


def test_worsening_neither_raw_nor_pira_is_undefined() -> None:
    # relapse 20 days after onset: inside PIRA's "30 days after the event" window
    r = history([(0, 2.0), (90, 3.0), (200, 3.0)], relapses=[110], raw_pira=True)
    assert found(r) == [("CDW", "undefined", 90)]


def test_fixed_and_roving_baselines() -> None:
    visits = [(0, 2.0), (90, 3.0), (180, 3.0), (270, 4.0), (360, 4.0)]
    fixed = history(visits, event="multiple")
    roving = history(visits, event="multiple", baseline="roving")
    # fixed: the second change (4.0 at day 270) is measured from 2.0; roving: from 3.0
    assert found(fixed) == [("CDW", None, 90), ("CDW", None, 270)]
    assert fixed.events["bl_value"].to_list() == [2.0, 2.0]
    assert roving.events["bl_value"].to_list() == [2.0, 3.0]  # re-set to the confirmation


def test_first_cdi() -> None:
    r = history([(0, 4.0), (90, 3.0), (180, 3.0)], event="firstCDI")
    assert found(r) == [("CDI", None, 90)]


def test_sustained_to_the_end_drops_a_later_reverting_worsening() -> None:
    visits = [(0, 2.0), (90, 3.0), (180, 3.0), (400, 2.0)]
    assert found(history(visits)) == [("CDW", None, 90)]
    assert found(history(visits, require_sust_days=float("inf"))) == []
    assert found(history(visits, require_sust_days=300)) == [("CDW", None, 90)]
    assert found(history(visits, require_sust_days=311)) == []  # reverted at day 400


def test_relapses_before_the_first_visit_count_unlike_msprog() -> None:
    # relapse 40 days before the first visit; worsening 85 days after that relapse
    visits = [(0, 2.0), (45, 3.0), (135, 3.0)]
    assert found(history(visits, relapses=[-40], raw_pira=True)) == [("CDW", "RAW", 45)]
    assert found(history(visits, relapses=[-40], raw_pira=True, msprog_compat=True)) == [
        ("CDW", "PIRA", 45)]


def test_sdmt_worsens_downwards() -> None:
    r = history([(0, 50.0), (90, 46.0), (180, 45.0)], value="sdmt", outcome="sdmt")
    assert found(r) == [("CDW", None, 90)]  # -4 = min(50 / 5, 4)
    assert found(history([(0, 50.0), (90, 54.0), (180, 55.0)], value="sdmt",
                         outcome="sdmt", event="firstCDI")) == [("CDI", None, 90)]


@pytest.mark.parametrize(("after", "event"), [(12.0, True), (11.9, False)])
def test_t25fw_uses_a_20_percent_change(after: float, event: bool) -> None:
    r = history([(0, 10.0), (90, after), (180, after)], value="t25fw", outcome="t25fw")
    assert bool(found(r)) is event


def test_only_valid_visits_confirm() -> None:
    v = pl.DataFrame({"patient_id": ["P"] * 4,
                      "date": [D0 + dt.timedelta(d) for d in (0, 90, 180, 270)],
                      "edss": [2.0, 3.0, 3.0, 3.0], "validconf": [True, True, False, True]})
    r = detect_events(v, None)
    assert r.events["conf84_date"].to_list() == [D0 + dt.timedelta(270)]


def test_last_visit_worsening_is_imputed_only_when_asked() -> None:
    visits = [(0, 2.0), (90, 2.0), (180, 3.0)]
    assert found(history(visits)) == []
    assert found(history(visits, impute_last_visit=1)) == [("CDW", None, 180)]
    assert found(history(visits, impute_last_visit=100)) == []  # after 100 days of follow-up


def test_same_day_assessments_are_refused_not_merged() -> None:
    with pytest.raises(InvalidArgumentError, match="one assessment per patient and day"):
        history([(0, 2.0), (0, 2.5), (90, 3.0)])


def test_missing_values_are_left_out_and_counted() -> None:
    v = pl.DataFrame({"patient_id": ["P"] * 3, "date": [D0, D0 + dt.timedelta(90),
                                                       D0 + dt.timedelta(180)],
                      "edss": [2.0, None, 3.0]})
    assert detect_events(v).n_dropped == 1


def test_bl_geq_keeps_the_reference_from_falling_after_a_relapse() -> None:
    visits = [(0, 3.0), (100, 3.0), (200, 2.0), (300, 3.0), (400, 3.0)]
    plain = history(visits, relapses=[150], event="multiple", relapse_rebl=True)
    geq = history(visits, relapses=[150], event="multiple", relapse_rebl=True, bl_geq=True)
    # after the relapse the reference moves to day 200 (EDSS 2.0): 3.0 is +1.0 -> CDW;
    # with bl_geq the reference stays at 3.0, so there is no worsening
    assert found(plain) == [("CDW", None, 300)]
    assert found(geq) == []


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"event": "firstcdw"}, "`event` must be one of"),
    ({"baseline": "moving"}, "`baseline` must be one of"),
    ({"conf_days": (0,)}, "`conf_days` must be one or more positive"),
    ({"relapse_to_bl": (1, 2, 3)}, "`relapse_to_bl` must be a number or a pair"),
    ({"delta": "edss6"}, "`delta` must be one of"),
    ({"outcome": "custom"}, "`delta and worsening` must be given"),
    ({"require_sust_days": -1}, "`require_sust_days` must be at least 0"),
])
def test_bad_settings_use_the_argument_template(kwargs: dict, match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        EventSettings(**kwargs)


def test_custom_outcome_with_a_delta_function() -> None:
    r = history([(0, 10.0), (90, 13.0), (180, 13.0)], value="score", outcome="custom",
                delta=lambda ref: ref * 0 + 3, worsening="increase")
    assert found(r) == [("CDW", None, 90)]


def test_methods_paragraph_states_the_criteria() -> None:
    text = history([(0, 2.0)], **{"event": "multiple", "baseline": "roving",
                                  "raw_pira": True}).methods()
    for phrase in ("Expanded Disability Status Scale", "84 days", "roving baseline",
                   "relapse-associated worsening (RAW)", "90 days", "msprog"):
        assert phrase in text


def test_explain_tells_the_story_of_one_patient() -> None:
    r = history([(0, 2.0), (90, 3.0), (180, 3.0)], relapses=[60], raw_pira=True)
    text = r.explain("P")
    assert "reference: 2020-01-01 (EDSS 2)" in text
    assert "CDW (RAW) at 2020-03-31 (EDSS 3), confirmed" in text
    with pytest.raises(InvalidArgumentError, match="`patient_id` must be"):
        r.explain("nobody")


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_run_and_name_themselves(name: str) -> None:
    r = history([(0, 2.0), (90, 3.0), (180, 3.0), (270, 3.0)], relapses=[400])
    r = detect_events(r.visits, r.relapses, PRESETS[name])
    assert r.events.height == 1
    assert PRESETS[name].name in r.methods() or name == "msprog"


def test_no_visits_with_relapses_gives_no_events() -> None:
    # an empty visit table (every patient filtered out upstream) with relapses on record
    visits = pl.DataFrame(schema={"patient_id": pl.String, "date": pl.Date, "edss": pl.Float64})
    relapses = pl.DataFrame({"patient_id": ["A"], "onset_date": [dt.date(2010, 1, 1)]})
    assert detect_events(visits, relapses).events.height == 0
