"""Outcomes of a comparison cohort: annualised relapse rates and their ratio, and the
hazard ratios and curves of time to first relapse, to 6-month confirmed disability
worsening and improvement, and to treatment discontinuation.

Notes
-----
* **ARR** of a group: sum w_i y_i / sum w_i years_i over its episodes (relapses per
  patient-year, weighted by the design's weights). The **rate ratio** (treated / control)
  from a weighted Poisson and a weighted negative binomial model with cluster-robust
  (CR1) errors by matched set, or by patient for weighted designs
  (:mod:`mscohort.analyse.comparative.ratemodels`). Episodes with no follow-up (0 days)
  carry no person-time and are left out of the rate models.
* **Time to event**: weighted Cox hazard ratio (treated / control; Efron's ties) with
  Lin-Wei robust errors clustered the same way, a normal 95% interval, and the weighted
  Kaplan-Meier curve of each group, with its cumulative incidence 1 - S(t) and the
  numbers at risk (:mod:`mscohort.analyse.comparative.wcox`).
* Each ratio carries its E-value (VanderWeele and Ding 2017): rate ratios used as risk
  ratios; hazard ratios as risk ratios when the outcome is rare (under 15% of episodes
  with the event), else converted (:mod:`mscohort.analyse.comparative.evalue`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats

from mscohort.analyse.comparative.clustering import clusters_of
from mscohort.analyse.comparative.cohort import ComparisonCohort
from mscohort.analyse.comparative.evalue import e_value
from mscohort.analyse.comparative.followup import FollowUp, row_key
from mscohort.analyse.comparative.ratemodels import fit_rate
from mscohort.analyse.comparative.wcox import fit_weighted_cox, weighted_km
from mscohort.units import DAYS_PER_YEAR

#: The outcome table's columns (one row per outcome and model). ``n_*``: distinct episodes
#: of the group (a control reused across matched sets counts once); ``events_*``: the
#: unweighted count of relapses or events over the rows (a reused control's relapses in
#: each of its sets' follow-up); ``weighted_events_*`` and ``weighted_years_*``: the same
#: weighted by the design's weights; ``rate_*``: the weighted ARR (weighted events /
#: weighted years; relapse rate only).
OUTCOME_SCHEMA: dict[str, pl.DataType] = {
    "outcome": pl.String(), "model": pl.String(), "measure": pl.String(),
    "n_treated": pl.Int64(), "n_control": pl.Int64(),
    "events_treated": pl.Int64(), "events_control": pl.Int64(),
    "weighted_events_treated": pl.Float64(), "weighted_events_control": pl.Float64(),
    "weighted_years_treated": pl.Float64(), "weighted_years_control": pl.Float64(),
    "rate_treated": pl.Float64(), "rate_control": pl.Float64(),
    "estimate": pl.Float64(), "ci_low": pl.Float64(), "ci_high": pl.Float64(),
    "p": pl.Float64(), "e_value": pl.Float64(), "e_value_ci": pl.Float64(),
    "note": pl.String(),
}
#: The curves' columns (one row per outcome, group and event time).
CURVE_SCHEMA: dict[str, pl.DataType] = {
    "outcome": pl.String(), "group": pl.String(), "time_days": pl.Float64(),
    "at_risk": pl.Int64(), "events": pl.Int64(), "at_risk_weighted": pl.Float64(),
    "events_weighted": pl.Float64(), "survival": pl.Float64(),
    "cumulative_incidence": pl.Float64(),
}
#: Numbers at risk are counted at these years from the episode start.
AT_RISK_YEARS = (0, 1, 2, 3, 4, 5)
AT_RISK_SCHEMA: dict[str, pl.DataType] = {"outcome": pl.String(), "group": pl.String(),
                                          "year": pl.Int64(), "at_risk": pl.Int64()}
#: An outcome is "rare" for the E-value's hazard-ratio conversion below this proportion.
RARE_BELOW = 0.15


@dataclass(frozen=True)
class OutcomeRows:
    """The rows of the outcome table and the curves of one or more outcomes."""

    table: pl.DataFrame  #: OUTCOME_SCHEMA
    curves: pl.DataFrame  #: CURVE_SCHEMA
    at_risk: pl.DataFrame  #: AT_RISK_SCHEMA: episodes with time >= each year, by group


def _with_evalue(row: dict[str, object], kind: str, rare: bool) -> dict[str, object]:
    est, lo, hi = row.get("estimate"), row.get("ci_low"), row.get("ci_high")
    if all(isinstance(v, float) and math.isfinite(v) and v > 0 for v in (est, lo, hi)):
        ev = e_value(float(est), float(lo), float(hi), kind, rare)  # type: ignore[arg-type]
        row |= {"e_value": ev.estimate, "e_value_ci": ev.ci}
    return row


def _counts(t: pl.DataFrame, tr: np.ndarray, y: np.ndarray, w: np.ndarray,
            years: np.ndarray) -> dict[str, object]:
    """The count columns of :data:`OUTCOME_SCHEMA` of the rows ``t`` (treated where
    ``tr``): distinct episodes, events unweighted and weighted, weighted years."""
    ids = t["episode_id"].to_numpy()
    out: dict[str, object] = {}
    for g, m in (("treated", tr), ("control", ~tr)):
        out |= {f"n_{g}": int(np.unique(ids[m]).size), f"events_{g}": int(y[m].sum()),
                f"weighted_events_{g}": float(w[m] @ y[m]),
                f"weighted_years_{g}": float(w[m] @ years[m])}
    return out


def _empty(outcome: str, model: str, measure: str, note: str, **counts: object
           ) -> dict[str, object]:
    return dict.fromkeys(OUTCOME_SCHEMA) | {"outcome": outcome, "model": model,
                                            "measure": measure, "note": note} | counts


def relapse_rate_rows(cohort: ComparisonCohort, fu: FollowUp) -> pl.DataFrame:
    """ARR per group and the Poisson and negative binomial rate ratios (module Notes)."""
    t = fu.table.filter(pl.col("fu_days") > 0)
    left_out = fu.table.height - t.height
    tr = t["treatment"].to_numpy() == 1
    w = t["weight"].to_numpy().astype(float)
    y = t["relapses"].to_numpy().astype(float)
    yrs = t["fu_years"].to_numpy()
    counts = _counts(t, tr, y, w, yrs)
    for g, m in (("treated", tr), ("control", ~tr)):
        years = float(w[m] @ yrs[m])
        counts[f"rate_{g}"] = float(w[m] @ y[m]) / years if years > 0 else None
    clusters = clusters_of(cohort, t)
    by = clusters.label
    note = (f"{left_out} episode(s) without follow-up left out" if left_out else None)
    rows = []
    for family, label in (("poisson", "Poisson"), ("negbin", "negative binomial")):
        model = f"{label}, CR1 errors by {by}"
        if y[tr].sum() == 0 or y[~tr].sum() == 0:
            rows.append(_empty("relapse_rate", model, "rate ratio",
                               "no relapse in a group: no estimate", **counts))
            continue
        x = np.column_stack([np.ones(t.height), tr.astype(float)])
        fit = fit_rate(y, x, yrs, w, clusters, family)
        if not fit.converged:
            rows.append(_empty("relapse_rate", model, "rate ratio", "; ".join(filter(None, [
                note, "the fit did not converge: no estimate"])), **counts))
            continue
        est = fit.ratio(1)
        extra = f"alpha = {fit.alpha:.4g}" if family == "negbin" else None
        if est["ci_low"] is None:
            extra = "; ".join(filter(None, [extra, "the robust variance is not positive: "
                                            "no interval"]))
        row = dict.fromkeys(OUTCOME_SCHEMA) | counts | {
            "outcome": "relapse_rate", "model": model, "measure": "rate ratio",
            "estimate": est["ratio"], "ci_low": est["ci_low"], "ci_high": est["ci_high"],
            "p": est["p"], "note": "; ".join(filter(None, [note, extra])) or None}
        rows.append(_with_evalue(row, "rate_ratio", True))
    return pl.DataFrame(rows, schema=OUTCOME_SCHEMA, orient="row")


def time_to_event_rows(cohort: ComparisonCohort, fu: FollowUp, times: pl.DataFrame,
                       outcome: str, note: str | None = None) -> OutcomeRows:
    """The weighted Cox hazard ratio and the weighted Kaplan-Meier curves of one outcome;
    ``times``: ``episode_id``, ``time_days``, ``event`` and ``row_key``, one row per row of
    the follow-up at most (module Notes)."""
    t = times.drop("episode_id").join(
        fu.table.select(row_key(fu.table), "episode_id", "patient_id", "pair_id",
                        "treatment", "weight"), on="row_key")
    tr = t["treatment"].to_numpy() == 1
    time = t["time_days"].to_numpy().astype(float)
    ev = t["event"].to_numpy().astype(bool)
    w = t["weight"].to_numpy().astype(float)
    clusters = clusters_of(cohort, t)
    by = clusters.label
    model = f"Cox (Efron), Lin-Wei robust errors by {by}"
    counts = _counts(t, tr, ev.astype(float), w, time / DAYS_PER_YEAR)
    curves = []
    for g, m in ((cohort.treated, tr), (cohort.control, ~tr)):
        km = weighted_km(time[m], ev[m], w[m]).rename({"time": "time_days"})
        curves.append(km.with_columns(pl.lit(outcome).alias("outcome"),
                                      pl.lit(g).alias("group")).select(*CURVE_SCHEMA))
    curve = pl.concat(curves) if curves else pl.DataFrame(schema=CURVE_SCHEMA)
    risk = pl.DataFrame([{"outcome": outcome, "group": g, "year": y,
                          "at_risk": int((time[m] >= y * DAYS_PER_YEAR).sum())}
                         for g, m in ((cohort.treated, tr), (cohort.control, ~tr))
                         for y in AT_RISK_YEARS], schema=AT_RISK_SCHEMA, orient="row")
    if ev[tr].sum() == 0 or ev[~tr].sum() == 0:
        # no event in a group: the partial likelihood has no maximum (the ratio is 0 or
        # infinite), so no estimate is reported
        row = _empty(outcome, model, "hazard ratio",
                     "; ".join(filter(None, [note, "no event in a group: no estimate"])),
                     **counts)
        return OutcomeRows(pl.DataFrame([row], schema=OUTCOME_SCHEMA, orient="row"), curve,
                           risk)
    fit = fit_weighted_cox(time, ev, tr.astype(float)[:, None], w, clusters)
    if not fit.converged:
        row = _empty(outcome, model, "hazard ratio", "; ".join(filter(None, [
            note, "the Cox fit did not converge: no estimate"])), **counts)
        return OutcomeRows(pl.DataFrame([row], schema=OUTCOME_SCHEMA, orient="row"), curve,
                           risk)
    v = float(fit.robust_cov[0, 0])  # two-way: may be negative in small samples
    b, se = float(fit.params[0]), math.sqrt(v) if v > 0 else float("nan")
    z = float(stats.norm.ppf(0.975))
    ok = se > 0 and math.isfinite(b)
    row = dict.fromkeys(OUTCOME_SCHEMA) | counts | {
        "outcome": outcome, "model": model, "measure": "hazard ratio",
        "estimate": math.exp(b), "ci_low": math.exp(b - z * se) if ok else None,
        "ci_high": math.exp(b + z * se) if ok else None,
        "p": float(2 * stats.norm.sf(abs(b / se))) if ok else None,
        "note": note if ok else "; ".join(filter(None, [
            note, "the robust variance is not positive: no interval"]))}
    rare = ev.mean() < RARE_BELOW if ev.size else True
    return OutcomeRows(pl.DataFrame([_with_evalue(row, "hazard_ratio", bool(rare))],
                                    schema=OUTCOME_SCHEMA, orient="row"), curve, risk)
