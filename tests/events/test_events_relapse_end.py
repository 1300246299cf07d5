"""Relapse end dates (``relapse_end_dates``): hand cases, one rule each (issue #20 item 2).

Days from 2020-01-01; msprog's defaults otherwise (fixed baseline, first CDW, confirmation
at 84 days with -7/+730.5 tolerance, relapse_to_bl = relapse_to_conf = (30, 0)).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from mscohort.derive.events import EventSettings, detect_events, milestone_times
from mscohort.errors import InvalidArgumentError

D0 = dt.date(2020, 1, 1)


def day(d: int | None) -> dt.date | None:
    return None if d is None else D0 + dt.timedelta(days=d)


def tables(visits: list[tuple[int, float]], relapses: list[tuple[int, int | None]]
           ) -> tuple[pl.DataFrame, pl.DataFrame]:
    v = pl.DataFrame({"patient_id": ["P"] * len(visits), "date": [day(d) for d, _ in visits],
                      "edss": [x for _, x in visits]})
    r = pl.DataFrame({"patient_id": ["P"] * len(relapses),
                      "onset_date": [day(o) for o, _ in relapses],
                      "end_date": [day(e) for _, e in relapses]},
                     schema={"patient_id": pl.String, "onset_date": pl.Date,
                             "end_date": pl.Date})
    return v, r


def onsets(visits, relapses, **settings) -> list[int]:
    v, r = tables(visits, relapses)
    ev = detect_events(v, r, EventSettings(**settings)).events
    return [(d - D0).days for d in ev["date"].to_list()]


# EDSS 2.0 at day 0, 3.0 at day 60 (onset, +1.0), 3.0 at day 140 (80 days later: confirms)
HISTORY = [(0, 2.0), (60, 3.0), (140, 3.0)]


def test_confirmation_inside_a_relapse_span_does_not_confirm() -> None:
    # relapse onset day 100, end day 150: the day-140 visit is 40 days after the onset
    # (>= 30: a valid confirmation by days) but inside onset..end (not valid with end dates)
    assert onsets(HISTORY, [(100, 150)]) == [60]
    assert onsets(HISTORY, [(100, 150)], relapse_end_dates=True) == []


def test_confirmation_after_the_end_of_a_long_relapse_confirms() -> None:
    # relapse onset day 115, end day 120: the visit at 140 is 25 days after the onset (< 30:
    # not valid by days) but after the relapse's end (valid with end dates)
    assert onsets(HISTORY, [(115, 120)]) == []
    assert onsets(HISTORY, [(115, 120)], relapse_end_dates=True) == [60]


def test_end_day_itself_is_inside_the_relapse() -> None:
    assert onsets(HISTORY, [(115, 140)], relapse_end_dates=True) == []


def test_a_relapse_without_end_date_keeps_the_day_window() -> None:
    # the same relapses as above, end date missing: 30 days after the onset, as without
    assert onsets(HISTORY, [(100, None)], relapse_end_dates=True) == [60]
    assert onsets(HISTORY, [(115, None)], relapse_end_dates=True) == []


def test_reference_inside_a_relapse_span_moves_to_the_next_visit() -> None:
    # relapse onset day -40, end day 5: by days the day-0 visit is 40 days after the onset
    # (a valid reference, EDSS 1.0: needs +1.0); with end dates it is inside the relapse,
    # the reference moves to day 30 (EDSS 2.0) and 3.0 at day 60 is not a worsening from it
    # until day 150 (EDSS 3.5 confirmed at day 240)
    visits = [(0, 1.0), (30, 2.0), (60, 2.5), (150, 3.5), (240, 3.5)]
    assert onsets(visits, [(-40, 5)]) == [30]
    assert onsets(visits, [(-40, 5)], relapse_end_dates=True) == [150]


def test_raw_window_stays_anchored_to_the_onset() -> None:
    # CDW onset at day 60, relapse onset day 20 (within 90 days: RAW) ending day 25
    v, r = tables(HISTORY, [(20, 25)])
    ev = detect_events(v, r, EventSettings(raw_pira=True, relapse_end_dates=True)).events
    assert ev["cdw_type"].to_list() == ["RAW"]


def test_milestone_confirmation_uses_the_relapse_span() -> None:
    v, r = tables(HISTORY, [(100, 150)])
    by_days = milestone_times(v, r, 3.0)
    by_span = milestone_times(v, r, 3.0, EventSettings(relapse_end_dates=True))
    assert by_days["observed"].to_list() == [True]
    assert by_span["observed"].to_list() == [False]


def test_end_dates_need_an_end_date_column() -> None:
    v, r = tables(HISTORY, [(100, 150)])
    with pytest.raises(InvalidArgumentError, match="`relapses` must be a table with an "
                       "`end_date` column"):
        detect_events(v, r.drop("end_date"), EventSettings(relapse_end_dates=True))


def test_an_end_before_its_onset_is_an_error_naming_the_patient() -> None:
    v, r = tables(HISTORY, [(100, 90)])
    with pytest.raises(InvalidArgumentError, match=r"on or after the relapse's onset_date.*"
                       "patient P"):
        detect_events(v, r, EventSettings(relapse_end_dates=True))


def test_methods_paragraph_says_end_dates_were_used() -> None:
    v, r = tables(HISTORY, [(100, 150)])
    text = detect_events(v, r, EventSettings(relapse_end_dates=True)).methods()
    assert "from its onset to its end replaced the number of days" in text


def test_cli_option_applies_end_dates_and_names_itself(tmp_path) -> None:
    from typer.testing import CliRunner

    from mscohort.cli.main import app

    (tmp_path / "edss.csv").write_text("patient_id,date,edss\nP,2020-01-01,2.0\n"
                                       "P,2020-03-01,3.0\nP,2020-05-20,3.0\n")
    (tmp_path / "rel.csv").write_text("patient_id,onset_date,end_date\n"
                                      "P,2020-04-10,2020-05-30\n")
    args = ["events", "--edss", str(tmp_path / "edss.csv"), "--relapses",
            str(tmp_path / "rel.csv")]
    by_days = CliRunner().invoke(app, args)
    by_span = CliRunner().invoke(app, [*args, "--relapse-end-dates"])
    assert by_days.exit_code == by_span.exit_code == 0
    assert "1 with CDW" in by_days.output
    assert "0 with CDW" in by_span.output
    assert "settings: msprog defaults with relapse_end_dates=True" in by_span.output


def test_msprog_end_date_minimal_case_is_pira_here() -> None:
    # issue #20: R msprog with renddate_col sets its RAW window to infinity, so this CDW
    # (no relapse within 900 days of it) is RAW there and event="firstPIRA" errors; here it
    # is PIRA, as without end dates
    visits = [(0, 2.0), (90, 3.0), (180, 3.0)]
    v, r = tables(visits, [(1000, 1010)])
    for event in ("firstCDW", "firstPIRA"):
        s = EventSettings(event=event, raw_pira=True, relapse_end_dates=True)
        assert detect_events(v, r, s).events["cdw_type"].to_list() == ["PIRA"]
