"""Figures: the data behind each (by hand on the toy cohort) and the data actually drawn."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from mscohort.report.figures import (
    FigureData,
    arr_pairs,
    forest,
    km_cdw,
    msss_change,
    swimmer,
    trajectories,
    waterfall,
)
from mscohort.report.plots import OKABE_ITO, step_points
from mscohort.report.sections import draw

LUNAR = 28.0


def _days(a: str, b: str) -> float:
    return (dt.date.fromisoformat(a) - dt.date.fromisoformat(b)).days / LUNAR


def _items(drawn, ax, patient: str) -> list[np.ndarray]:
    """The vertices drawn for ``patient`` in the collections of ``ax`` (by their tooltips)."""
    found = []
    for c in ax.collections:
        texts = drawn.tooltips.get(c.get_gid())
        if isinstance(texts, list):
            assert len(texts) == len(c.get_paths()) or len(texts) == len(c.get_offsets())
            found += [k for k, t in enumerate(texts) if t.startswith(f"{patient}:")]
            if found:
                paths = c.get_paths()
                return ([c.get_offsets()[k] for k in found] if len(paths) == 1 and len(texts) > 1
                        else [paths[k].vertices for k in found])
    return []


def test_trajectories_plot_every_assessment_from_baseline_to_follow_up(toy) -> None:
    study, analysis = toy
    data = trajectories(study, analysis)
    p01 = data.frames["points"].filter(pl.col("patient_id") == "P01")
    # P01: index 2005-06-20; baseline 2005-03-10, follow-up 2013-09-05: all six assessments
    assert p01["time"].to_list() == pytest.approx(
        [_days(d, "2005-06-20") for d in ("2005-03-10", "2006-02-14", "2007-03-01",
                                          "2008-02-20", "2010-06-11", "2013-09-05")])
    assert p01["edss"].to_list() == [5.5, 6.0, 5.5, 5.0, 4.5, 4.5]
    means = data.frames["means"].filter(pl.col("group") == "long-term")
    # baseline mean of P01 5.5, P04 6.0, P07 6.5
    assert means.row(0, named=True)["mean_edss"] == 6.0
    assert means.row(0, named=True)["n_patients"] == 3

    drawn = draw(data)
    ax = drawn.figure.axes[0]
    (line,) = _items(drawn, ax, "P01")
    np.testing.assert_allclose(line, p01.select("time", "edss").to_numpy())
    mean_line = next(ln for ln in ax.get_lines() if ln.get_label() == "long-term mean")
    np.testing.assert_allclose(mean_line.get_ydata(), means["mean_edss"].to_numpy())


def test_waterfall_bars_are_the_changes_from_worst_to_best(toy) -> None:
    _, analysis = toy
    data = waterfall(analysis)
    assert data.frames["bars"]["patient_id"].to_list() == ["P08", "P05", "P04", "P01", "P02",
                                                           "P06", "P07"]
    drawn = draw(data)
    ax = drawn.figure.axes[0]
    bars = sorted((v[:, 0].mean(), v[:, 1].max() + v[:, 1].min())  # (x, height)
                  for c in ax.collections if c.get_gid() for v in (p.vertices for p in
                                                                   c.get_paths()))
    assert [h for _, h in bars] == [0.5, 0.0, -0.5, -1.0, -1.0, -1.0, -1.0]
    hatches = {c.get_hatch() for c in ax.collections if c.get_gid()}
    assert len(hatches) == 3  # improved / stable / worsened differ without colour


def test_msss_scatter_and_arr_pairs_draw_each_patient(toy) -> None:
    _, analysis = toy
    scatter = msss_change(analysis)
    drawn = draw(scatter)
    pts = scatter.frames["points"]
    xy = sorted(tuple(o) for c in drawn.figure.axes[0].collections for o in c.get_offsets())
    assert xy == sorted(zip(pts["baseline_msss"], pts["msss_change"], strict=True))
    assert list(_items(drawn, drawn.figure.axes[0], "P07")[0]) == [9.08, -3.393]

    pairs = arr_pairs(analysis)
    # P04 has regular corticosteroids in the toy study and is left out of the relapse analysis
    assert "P04" not in pairs.frames["pairs"]["patient_id"].to_list()
    drawn = draw(pairs)
    (p01,) = _items(drawn, drawn.figure.axes[0], "P01")
    # P01: 2 relapses in the 2 years before (2004-01-20, 2005-06-02) -> 1.0 per year
    assert p01[0] == pytest.approx([0.0, 1.0])


def test_kaplan_meier_steps_start_at_one_and_mark_censoring() -> None:
    curve = pl.DataFrame({"time": [2.0, 5.0], "survival": [0.75, 0.5]})
    assert step_points(curve, 9.0) == ([0.0, 2.0, 5.0, 9.0], [1.0, 0.75, 0.5, 0.5])
    data = FigureData("km_cdw", "t", "c", {
        "curves": curve.with_columns(pl.lit("a").alias("group"), pl.lit(1).alias("events")),
        "censored": pl.DataFrame({"group": ["a", "a"], "patient_id": ["x", "y"],
                                  "time": [3.0, 9.0]})})
    ax = draw(data).figure.axes[0]
    step, ticks = ax.get_lines()
    assert list(step.get_xdata()) == [0.0, 2.0, 5.0, 9.0]
    assert list(ticks.get_ydata()) == [0.75, 0.5]  # the curve's value at each censoring


def test_km_figure_of_the_toy_study_censors_everyone_without_an_event(toy) -> None:
    _, analysis = toy
    data = km_cdw(analysis)
    assert data.frames["censored"].height == 7
    assert draw(data).figure.axes[0].get_lines()[0].get_ydata()[-1] == 1.0


def test_forest_intervals_by_hand(toy) -> None:
    _, analysis = toy
    rows = forest(analysis).frames["rows"]
    r = rows.filter((pl.col("group") == "long-term") & (pl.col("measure") == "change EDSS"))
    # changes -1.0, -0.5, -1.0: mean -0.8333, SD 0.288675; t(0.975, 2) = 4.302653 (t table)
    half = 4.302653 * 0.288675 / 3 ** 0.5
    assert r["ci_low"][0] == pytest.approx(-0.833333 - half, abs=1e-5)
    assert r["ci_high"][0] == pytest.approx(-0.833333 + half, abs=1e-5)
    assert rows["n"].min() >= 2
    drawn = draw(forest(analysis))
    first = drawn.figure.axes[0].get_lines()[0]
    assert list(first.get_xdata()) == pytest.approx([r["ci_low"][0], r["ci_high"][0]])


def test_swimmer_places_drugs_courses_and_relapses_on_the_index_time_axis(toy) -> None:
    study, analysis = toy
    data = swimmer(study, analysis)
    window = -730.5 / LUNAR
    drugs = data.frames["drugs"].filter(pl.col("patient_id") == "P01")
    # Avonex ended before the 2-year window; Tysabri 2003-04-01 to 2005-05-31 is clipped to it
    assert drugs.drop("patient_id").rows() == [("natalizumab", "NAT", pytest.approx(window),
                             pytest.approx(_days("2005-05-31", "2005-06-20")))]
    courses = data.frames["courses"].filter(pl.col("patient_id") == "P01")
    assert courses["time"].to_list() == pytest.approx([0.0, _days("2006-06-19", "2005-06-20")])
    relapses = data.frames["relapses"].filter(pl.col("patient_id") == "P01")
    assert relapses["time"].to_list() == pytest.approx(
        [_days(d, "2005-06-20") for d in ("2004-01-20", "2005-06-02", "2008-11-11")])
    drawn = draw(data)
    (bar,) = _items(drawn, drawn.figure.axes[0], "P01")
    assert (bar[:, 0].min(), bar[:, 0].max()) == pytest.approx(
        (window, _days("2005-05-31", "2005-06-20")))


def test_swimmer_shows_an_even_sample_of_a_large_cohort(toy) -> None:
    study, analysis = toy
    data = swimmer(study, analysis, max_patients=3)
    # 7 analysed by follow-up (longest first): P07, P01, P04, P08, P06, P02, P05 -> 0, 3, 6
    assert data.frames["patients"]["patient_id"].to_list() == ["P07", "P08", "P05"]
    assert data.caption.startswith("3 of 7 analysed patients")
    # the panel says so too (issue #23: a sample is stated on the figure)
    notes = [t.get_text() for t in draw(data).figure.axes[0].texts
             if t.get_gid() == "sample-note"]
    assert notes == ["3 of 7 analysed patients, evenly spaced by follow-up"]


def test_swimmer_of_every_patient_states_no_sample(toy) -> None:
    study, analysis = toy
    data = swimmer(study, analysis)
    assert "sample" not in data.frames
    assert not [t for t in draw(data).figure.axes[0].texts if t.get_gid() == "sample-note"]


def test_groups_differ_by_more_than_colour(toy) -> None:
    _, analysis = toy
    ax = draw(msss_change(analysis)).figure.axes[0]
    handles, labels = ax.get_legend_handles_labels()
    shapes = {h.get_paths()[0].vertices.round(3).tobytes() for h in handles}
    assert len(shapes) == len(labels) == 2  # marker shapes differ, not only colours
    assert OKABE_ITO[0] == "#0072B2"


def test_swimmer_of_sixty_patients_fits_a_page_with_labels_no_taller_than_a_row() -> None:
    ids = [f"P{i:02d}" for i in range(60)]
    empty = pl.DataFrame(schema={"patient_id": pl.String, "time": pl.Float64})
    data = FigureData("swimmer", "t", "c", {
        "patients": pl.DataFrame({"patient_id": ids, "followup": [10.0] * 60,
                                  "edss_change": [0.5] * 60}),
        "drugs": pl.DataFrame({"patient_id": ids, "drug": ["x"] * 60, "label": ["X"] * 60,
                               "start": [0.0] * 60, "stop": [5.0] * 60}),
        "courses": empty, "relapses": empty})
    fig = draw(data).figure
    _, height = fig.get_size_inches()
    assert height == 9.0  # 0.22 x 60 + 1.5 = 14.7 in, capped at a page
    # rows: (9 - 1.5) in / 60 = 9 pt apart; labels 0.75 of that: 6.75 pt
    sizes = {t.get_fontsize() for t in fig.axes[0].get_yticklabels()}
    assert len(sizes) == 1
    assert sizes.pop() == pytest.approx(0.75 * 72 * 7.5 / 60, abs=1e-6)


def test_legends_placed_best_warn_of_no_slowness_on_a_loaded_machine(toy, monkeypatch) -> None:
    # matplotlib warns 'loc="best" can be slow' when placing a defaulted legend takes over a
    # second, which on a loaded machine turned a report test into an error; a clock that jumps
    # 5 s a reading makes every placement "slow": the figures must still draw without a warning
    import io
    import itertools
    import types

    import matplotlib.legend

    clock = itertools.count(step=5.0)
    monkeypatch.setattr(matplotlib.legend, "time",
                        types.SimpleNamespace(perf_counter=lambda: float(next(clock))))
    _, analysis = toy
    for data in (waterfall(analysis), msss_change(analysis), arr_pairs(analysis),
                 km_cdw(analysis)):
        figure = draw(data).figure
        assert figure.axes[0].get_legend() is not None, data.key
        figure.savefig(io.BytesIO(), format="svg")
