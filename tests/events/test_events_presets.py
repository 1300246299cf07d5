"""The two readings of the Kappos 2020 PIRA windows, on a hand case (issue #20 item 3)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from mscohort.derive.events import detect_events
from mscohort.derive.events.presets import KAPPOS_2020, KAPPOS_2020_STRICT, PRESETS

D0 = dt.date(2020, 1, 1)


def cdw_types(settings, relapse_days: list[int]) -> list[str | None]:
    # EDSS 2.0 at day 0 (reference), 3.0 at day 90 (onset: +1.0 from 2.0), 3.0 at day 270
    # (confirmation, 180 days later)
    visits = pl.DataFrame({"patient_id": ["P"] * 3,
                           "date": [D0 + dt.timedelta(days=d) for d in (0, 90, 270)],
                           "edss": [2.0, 3.0, 3.0]})
    relapses = pl.DataFrame({"patient_id": ["P"] * len(relapse_days),
                             "onset_date": [D0 + dt.timedelta(days=d) for d in relapse_days]},
                            schema={"patient_id": pl.String, "onset_date": pl.Date})
    return detect_events(visits, relapses, settings).events["cdw_type"].to_list()


def test_kappos2020_readings_differ_for_a_relapse_between_onset_30_and_confirmation_30() -> None:
    # relapse at day 180: after onset + 30 (day 120), before confirmation - 30 (day 240);
    # not RAW (the onset is before it), the confirmation is 90 days after it (> 30)
    assert cdw_types(KAPPOS_2020, [180]) == ["PIRA"]
    assert cdw_types(KAPPOS_2020_STRICT, [180]) == ["undefined"]


def test_kappos2020_readings_agree_outside_the_gap() -> None:
    # no relapse: PIRA under both; relapse at day 110 (within onset + 30): PIRA under neither
    assert cdw_types(KAPPOS_2020, []) == cdw_types(KAPPOS_2020_STRICT, []) == ["PIRA"]
    assert cdw_types(KAPPOS_2020, [110]) == ["undefined"]
    assert cdw_types(KAPPOS_2020_STRICT, [110]) == ["undefined"]


def test_both_readings_are_presets_and_kappos2020_has_msprogs_windows() -> None:
    assert PRESETS["kappos2020"] is KAPPOS_2020
    assert PRESETS["kappos2020_strict"] is KAPPOS_2020_STRICT
    windows = KAPPOS_2020.relapse_indep
    assert (windows.prec, windows.event, windows.conf) == ((0, None), (None, 30), (30, 30))
