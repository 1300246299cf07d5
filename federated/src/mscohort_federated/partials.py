"""What a centre returns: aggregates of its analysis frame, small cells suppressed.

Every function here takes the centre's analysis frame (:mod:`mscohort_federated.extract`)
and returns plain JSON data: counts, sums, centred sums of squares, person-time, event
counts per time, gradients and Hessians. No patient id, date or per-patient row.

* **Moments** of a measure: ``n``, ``sum`` and ``m2`` = sum of squared deviations from the
  centre's mean, of the values rounded to the analysis precision
  (:func:`mscohort.analyse.stats.at_precision`). Centres combine exactly by Chan, Golub and
  LeVeque (1983): n = sum n_c, mean = sum(sum_c) / n,
  m2 = sum(m2_c + n_c (mean_c - mean)^2) (:mod:`mscohort_federated.combine`).
* **Paired moments**: the same of the differences after - before, plus the sums before and
  after (the means over the pairs tested).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from mscohort.analyse.stats import at_precision
from mscohort_federated.disclosure import SUPPRESSED, small
from mscohort_federated.extract import FOLLOWUP_SPLIT, NEDA, split_groups

#: Measures of the tables (docs/analysis.md, "Splits"): the follow-up cohorts carry all six.
FIRST_MEASURES = ("age_at_index", "followup", "baseline_edss", "edss_change",
                  "baseline_msss", "msss_change")
OTHER_MEASURES = ("followup", "edss_change", "msss_change")
CATEGORIES = ("improved", "stable", "worsened")


def values(frame: pl.DataFrame, column: str, exact: bool = False) -> np.ndarray:
    """The non-missing values of ``column`` at the analysis precision (``exact``: as
    stored, for order statistics, which mscohort takes unrounded)."""
    v = frame[column].cast(pl.Float64).drop_nulls().drop_nans().to_numpy()
    return v if exact else at_precision(v)


def moments(v: np.ndarray, k: int, ranges: bool) -> dict[str, object]:
    """``n``, ``sum``, ``m2`` (and ``min``, ``max`` when ranges are allowed) of ``v``."""
    n = int(v.size)
    if small(n, k):
        return dict(SUPPRESSED)
    if n == 0:
        return {"n": 0}
    out: dict[str, object] = {"n": n, "sum": float(v.sum()),
                              "m2": float(((v - v.mean()) ** 2).sum())}
    if ranges:
        out |= {"min": float(v.min()), "max": float(v.max())}
    return out


def paired_moments(frame: pl.DataFrame, before: str, after: str, k: int) -> dict[str, object]:
    """Moments of after - before over the complete pairs, and the sums before and after."""
    both = frame.filter(pl.col(before).is_not_null() & pl.col(before).is_not_nan()
                        & pl.col(after).is_not_null() & pl.col(after).is_not_nan())
    b = both[before].cast(pl.Float64).to_numpy()
    a = both[after].cast(pl.Float64).to_numpy()
    n = int(b.size)
    if small(n, k):
        return dict(SUPPRESSED)
    if n == 0:
        return {"n": 0}
    diff = at_precision(a - b)
    return {"n": n, "before": float(b.sum()), "after": float(a.sum()),
            "sum": float(diff.sum()), "m2": float(((diff - diff.mean()) ** 2).sum())}


def count(n: int, k: int) -> object:
    return dict(SUPPRESSED) if small(n, k) else n


def group_cells(sub: pl.DataFrame, measures: tuple[str, ...], k: int, ranges: bool
                ) -> dict[str, object]:
    """One group of a table: its size, the moments of each measure and its NEDA shares."""
    if small(sub.height, k):
        return dict(SUPPRESSED)
    shares = {}
    for c in NEDA:
        v = sub[c].drop_nulls()
        n, pos = v.len(), int(v.sum())
        shares[c] = (dict(SUPPRESSED) if small(n, k) or small(pos, k) or small(n - pos, k)
                     else {"n": n, "k": pos})
    return {"n_group": sub.height,
            "measures": {m: moments(values(sub, m), k, ranges) for m in measures},
            "neda": shares}


def summary(frame: pl.DataFrame, timepoints: list[str], k: int, ranges: bool
            ) -> dict[str, object]:
    """Round 1: every aggregate that needs nothing pooled (module notes)."""
    ok = frame.filter(pl.col("analysed"))
    groups: dict[str, dict[str, object]] = {
        "all": {"all analysed": group_cells(ok, FIRST_MEASURES, k, ranges)}}
    for key, names in split_groups(frame).items():
        groups[key] = {g: group_cells(frame.filter(pl.col(f"g|{key}|{g}")), OTHER_MEASURES,
                                      k, ranges) for g in names}
    base = frame.filter(pl.col("baseline_edss").is_not_null())
    rel_test = frame.filter(pl.col("in_relapse_analysis") & pl.col("arr_during").is_not_null())
    tests = {"EDSS": paired_moments(ok, "baseline_edss", "followup_edss", k),
             "MSSS": paired_moments(ok, "baseline_msss", "followup_msss", k)}
    for slug in timepoints:
        tests[f"edss_{slug}"] = paired_moments(base, "baseline_edss", f"edss_{slug}", k)
    tests["ARR"] = paired_moments(rel_test, "arr_before", "arr_during", k)
    categories = {}
    for cat in CATEGORIES:
        sub = ok.filter(pl.col("change_category") == cat)
        categories[cat] = ({"n": count(sub.height, k),
                            "change": moments(values(sub, "edss_change"), k, ranges)}
                           if not small(sub.height, k) else dict(SUPPRESSED))
    timed = frame.filter(pl.col("time_to_cdw_days").is_not_null())
    return {"n_patients": count(frame.height, k), "n_analysed": count(ok.height, k),
            "km_all": dict(SUPPRESSED) if small(timed.height, k) else event_table(timed),
            "has_mri": bool(frame["has_mri"].any()) if frame.height else False,
            "groups": groups, "tests": tests, "categories": categories,
            "relapses": relapse_groups(frame, k, ranges)}


def relapse_masks(frame: pl.DataFrame) -> dict[str, pl.Series]:
    """The relapse population and each subgroup within it (``mscohort.analyse.tables``)."""
    base = frame["relapse_population"]
    return {"all": base} | {c.removeprefix("sub|"): base & frame[c]
                            for c in frame.columns if c.startswith("sub|")}


def relapse_groups(frame: pl.DataFrame, k: int, ranges: bool) -> dict[str, object]:
    """Per relapse group: patients, events and person-years in both periods, moments of the
    per-patient rates and of their paired change."""
    out: dict[str, object] = {}
    for name, mask in relapse_masks(frame).items():
        g = frame.filter(mask)
        if small(g.height, k):
            out[name] = dict(SUPPRESSED)
            continue
        out[name] = {"n": g.height, "events_before": int(g["relapses_before"].sum()),
                     "years_before": float(g["years_before"].sum()),
                     "events_during": int(g["relapses_during"].sum()),
                     "years_during": float(g["years_during"].sum()),
                     "arr_before": moments(values(g, "arr_before"), k, ranges),
                     "arr_during": moments(values(g, "arr_during"), k, ranges),
                     "paired": paired_moments(g, "arr_before", "arr_during", k)}
    return out


def followup_masks(frame: pl.DataFrame, median: float) -> dict[str, pl.Series]:
    """The follow-up cohorts at the pooled median (:func:`by_median_followup`'s tie rule)."""
    ok = frame["analysed"]
    return {"long-term": ok & (frame["followup"] > median).fill_null(False),
            "short-term": ok & (frame["followup"] <= median).fill_null(False)}


def event_table(sub: pl.DataFrame) -> dict[str, list]:
    """Time to first confirmed worsening as counts per distinct time: events and censored."""
    t = sub.filter(pl.col("time_to_cdw_days").is_not_null())
    agg = t.group_by("time_to_cdw_days").agg(
        pl.col("cdw_observed").fill_null(False).sum().alias("e"), pl.len().alias("all")
    ).sort("time_to_cdw_days")
    return {"time": agg["time_to_cdw_days"].to_list(), "events": agg["e"].to_list(),
            "censored": (agg["all"] - agg["e"]).to_list()}


def followup_split(frame: pl.DataFrame, median: float, k: int, ranges: bool
                   ) -> dict[str, object]:
    """Round 2: the follow-up cohorts' table cells and their event tables."""
    out: dict[str, object] = {}
    for name, mask in followup_masks(frame, median).items():
        sub = frame.filter(mask)
        cells = group_cells(sub, FIRST_MEASURES, k, ranges)
        out[name] = cells if "suppressed" in cells else cells | {"km": event_table(sub)}
    return {FOLLOWUP_SPLIT: out}


def target_mask(frame: pl.DataFrame, target: dict[str, object]) -> pl.Series:
    """The patients of a count query's target: all analysed, a local split's group, a
    follow-up cohort at a given median, or every patient (the values of the target's
    column, e.g. the days overdue of a safety panel, :mod:`mscohort_federated.safety`)."""
    split, group = str(target["split"]), str(target["group"])
    if split == "all":
        return frame["analysed"]
    if split == "every patient":
        return pl.Series([True] * frame.height)
    if split == FOLLOWUP_SPLIT:
        return followup_masks(frame, float(target["median"]))[group]  # type: ignore[arg-type]
    column = f"g|{split}|{group}"
    if column not in frame.columns:
        return pl.Series([False] * frame.height)
    return frame[column]


def counts_at(frame: pl.DataFrame, queries: list[dict[str, object]], k: int
              ) -> list[object]:
    """For each query (a target and thresholds): n and the counts of values <= each
    threshold, or suppressed."""
    out: list[object] = []
    for q in queries:
        column = str(q["column"])
        v = (np.sort(values(frame.filter(target_mask(frame, q)), column, exact=True))
             if column in frame.columns else np.array([]))  # e.g. no treated patient
        if small(int(v.size), k):
            out.append(dict(SUPPRESSED))
            continue
        thresholds = np.asarray(q["thresholds"], dtype=float)
        out.append({"n": int(v.size),
                    "counts": np.searchsorted(v, thresholds, side="right").tolist()})
    return out


def poisson_terms(frame: pl.DataFrame, betas: dict[str, list[float]], k: int
                  ) -> dict[str, object]:
    """Per relapse group at its ``beta`` = (log rate before, log rate ratio): the score
    (gradient), the information (-Hessian) and the sum of the patients' score outer
    products of the Poisson model with a person-time offset (mscohort.analyse.rates)."""
    out: dict[str, object] = {}
    masks = relapse_masks(frame)
    for name, beta in betas.items():
        g = frame.filter(masks[name]) if name in masks else frame.clear()
        if small(g.height, k):
            out[name] = dict(SUPPRESSED)
            continue
        y0, t0, y1, t1 = (g[c].cast(pl.Float64).to_numpy() for c in (
            "relapses_before", "years_before", "relapses_during", "years_during"))
        mu0 = t0 * np.exp(beta[0])
        mu1 = t1 * np.exp(beta[0] + beta[1])
        u = np.column_stack([(y0 - mu0) + (y1 - mu1), y1 - mu1])
        info = [[float(mu0.sum() + mu1.sum()), float(mu1.sum())],
                [float(mu1.sum()), float(mu1.sum())]]
        out[name] = {"n": g.height, "gradient": u.sum(axis=0).tolist(), "information": info,
                     "meat": (u.T @ u).tolist()}
    return out
