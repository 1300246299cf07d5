"""Secondary-outcome tables and figures of the report, read back against the analysis and
hand values of the toy study."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from mscohort.report.plots import step_points
from mscohort.report.secondary_figures import km_milestones, msfc_changes, rnfl_trajectories
from mscohort.report.secondary_tables import by_split_table, secondary_report_tables
from mscohort.report.sections import draw


def test_rnfl_lines_are_each_eyes_scans_on_the_index_time_axis(toy) -> None:
    study, a = toy
    drawn = draw(rnfl_trajectories(study, a))
    index = a.outcomes.filter(pl.col("patient_id") == "P02")["index_date"][0]
    found = None
    for ax in drawn.figure.axes:
        for c in ax.collections:
            texts = drawn.tooltips.get(c.get_gid())
            if isinstance(texts, list):
                for k, t in enumerate(texts):
                    if t.startswith("P02 OD:"):
                        found = c.get_paths()[k].vertices
    assert found is not None
    # P02 OD: 88 um on 2012-04-02, 87 um on 2013-05-20 (toy oct.csv)
    times = [(dt.date(2012, 4, 2) - index).days / 28, (dt.date(2013, 5, 20) - index).days / 28]
    assert found.ravel().tolist() == pytest.approx([times[0], 88.0, times[1], 87.0])


def test_msfc_points_are_each_patients_change_and_the_mean_bar_its_t_interval(toy) -> None:
    _, a = toy
    d = msfc_changes(a)
    drawn = draw(d)
    ax = drawn.figure.axes[0]
    dots = ax.collections[0]  # the composite, drawn first
    expected = a.secondary.patients.filter(pl.col("msfc_z_change").is_not_null()).sort(
        "patient_id")["msfc_z_change"].to_numpy()
    assert np.asarray(dots.get_offsets())[:, 1] == pytest.approx(expected)
    means = d.frames["means"].filter(pl.col("measure") == "MSFC")
    if len(expected) >= 2:
        from scipy import stats
        half = stats.t.ppf(0.975, len(expected) - 1) * expected.std(ddof=1) / np.sqrt(
            len(expected))
        assert means["ci_high"][0] == pytest.approx(expected.mean() + half)


def test_milestone_curve_drawn_is_the_hand_kaplan_meier() -> None:
    from mscohort.analyse.study import analyse_study
    from mscohort.definition import StudyDefinition
    from tests.secondary.build import study
    from tests.secondary.test_secondary_analysis import EDSS

    a = analyse_study(study(list(EDSS), EDSS), StudyDefinition())
    drawn = draw(km_milestones(a))
    line = next(ln for ln in drawn.figure.axes[0].lines if ln.get_label() == "EDSS >= 4.0")
    # S = 1 to day 200, 2/3 to day 400, 1/3 after; time in lunar months (28 days)
    xs, ys = line.get_xdata(), line.get_ydata()
    assert list(xs[:3]) == pytest.approx([0, 200 / 28, 400 / 28])
    assert list(ys[:3]) == pytest.approx([1, 2 / 3, 1 / 3])
    assert step_points(pl.DataFrame({"time": [1.0], "survival": [0.5]}), 2.0) == (
        [0.0, 1.0, 2.0], [1.0, 0.5, 0.5])


def test_secondary_tables_print_every_group_of_the_analysis(toy) -> None:
    _, a = toy
    frame = a.secondary.tables["MSFC"]
    t = by_split_table("msfc", frame)
    first = frame.filter(pl.col("split") == "all")
    n = first["n_group"][0]
    assert t.rows[0][0] == f"all analysed, n={n}"
    change = first.filter(pl.col("measure") == "change MSFC z").row(0, named=True)
    cell = t.rows[0][1 + t.columns[1:].index("Change MSFC z, mean ± SD (range)")]
    assert cell.split(";")[0] == change["text"].rsplit(", n=", 1)[0]
    if change["p_t"] is not None:
        from mscohort.analyse.stats import format_p, p_clause
        assert cell.endswith(p_clause(format_p(change["p_t"])))
    # every group with data is a row; the others are named in a footnote
    with_data = frame.group_by("split", "group").agg((pl.col("n") > 0).any().alias("any"))
    assert len(t.rows) == with_data["any"].sum()
    if not with_data["any"].all():
        assert any(n.startswith("Not shown, no patient with data") for n in t.footnotes)
    keys = [x.key for x in secondary_report_tables(a)]
    assert keys[:3] == ["msfc", "oct", "neda"] and "secondary_paired" in keys
