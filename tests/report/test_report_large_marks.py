"""Per-patient marks of a 20,000-patient cohort stay bounded (report/large_cohort.py; docs/
report.md "Large cohorts"): a seeded sample of MSSS points and ARR lines stated on the panel
with summaries of every patient, waterfall steps merged without changing the area, and
censoring ticks thinned to one per 1/500 of the axis; small cohorts keep every mark."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from matplotlib.collections import LineCollection, PathCollection, PolyCollection

from mscohort.report.drawing import MAX_LINES, SAMPLE_SEED
from mscohort.report.figures import FigureData
from mscohort.report.large_cohort import TICK_BINS, merged_steps, sample_rows, thinned_ticks
from mscohort.report.sections import draw

N = 20_000


def msss_points(n: int) -> pl.DataFrame:
    rng = np.random.default_rng(11)
    return pl.DataFrame({"patient_id": [f"P{i:05d}" for i in range(n)],
                         "baseline_msss": rng.uniform(0, 10, n),
                         "msss_change": rng.normal(0, 1.5, n),
                         "group": np.where(np.arange(n) < n // 2, "long-term", "short-term")})


def arr_pairs(n: int) -> pl.DataFrame:
    rng = np.random.default_rng(12)
    pairs = pl.DataFrame({"patient_id": [f"P{i:05d}" for i in range(n)],
                          "arr_before": rng.gamma(1.0, 0.8, n),
                          "arr_during": rng.gamma(0.5, 0.4, n)})
    return pairs


def test_sample_rows_are_the_seeded_draw_above_the_limit_and_all_below() -> None:
    assert sample_rows(MAX_LINES).tolist() == list(range(MAX_LINES))
    expected = np.sort(np.random.default_rng(SAMPLE_SEED).choice(N, MAX_LINES, replace=False))
    assert sample_rows(N).tolist() == expected.tolist()


def test_msss_points_of_20000_patients_are_a_density_and_a_stated_sample() -> None:
    pts = msss_points(N)
    drawn = draw(FigureData("msss_change", "MSSS", "", {"points": pts}, "x", "y"))
    ax = drawn.figure.axes[0]
    (hexes,) = [c for c in ax.collections if c.get_gid() == "density"]
    assert isinstance(hexes, PolyCollection)
    assert float(np.sum(hexes.get_array())) == N  # every patient counted once
    dots = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(dots) == 2
    for group, sc in zip(("long-term", "short-term"), dots, strict=True):
        sub = pts.filter(pl.col("group") == group)
        keep = sub[np.sort(np.random.default_rng(SAMPLE_SEED).choice(
            sub.height, MAX_LINES, replace=False)).tolist()]
        assert np.allclose(sc.get_offsets(), keep.select("baseline_msss", "msss_change")
                           .to_numpy(), atol=1e-9)
        tips = drawn.tooltips[sc.get_gid()]
        assert isinstance(tips, list) and len(tips) == MAX_LINES
        assert tips[0].startswith(f"{keep['patient_id'][0]}: ")
        assert sc.get_label() == f"{group} (n={N // 2})"  # the legend counts every patient
    (note,) = [t for t in ax.texts if t.get_gid() == "sample-note"]
    assert note.get_text() == (f"points: at most {MAX_LINES} of each cohort at random (seed "
                               f"{SAMPLE_SEED}); shading: density of all {N} patients")


def test_arr_pairs_of_20000_patients_draw_a_stated_sample_and_the_mean_of_all() -> None:
    pairs = arr_pairs(N)
    means = pairs.select(pl.col("arr_before").mean(), pl.col("arr_during").mean())
    drawn = draw(FigureData("arr_pairs", "ARR", "", {"pairs": pairs, "means": means}, "", "y"))
    ax = drawn.figure.axes[0]
    (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines.get_segments()) == MAX_LINES
    first = pairs.row(int(sample_rows(N)[0]), named=True)
    assert np.allclose(lines.get_segments()[0], [[0, first["arr_before"]],
                                                 [1, first["arr_during"]]])
    (mean,) = ax.get_lines()
    # the thick line is the mean of all 20,000 patients (numpy mean, independent of polars)
    assert np.allclose(mean.get_ydata(), [np.mean(pairs["arr_before"].to_numpy()),
                                          np.mean(pairs["arr_during"].to_numpy())], atol=1e-9)
    (note,) = [t for t in ax.texts if t.get_gid() == "sample-note"]
    assert note.get_text() == (f"lines: {MAX_LINES} of {N} patients at random (seed "
                               f"{SAMPLE_SEED}); mean of all")


def test_small_cohorts_keep_a_mark_and_a_tooltip_per_patient() -> None:
    pts = msss_points(60)
    drawn = draw(FigureData("msss_change", "MSSS", "", {"points": pts}, "x", "y"))
    ax = drawn.figure.axes[0]
    assert sum(len(c.get_offsets()) for c in ax.collections) == 60
    assert not [t for t in ax.texts if t.get_gid() == "sample-note"]
    assert sum(len(t) for t in drawn.tooltips.values() if isinstance(t, list)) == 60
    pairs = arr_pairs(60)
    means = pairs.select(pl.col("arr_before").mean(), pl.col("arr_during").mean())
    drawn = draw(FigureData("arr_pairs", "ARR", "", {"pairs": pairs, "means": means}, "", ""))
    (lines,) = [c for c in drawn.figure.axes[0].collections if isinstance(c, LineCollection)]
    assert len(lines.get_segments()) == 60
    assert not [t for t in drawn.figure.axes[0].texts if t.get_gid() == "sample-note"]


def test_merged_steps_keep_one_step_per_run_of_equal_heights() -> None:
    # hand example: bars 2, 2, 1, 1, 1, 2 at x = 0..5 -> steps at 0, 2, 5
    assert merged_steps([0, 1, 2, 3, 4, 5], [2, 2, 1, 1, 1, 2]) == ([0, 2, 5], [2, 1, 2])
    assert merged_steps([], []) == ([], [])


def test_waterfall_area_of_20000_patients_is_the_sum_of_their_bars() -> None:
    rng = np.random.default_rng(7)
    change = np.round(rng.normal(0, 1, N) * 2) / 2
    category = np.where(change <= -1, "improved", np.where(change >= 1, "worsened", "stable"))
    bars = (pl.DataFrame({"patient_id": [f"P{i:05d}" for i in range(N)],
                          "edss_change": change, "change_category": category})
            .sort(["edss_change", "patient_id"], descending=[True, False]))
    drawn = draw(FigureData("waterfall", "EDSS change", "", {"bars": bars}, "patients", "y"))
    ax = drawn.figure.axes[0]
    for area in (c for c in ax.collections if c.get_gid()):
        sub = bars.filter(pl.col("change_category") == area.get_label())
        (path,) = area.get_paths()
        v = path.vertices
        # shoelace: the signed area of the drawn outline equals the sum of the category's
        # bars, each one unit wide (a bar's area is its height)
        signed = 0.5 * np.sum(v[:-1, 0] * v[1:, 1] - v[1:, 0] * v[:-1, 1])
        assert abs(signed) == pytest.approx(abs(sub["edss_change"].sum()), abs=1e-6)
        assert len(v) < 100  # one step per distinct change, not per patient


def test_censoring_ticks_are_thinned_to_one_per_cell_of_the_axis() -> None:
    # hand example: 4 times on [0, 1] in 2 cells -> the first of each cell
    assert thinned_ticks(np.array([0.1, 0.11, 0.5, 0.9]), 1.0, bins=2).tolist() == [0.1, 0.5]
    few = np.array([0.3, 0.1])
    assert thinned_ticks(few, 1.0, bins=2) is few
    rng = np.random.default_rng(3)
    times = np.sort(rng.uniform(0, 10, N))
    curves = pl.DataFrame({"group": ["all"], "time": [5.0], "survival": [0.9],
                           "events": [1]})
    censored = pl.DataFrame({"group": ["all"] * N, "patient_id": [f"P{i}" for i in range(N)],
                             "time": times})
    drawn = draw(FigureData("km_cdw", "KM", "", {"curves": curves, "censored": censored},
                            "t", "S"))
    ticks = [ln for ln in drawn.figure.axes[0].get_lines() if ln.get_marker() == "|"]
    (tick,) = ticks
    cells = np.minimum(np.floor(times / (times.max() / TICK_BINS)), TICK_BINS - 1)
    assert len(tick.get_xdata()) == len(np.unique(cells)) == TICK_BINS
    assert len(tick.get_xdata()) <= TICK_BINS


def test_rnfl_lines_of_20000_eyes_are_a_stated_sample() -> None:
    rng = np.random.default_rng(13)
    eyes = N // 2
    points = pl.DataFrame({
        "group": ["all eyes"] * (2 * eyes),
        "patient_id": np.repeat([f"P{i:05d}" for i in range(eyes // 2)], 4),
        "eye": np.tile(np.repeat(["OD", "OS"], 2), eyes // 2),
        "time": np.tile([0.0, 1.0], eyes), "rnfl_um": rng.normal(90, 8, 2 * eyes)})
    drawn = draw(FigureData("rnfl", "RNFL", "", {"points": points}, "t", "um"))
    ax = drawn.figure.axes[0]
    (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines.get_segments()) == MAX_LINES
    parts = points.partition_by("patient_id", "eye", maintain_order=True)
    first = parts[int(sample_rows(len(parts))[0])]
    assert np.allclose(lines.get_segments()[0], first.select("time", "rnfl_um").to_numpy())
    assert ax.get_title(loc="left") == f"all eyes (n={eyes} eyes)"
    (note,) = [t for t in ax.texts if t.get_gid() == "sample-note"]
    assert note.get_text() == f"lines: {MAX_LINES} of {eyes} eyes at random (seed {SAMPLE_SEED})"


def test_msfc_points_of_20000_patients_are_a_stated_sample_with_the_mean_of_all() -> None:
    rng = np.random.default_rng(14)
    change = rng.normal(0.1, 0.5, N)
    points = pl.DataFrame({"patient_id": [f"P{i:05d}" for i in range(N)],
                           "measure": ["MSFC"] * N, "change": change})
    # mean and t interval of every patient (scipy.stats.t.ppf(0.975, n - 1) * sd / sqrt(n))
    from scipy import stats
    half = stats.t.ppf(0.975, N - 1) * change.std(ddof=1) / np.sqrt(N)
    means = pl.DataFrame({"measure": ["MSFC"], "n": [N], "mean": [change.mean()],
                          "ci_low": [change.mean() - half], "ci_high": [change.mean() + half]})
    drawn = draw(FigureData("msfc_changes", "MSFC", "", {"points": points, "means": means},
                            "", "z"))
    ax = drawn.figure.axes[0]
    dots = ax.collections[0]
    keep = change[sample_rows(N)]
    assert np.asarray(dots.get_offsets())[:, 1] == pytest.approx(keep)
    (ci,) = [ln for ln in ax.get_lines() if ln.get_gid()]
    assert np.allclose(ci.get_ydata(), [change.mean() - half, change.mean() + half])
    (note,) = [t for t in ax.texts if t.get_gid() == "sample-note"]
    assert note.get_text() == (f"points: MSFC: {MAX_LINES} of {N} patients at random (seed "
                               f"{SAMPLE_SEED}); means of all")
