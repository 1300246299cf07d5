"""Each figure in words, with the numbers a reader of the picture takes from it: the text of
the SVG's ``<desc>`` after the caption, for screen readers (WAI-ARIA Graphics Module; W3C
WAI "Complex images": a long description gives the data the image shows).

Every number is read from the figure's own frames (the data drawn, :mod:`report.figures`)
and printed by :mod:`mscohort.analyse.formatting` at the measure's precision; nothing is
computed here beyond counting rows and taking a curve's last value. One describer per
figure key (:data:`DESCRIBE`); a key without one is an error, so a new figure cannot ship
without its words (``tests/report/test_report_figure_text.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from mscohort.analyse.formatting import estimate_ci, measure_decimals, number, share
from mscohort.errors import bad_argument
from mscohort.report.figures import FigureData
from mscohort.units import DAYS_PER_YEAR


def _groups(frame: pl.DataFrame, column: str = "group") -> list[tuple[str, pl.DataFrame]]:
    return [(str(k[0]), part) for k, part in frame.group_by(column, maintain_order=True)]


def _span(values: pl.Series, decimals: int, signed: bool = False) -> str:
    """"-2.0 to +1.5": the smallest and the largest value at the measure's precision."""
    low, high = values.min(), values.max()
    return (f"{number(None if low is None else float(low), decimals, signed)} to "  # type: ignore[arg-type]
            f"{number(None if high is None else float(high), decimals, signed)}")  # type: ignore[arg-type]


def _patients(frame: pl.DataFrame) -> int:
    return frame["patient_id"].n_unique() if frame.height else 0


def _trajectories(d: FigureData) -> str:
    points, means = d.frames["points"], d.frames["means"]
    parts = []
    for group, sub in _groups(points):
        m = means.filter(pl.col("group") == group).sort("time")
        text = f"{group}: {_n(_patients(sub), 'patient')}, {_n(sub.height, 'assessment')}"
        if m.height:  # the group mean at its first and last time (once when one bin)
            ends = [m.row(0, named=True), *([m.row(-1, named=True)] if m.height > 1 else [])]
            text += "; mean EDSS " + " and ".join(
                f"{number(r['mean_edss'], 1)} {_at(r['time'], d)}" for r in ends)
        parts.append(text)
    return "; ".join(parts) + "." if parts else "No patients."


def _waterfall(d: FigureData) -> str:
    bars = d.frames["bars"]
    if bars.height == 0:
        return "No patients."
    counts = {c: bars.filter(pl.col("change_category") == c).height
              for c in ("worsened", "stable", "improved")}
    change = bars["edss_change"]
    return (f"{_n(bars.height, 'patient')}: " + ", ".join(
        f"{share(n, bars.height)} {c}" for c, n in counts.items())
        + f"; EDSS change from {_span(change, 1, True)}.")


def _msss_change(d: FigureData) -> str:
    points = d.frames["points"].drop_nulls(["baseline_msss", "msss_change"])
    return "; ".join(
        f"{group}: {_n(sub.height, 'patient')}, MSSS change from "
        f"{_span(sub['msss_change'], 2, True)}"
        for group, sub in _groups(points)) + "." if points.height else "No patients."


def _arr_pairs(d: FigureData) -> str:
    pairs, means = d.frames["pairs"], d.frames["means"]
    if means.height == 0:
        return f"{_n(pairs.height, 'patient')}."
    m = means.row(0, named=True)
    return (f"{_n(pairs.height, 'patient')}; mean ARR {number(m['arr_before'], 2)} before and "
            f"{number(m['arr_during'], 2)} during follow-up.")


def _at(t: float, d: FigureData) -> str:
    """"at 12.0 lunar months": a time on the figure's axis, in the axis's unit ("at 2.1
    years from the index date" when the axis names no unit in brackets)."""
    unit = d.x_label[d.x_label.find("(") + 1:-1] if d.x_label.endswith(")") else d.x_label
    return f"at {number(t, 1)} {unit}".rstrip()


def _n(count: int, noun: str) -> str:
    """"1 patient", "3 patients"."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _km(d: FigureData) -> str:
    """Per curve: the patients at risk at time 0 (when the figure has its numbers at risk),
    the censored, and the estimate at the curve's last time."""
    curves, censored = d.frames["curves"], d.frames["censored"]
    at_risk = d.frames.get("at_risk")
    names = [g for g, _ in _groups(censored)] + [g for g, _ in _groups(curves)]
    parts = []
    for group in dict.fromkeys(names):
        sub = curves.filter(pl.col("group") == group).sort("time")
        text = f"{group}: "
        if at_risk is not None:
            start = at_risk.filter((pl.col("group") == group) & (pl.col("time") == 0))
            if start.height:
                text += f"{_n(start['n_at_risk'][0], 'patient')} at risk at time 0, "
        text += f"{censored.filter(pl.col('group') == group).height} censored"
        if sub.height:
            last = sub.row(-1, named=True)
            text += f"; estimate {number(last['survival'], 2)} {_at(last['time'], d)}"
        else:
            text += "; no events (the estimate stays 1)"
        parts.append(text)
    return "; ".join(parts) + "." if parts else "No patients."


def _forest(d: FigureData) -> str:
    rows = d.frames["rows"]
    return "; ".join(
        f"{r['measure']}, {r['table']}, {r['group']} (n={r['n']}): "
        + estimate_ci(r["mean"], r["ci_low"], r["ci_high"], measure_decimals(r["measure"]), True)
        for r in rows.iter_rows(named=True)) + "." if rows.height else "No groups."


def _swimmer(d: FigureData) -> str:
    f = d.frames
    return (f"{_n(f['patients'].height, 'patient')}: {_n(f['drugs'].height, 'drug exposure')}, "
            f"{_n(f['courses'].height, 'index-drug course')}, "
            f"{_n(f['relapses'].height, 'relapse')}.")


def _msfc(d: FigureData) -> str:
    means = d.frames["means"]
    text = _n(_patients(d.frames["points"]), "patient")
    if means.height:
        text += "; mean change " + "; ".join(
            f"{r['measure']} {estimate_ci(r['mean'], r['ci_low'], r['ci_high'], 2, True)} "
            f"(n={r['n']})" for r in means.iter_rows(named=True))
    return text + "."


def _rnfl(d: FigureData) -> str:
    points = d.frames["points"]
    return "; ".join(
        f"{group}: {_n(sub.select('patient_id', 'eye').n_unique(), 'eye')} of "
        f"{_n(_patients(sub), 'patient')}, RNFL {_span(sub['rnfl_um'], 0)} µm"
        for group, sub in _groups(points)) + "." if points.height else "No eyes."


def _flow(d: FigureData) -> str:
    return "; ".join(f"{r['box']}: {r['n']}" for r in d.frames["flow"].iter_rows(named=True)
                     ) + "."


def _categories(d: FigureData) -> str:
    return "; ".join(
        f"{group}: " + ", ".join(f"{share(r['n'], r['of'])} {r['category']}"
                                 for r in sub.iter_rows(named=True))
        for group, sub in _groups(d.frames["bars"])) + "."


def _model_trajectory(d: FigureData) -> str:
    points, curve = d.frames["points"], d.frames["curve"]
    parts = []
    for group, sub in _groups(points):
        # no fitted curve (a model that could not be fitted): an empty frame without columns
        c = curve.filter(pl.col("group") == group).sort("time") if curve.height else curve
        text = f"{group}: {_n(_patients(sub), 'patient')}"
        if c.height:
            a, b = c.row(0, named=True), c.row(-1, named=True)
            text += "; fitted mean " + " and ".join(
                f"{estimate_ci(r['fit'], r['ci_low'], r['ci_high'], 1)} {_at(r['time'], d)}"
                for r in (a, b))
        parts.append(text)
    return "; ".join(parts) + "." if parts else "No patients."


def _love(d: FigureData) -> str:
    b = d.frames["balance"]
    return "; ".join(f"{r['covariate']}: SMD {number(abs(r['smd_before']), 3)} before, "
                     f"{number(abs(r['smd_after']), 3)} after"
                     for r in b.iter_rows(named=True)) + "."


def _overlap(d: FigureData) -> str:
    labels = dict(d.frames["groups"].iter_rows())
    before, after = d.frames["before"], d.frames["after"]
    return "; ".join(
        f"{labels[t]}: {before.filter(pl.col('treatment') == t).height} episodes before, "
        f"{after.filter(pl.col('treatment') == t).height} after" for t in labels) + "."


def _incidence(d: FigureData) -> str:
    curves, risk = d.frames["curves"], d.frames["at_risk"]
    parts = []
    for group, r in _groups(risk):
        sub = curves.filter(pl.col("group") == group).sort("time_days")
        text = f"{group}: {r['at_risk'][0]} episodes at risk at the start"
        if sub.height:
            text += (f"; cumulative incidence {number(sub['cumulative_incidence'][-1], 2)} at "
                     f"{number(sub['time_days'][-1] / DAYS_PER_YEAR, 1)} years")
        parts.append(text)
    return "; ".join(parts) + "."


def _timeline(d: FigureData) -> str:
    f = d.frames
    edss = f["edss"].sort("date")
    text = _n(edss.height, "EDSS assessment")
    if edss.height:
        text += (f" from {edss['date'][0]!s} to {edss['date'][-1]!s}, EDSS "
                 f"{number(edss['edss'][0], 1)} first and {number(edss['edss'][-1], 1)} last")
    return (f"{text}; {_n(f['relapses'].height, 'relapse')}; "
            f"{_n(f['courses'].height, 'index-drug course')}; "
            f"{_n(f['events'].height, 'confirmed EDSS event')}; "
            f"{_n(f['drugs'].height, 'drug exposure')}.")


#: The describer of each figure key.
DESCRIBE: dict[str, Callable[[FigureData], str]] = {
    "trajectories": _trajectories, "waterfall": _waterfall, "msss_change": _msss_change,
    "arr_pairs": _arr_pairs, "km_cdw": _km, "km_milestones": _km, "forest": _forest,
    "swimmer": _swimmer, "msfc_changes": _msfc, "rnfl": _rnfl, "flow": _flow,
    "categories": _categories, "models_trajectory": _model_trajectory,
    "comparison_love": _love, "comparison_overlap": _overlap, "timeline": _timeline,
    **{f"comparison_ci_{o}": _incidence
       for o in ("first_relapse", "cdw", "cdi", "discontinuation")},
}


def describe(d: FigureData) -> str:
    """``d`` in words with its numbers (the ``<desc>`` after the caption)."""
    if d.key not in DESCRIBE:
        raise bad_argument("figure key", f"one of {', '.join(DESCRIBE)}", d.key)
    return DESCRIBE[d.key](d)
