"""Kaplan-Meier curves and bands drawn at the figure's resolution (issue #23): the reduced
curve passes within half a pixel of every point of the full curve, the reduced band is never
narrower than the full band, and the figure's ticks and numbers come from the full curve."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import polars as pl
import pytest

from mscohort.errors import InvalidArgumentError
from mscohort.report.figures import FigureData
from mscohort.report.km_plot import draw_km
from mscohort.report.km_resolution import (
    PIXELS_PER_INCH,
    band_envelope,
    pixel_width,
    reduced_curve,
)
from mscohort.report.plots import compact_svg, rounded_geometry
from tests.oracles import oracle


def _post(x: np.ndarray, y: np.ndarray, at: np.ndarray, before: float, *,
          strict: bool = False) -> np.ndarray:
    """The post-step function (steps ``x``, levels ``y``, ``before`` left of the first
    step) at ``at``; with ``strict`` its limit from the left."""
    i = np.searchsorted(x, at, side="left" if strict else "right") - 1
    return np.where(i >= 0, np.asarray(y)[np.maximum(i, 0)], before)


def _full_curve(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(times, S, lower, upper) of lifelines' Kaplan-Meier fit of ``n`` seeded patients
    (exponential events, uniform censoring; log-log band, lifelines' default)."""
    rng = np.random.default_rng(seed)
    event_t = rng.exponential(4.0, n)
    censor_t = rng.uniform(0.0, 10.0, n)
    t = np.round(np.minimum(event_t, censor_t), 4)
    e = event_t <= censor_t
    km = oracle("lifelines").KaplanMeierFitter().fit(t, e)
    times = np.unique(t[e])
    s = km.survival_function_at_times(times).to_numpy()
    ci = km.confidence_interval_survival_function_.loc[times].to_numpy()
    return times, s, ci[:, 0], ci[:, 1]


def test_pixel_width_is_the_extent_over_the_pixels_of_the_figure_width() -> None:
    assert pixel_width(10.0, 5.0, 100) == pytest.approx(10.0 / 500)
    assert pixel_width(10.0, 7.0) == pytest.approx(10.0 / (7.0 * PIXELS_PER_INCH))
    with pytest.raises(InvalidArgumentError, match="`width_in` must be a positive"):
        pixel_width(10.0, 0.0)


def test_curve_steps_sharing_a_pixel_become_one_step_at_its_middle_by_hand() -> None:
    # pixel 1.0: 1.0, 1.1, 1.2 share column [1, 2) -> one step at 1.5 down to 0.7 (the last
    # level); 5.0 and 9.0 are alone in theirs and stay where they are
    x, s = reduced_curve(np.array([1.0, 1.1, 1.2, 5.0, 9.0]),
                         np.array([0.9, 0.8, 0.7, 0.6, 0.5]), 1.0)
    assert x.tolist() == [1.5, 5.0, 9.0]
    assert s.tolist() == [0.7, 0.6, 0.5]


def test_curve_is_unchanged_when_no_two_steps_share_a_pixel() -> None:
    t, s = np.array([1.0, 2.0, 3.5]), np.array([0.9, 0.8, 0.4])
    x, y = reduced_curve(t, s, 0.5)
    assert x.tolist() == t.tolist() and y.tolist() == s.tolist()


def test_reduced_curve_is_within_half_a_pixel_of_every_event_of_lifelines_fit() -> None:
    times, s, _, _ = _full_curve(20_000, seed=7)
    pixel = pixel_width(times.max(), 7.0)
    x, y = reduced_curve(times, s, pixel)
    assert x.size < times.size / 3  # it does reduce: thousands of steps, 1,344 pixels
    half = pixel / 2 * (1 + 1e-9)
    before = np.r_[1.0, s[:-1]]  # S just before each event time
    # the reduced curve crosses every level of each full step, [S(t), S(t-)], within
    # [t - half, t + half]: its left limit at t - half is at least S(t-), its value at
    # t + half at most S(t) (both are non-increasing)
    assert np.all(_post(x, y, times - half, 1.0, strict=True) >= before - 1e-12)
    assert np.all(_post(x, y, times + half, 1.0) <= s + 1e-12)


def test_band_columns_take_the_envelope_of_their_steps_by_hand() -> None:
    # pixel 1.0: column [1, 2) holds 1.0, 1.1, 1.2 and carries in (1, 1) -> one step at 1.0
    # with low min(1, .8, .7, .75) = .7 and high max(1, .95, .9, .92) = 1, then at 2.0 the
    # level after 1.2 (.75, .92) until 5.0, alone in its column; column [6, 7) holds 6.2
    # and 6.5 -> at 6.0 (min(.5, .45, .4), max(.7, .65, .6)), and 7.0 is drawn already
    x, lo, hi = band_envelope(np.array([1.0, 1.1, 1.2, 5.0, 6.2, 6.5, 7.0]),
                              np.array([0.8, 0.7, 0.75, 0.5, 0.45, 0.4, 0.3]),
                              np.array([0.95, 0.9, 0.92, 0.7, 0.65, 0.6, 0.5]), 1.0)
    assert x.tolist() == [1.0, 2.0, 5.0, 6.0, 7.0]
    assert lo.tolist() == [0.7, 0.75, 0.5, 0.4, 0.3]
    assert hi.tolist() == [1.0, 0.92, 0.7, 0.7, 0.5]


def test_reduced_band_is_never_narrower_than_lifelines_band_at_any_drawn_x() -> None:
    times, _, low, high = _full_curve(20_000, seed=11)
    pixel = pixel_width(times.max(), 7.0)
    x, lo, hi = band_envelope(times, low, high, pixel)
    assert x.size < times.size / 3
    edges = np.arange(0.0, times.max() + pixel, pixel)
    at = np.sort(np.r_[times, (times[1:] + times[:-1]) / 2, edges, x])
    full_lo, full_hi = _post(times, low, at, 1.0), _post(times, high, at, 1.0)
    drawn_lo, drawn_hi = _post(x, lo, at, 1.0), _post(x, hi, at, 1.0)
    assert np.all(drawn_lo <= full_lo + 1e-12)
    assert np.all(drawn_hi >= full_hi - 1e-12)
    # and no wider than the band's own range within a pixel either side of x (the column
    # holding x lies within [x - pixel, x + pixel]; after it, the band's own level)
    for a, d_lo, d_hi in zip(at[::97], drawn_lo[::97], drawn_hi[::97], strict=True):
        m = (times > a - pixel) & (times <= a + pixel)
        start = np.array([a - pixel])
        assert d_lo >= np.min(np.r_[_post(times, low, start, 1.0), low[m]]) - 1e-12
        assert d_hi <= np.max(np.r_[_post(times, high, start, 1.0), high[m]]) + 1e-12


def test_km_figure_draws_the_reduced_curve_and_ticks_on_the_full_one() -> None:
    times, s, low, high = _full_curve(20_000, seed=3)
    curves = pl.DataFrame({"group": "all", "time": times, "survival": s, "ci_low": low,
                           "ci_high": high, "events": 1})
    censored = pl.DataFrame({"group": ["all"] * 3, "patient_id": ["a", "b", "c"],
                             "time": [float(times[10]) + 1e-5, 3.0, float(times.max())]})
    drawn = draw_km(FigureData("km_cdw", "t", "c", {"curves": curves, "censored": censored}))
    ax = drawn.figure.axes[0]
    step, ticks = ax.get_lines()
    pixel = pixel_width(times.max(), 7.0)
    assert len(step.get_xdata()) <= times.max() / pixel + 3  # a step per pixel at most
    # each tick at the full curve's level at its time (not the reduced curve's)
    assert list(ticks.get_ydata()) == pytest.approx(
        _post(times, s, censored["time"].to_numpy(), 1.0).tolist(), abs=1e-12)


def test_svg_geometry_is_written_to_a_hundredth_of_a_point_and_text_is_untouched() -> None:
    svg = ('<path d="M 69.49198 -301.424987 L 0.001 -0.0012 L 5 6.5" style="a:0.123456"/>'
           '<use x="12.3456" y="1.0"/><text id="t" x="1.23456">p = 0.01234</text>')
    assert rounded_geometry(svg) == (
        '<path d="M 69.49 -301.42 L 0 0 L 5 6.5" style="a:0.123456"/>'
        '<use x="12.35" y="1.0"/><text id="t" x="1.23">p = 0.01234</text>')


def _marks(svg: str) -> list[tuple[str, ...]]:
    """Every mark (``use``) of ``svg`` in document order with its clip path and where and
    how it is drawn."""
    root = ET.fromstring(svg)
    parent = {child: p for p in root.iter() for child in p}
    out = []
    for el in root.iter("{http://www.w3.org/2000/svg}use"):
        clip, up = "", parent.get(el)
        while up is not None and not clip:
            clip, up = up.get("clip-path", ""), parent.get(up)
        out.append((clip, *(el.get(k, "") for k in ("{http://www.w3.org/1999/xlink}href",
                                                    "x", "y", "style"))))
    return out


def test_compact_svg_draws_the_same_marks_in_the_same_order_with_the_same_clip() -> None:
    import io

    from matplotlib.figure import Figure

    rng = np.random.default_rng(9)
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    ax.hexbin(rng.normal(size=500), rng.normal(size=500), gridsize=10, cmap="Greys")
    ax.scatter(rng.normal(size=40), rng.normal(size=40))
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    full = buf.getvalue()
    small = compact_svg(full)
    assert len(small) < 0.8 * len(full)
    marks = _marks(full)
    assert len(marks) > 100
    # the same marks, each at its position rounded to 0.01 pt, under the same clip path
    assert _marks(small) == [(c, h, rounded_geometry(f' x="{x}"')[4:-1],
                              rounded_geometry(f' y="{y}"')[4:-1], s)
                             for c, h, x, y, s in marks]
