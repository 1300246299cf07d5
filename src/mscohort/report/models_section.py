"""The report's "Models" section: the tables of the trajectory, count and time-to-relapse
models (:mod:`mscohort.analyse.models`) and the trajectory figure.

The figure shows the observed trajectories (at most ``MAX_PATIENTS`` patients per group,
drawn at random with a fixed seed, transparent) and the model's fitted mean at the
covariates' means with its 95% band, before and after the index date (time 0). A model that
did not converge has no line and no estimate: its table says why.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from mscohort.analyse.formatting import estimate_ci, format_p, p_text
from mscohort.analyse.models.results import ModelResults
from mscohort.analyse.study import StudyAnalysis
from mscohort.report.drawing import line_style, new_figure, patient_lines, trajectory_panels
from mscohort.report.figures import FigureData
from mscohort.report.plots import Drawn
from mscohort.report.tables import ReportTable

MAX_PATIENTS = 100
SAMPLE_SEED = 24


def trajectory_table(m: ModelResults) -> ReportTable:
    t = m.trajectory
    assert t is not None
    rows = tuple((r["term"], estimate_ci(r["estimate"], r["ci_low"], r["ci_high"], 3, True),
                  format_p(r["p"])) for r in t.slopes.iter_rows(named=True)) if t.converged else (
        ("not fitted", t.note or "", ""),)
    notes = [f"{t.n_patients} patients, {t.n_visits} assessments ({t.n_visits_before} before "
             f"and {t.n_visits_after} after the index date); random intercept and slope per "
             f"patient, {'REML' if t.reml else 'maximum likelihood'}."]
    notes += [f"Left out: {r['reason']} ({r['patients']} patients, {r['visits']} "
              "assessments)." for r in t.dropped.iter_rows(named=True)]
    if t.variances:
        v = t.variances
        notes.append(f"Random-effect variances: intercept {v['intercept']:.3g}, slope "
                     f"{v['slope']:.3g} (covariance {v['intercept_slope_cov']:.3g}); "
                     f"residual {v['residual']:.3g}.")
    notes += [f"Fit warning: {w}" for w in t.warnings]
    return ReportTable("models_trajectory", f"Models: {t.label} slope per year "
                       "before and after the index date (piecewise linear mixed model)",
                       ("Slope", "Estimate (95% CI)", "p"), rows, tuple(notes))


def rate_table(m: ModelResults) -> ReportTable:
    c = m.counts
    assert c is not None
    rows = tuple((r["model"], r["comparison"], str(r["n_patients"]), str(r["events"]),
                  estimate_ci(r["ratio"], r["ci_low"], r["ci_high"], 2)
                  if r["ratio"] is not None else (r["note"] or ""), format_p(r["p"]))
                 for r in c.ratios.iter_rows(named=True))
    notes = tuple(
        f"Over-dispersion, {r['model']}: alpha "
        + estimate_ci(r["alpha"], r["alpha_ci_low"], r["alpha_ci_high"], 3)
        + f" (likelihood-ratio test against Poisson: {p_text(r['lr_p'])}); Pearson "
        + f"chi-square / df of the Poisson model {r['pearson_dispersion']:.2f}."
        for r in c.dispersion.iter_rows(named=True)) + tuple(
        f"Fit warning: {w}" for w in c.warnings)
    return ReportTable("models_rate_ratios", "Models: relapse rate ratios (count models with "
                       "person-time offsets)", ("Model", "Comparison", "Patients", "Relapses",
                                                 "Rate ratio (95% CI)", "p"), rows, notes)


def relapse_time_table(m: ModelResults) -> ReportTable:
    r = m.relapse_time
    assert r is not None
    per_group = r.data.group_by("group", maintain_order=True).agg(
        pl.len().alias("n"), pl.col("relapse").sum().alias("events")).sort("group")
    rows = tuple((str(g["group"]), str(g["n"]), str(g["events"]), "", "")
                 for g in per_group.iter_rows(named=True)) + tuple(
        (f"hazard ratio {h['term']}", "", "",
         estimate_ci(h["estimate"], h["ci_low"], h["ci_high"], 2), format_p(h["p"]))
        for h in r.hazard_ratios.iter_rows(named=True))
    return ReportTable("models_relapse_time", "Models: time to first relapse after the index "
                       "date (Cox model, Efron ties)",
                       ("Group", "Patients", "First relapses", "Hazard ratio (95% CI)", "p"),
                       rows, (r.note,) if r.note else ())


def model_tables(a: StudyAnalysis) -> list[ReportTable]:
    m = a.models
    if m is None:
        return []
    return [*([trajectory_table(m)] if m.trajectory is not None else []),
            *([rate_table(m)] if m.counts is not None else []),
            *([relapse_time_table(m)] if m.relapse_time is not None else [])]


def trajectory_figure(m: ModelResults) -> FigureData:
    t = m.trajectory
    assert t is not None
    rng = np.random.default_rng(SAMPLE_SEED)
    parts = []
    for (_,), g in m.visits.group_by("group", maintain_order=True):
        ids = g["patient_id"].unique().sort().to_numpy()
        keep = rng.choice(ids, MAX_PATIENTS, replace=False) if ids.size > MAX_PATIENTS else ids
        parts.append(g.filter(pl.col("patient_id").is_in(keep.tolist())))
    points = pl.concat(parts) if parts else m.visits
    shown = points["patient_id"].n_unique() if points.height else 0
    return FigureData(
        "models_trajectory", f"{t.label} trajectories and the fitted mean",
        f"Observed {t.label} of {shown} of {t.n_patients} patients"
        + (f" (at most {MAX_PATIENTS} per group at random)" if shown < t.n_patients else "")
        + "; line: the piecewise mixed model's mean at the covariates' means, band: its 95% "
        "confidence interval" + ("" if t.converged else "; the model did not converge, so "
                                 "no mean is drawn") + ".",
        {"points": points, "curve": t.curve}, "years from the index date", t.label)


def draw_trajectory(d: FigureData) -> Drawn:
    points, curve = d.frames["points"], d.frames["curve"]
    groups = sorted(points["group"].unique().to_list()) if points.height else [""]
    fig = new_figure(7.0, 3.0 * len(groups))
    drawn = Drawn(d, fig)
    axes = trajectory_panels(fig, groups)
    for i, (ax, group) in enumerate(zip(axes, groups, strict=True)):
        style = line_style(i)
        sub = points.filter(pl.col("group") == group)
        lines, tips = patient_lines(ax, sub, "value")
        drawn.tag(lines, tips)
        c = curve.filter(pl.col("group") == group) if curve.height else curve
        if c.height:
            band = ax.fill_between(c["time"], c["ci_low"], c["ci_high"],
                                   color=style["color"], alpha=0.25, linewidth=0)
            drawn.tag(band, f"{group or 'all'}: 95% confidence band of the mean")
            (line,) = ax.plot(c["time"], c["fit"], color=style["color"], linewidth=2.5,
                              linestyle=style["linestyle"], label="fitted mean")
            drawn.tag(line, f"{group or 'all'}: fitted mean")
        shown = sub["patient_id"].n_unique() if sub.height else 0
        ax.set_title(f"{group} (n={shown} shown)" if group else f"n={shown} shown",
                     loc="left", fontsize=10)
        ax.set_ylabel(d.y_label)
        ax.autoscale_view()
    axes[-1].set_xlabel(d.x_label)
    return drawn


def model_figures(a: StudyAnalysis) -> list[FigureData]:
    """The data of the models' figure (none when the trajectory model was not asked for);
    drawn by :func:`draw_trajectory` through the report's registry (``report.sections``)."""
    m = a.models
    if m is None or m.trajectory is None or m.visits.height == 0:
        return []
    return [trajectory_figure(m)]
