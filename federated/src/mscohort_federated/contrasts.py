"""Between-group contrasts of a change, federated: the pooled analysis'
:mod:`mscohort.analyse.contrasts` from per-group cross-products.

For every exclusive split (the follow-up cohorts at the pooled median included), every
change measure and every group, a centre returns over its patients with the change, the
baseline and the follow-up: n, and with Z = [1, baseline, follow-up years] and y = the
change at the analysis precision, Z'Z (3 x 3), Z'y and y'y, and the moments of y (n, sum,
centred sum of squares). The model matrices of the pooled ANCOVA are sums over groups:
X_g = Z_g M_g with M_g selecting the intercept, the group's indicator (the intercept
column again for its own group, zero for the others) and the covariates, so
X'X = sum_g M_g' (Z_g'Z_g) M_g and X'y = sum_g M_g' Z_g'y; the residual sum of squares is
y'y - b'X'y. The OLS inference and Welch's test are the pooled analysis' own
(:func:`~mscohort.analyse.contrasts.ols_inference`,
:func:`~mscohort.analyse.contrasts.welch_from_moments`).

A split and measure with a suppressed group at any centre is suppressed whole: the
reference group (the largest) and every model depend on all groups.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import polars as pl

from mscohort.analyse.contrasts import (
    BASELINE,
    BASELINE_FU,
    WELCH,
    Difference,
    ols_inference,
    welch_from_moments,
)
from mscohort.analyse.stats import at_precision
from mscohort.units import DAYS_PER_YEAR
from mscohort_federated.combine import SUPPRESSED_TEXT, Moments, add_moments
from mscohort_federated.disclosure import SUPPRESSED, is_suppressed, small

#: The follow-up cohorts' split name (:func:`mscohort.stratify.splits.by_median_followup`).
FOLLOWUP_NAME = "follow-up"

#: (change, baseline, label) as :data:`mscohort.analyse.study.CONTRAST_MEASURES`.
MEASURES = (("edss_change", "baseline_edss", "change EDSS"),
            ("msss_change", "baseline_msss", "change MSSS"))


def _splits(frame: pl.DataFrame, median: float | None) -> dict[str, dict[str, pl.Series]]:
    """The groups of each exclusive split by the split's name."""
    from mscohort_federated.partials import followup_masks

    out: dict[str, dict[str, pl.Series]] = {}
    if median is not None:
        out[FOLLOWUP_NAME] = followup_masks(frame, median)
    for c in frame.columns:
        if c.startswith("g|"):
            _, key, group = c.split("|", 2)
            name = str(frame[f"x|{key}"][0]) if frame.height else ""
            if name:
                out.setdefault(name, {})[group] = frame[c]
    return out


def contrast_sums(frame: pl.DataFrame, median: float | None, k: int) -> dict[str, object]:
    """A centre's cross-products per exclusive split, measure and group (module notes)."""
    out: dict[str, object] = {}
    for key, groups in _splits(frame, median).items():
        for change, baseline, label in MEASURES:
            cells: dict[str, object] = {}
            for g, mask in groups.items():
                sub = frame.filter(mask).select(change, baseline, "followup_days").drop_nulls()
                n = sub.height
                if small(n, k):
                    cells[g] = dict(SUPPRESSED)
                    continue
                y = at_precision(sub[change].to_numpy().astype(float))
                z = np.column_stack([np.ones(n), sub[baseline].to_numpy().astype(float),
                                     sub["followup_days"].to_numpy() / DAYS_PER_YEAR])
                cells[g] = {"n": n, "zz": (z.T @ z).tolist(), "zy": (z.T @ y).tolist(),
                            "yy": float(y @ y), "sum": float(y.sum()),
                            "m2": float(((y - y.mean()) ** 2).sum()) if n else 0.0}
            out[f"{key}|{label}"] = cells
    return out


def _ancova(sums: dict[str, dict[str, object]], labels: list[str], reference: str,
            covariates: int) -> dict[str, Difference]:
    """The pooled ANCOVA change ~ 1 + group indicators + the first ``covariates`` of
    (baseline, follow-up years), from the groups' summed cross-products."""
    test = "ANCOVA (OLS)"
    others = [g for g in labels if g != reference]
    p = 1 + len(others) + covariates
    xtx, xty, yty, n = np.zeros((p, p)), np.zeros(p), 0.0, 0
    for g in labels:
        m = np.zeros((3, p))
        m[0, 0] = 1.0
        if g in others:
            m[0, 1 + others.index(g)] = 1.0
        for j in range(covariates):
            m[1 + j, 1 + len(others) + j] = 1.0
        c = sums[g]
        xtx += m.T @ np.asarray(c["zz"]) @ m
        xty += m.T @ np.asarray(c["zy"])
        yty += float(c["yy"])  # type: ignore[arg-type]
        n += int(c["n"])  # type: ignore[call-overload]
    if np.linalg.matrix_rank(xtx) < p or n <= p:
        return {g: Difference(None, None, None, None, test,
                              "covariates collinear with the groups: no model")
                for g in others}
    inv = np.linalg.inv(xtx)
    beta = inv @ xty
    beta, lo, hi, pv = ols_inference(beta, inv, max(yty - float(beta @ xty), 0.0), n)
    return {g: Difference(float(beta[i]), float(lo[i]), float(hi[i]),
                          None if np.isnan(pv[i]) else float(pv[i]), test)
            for i, g in enumerate(others, start=1)}


def _welch(a: Moments, b: Moments) -> Difference:
    var = [0.0 if m.all_equal else m.m2 / (m.n - 1) for m in (a, b)]
    return welch_from_moments(a.n, a.mean, var[0], b.n, b.mean, var[1])  # type: ignore[arg-type]


def contrast_rows(parts: list[dict[str, object]]) -> list[dict[str, object]]:
    """Rows of :data:`mscohort.analyse.contrasts.CONTRAST_SCHEMA` (plus ``status``) from
    the centres' cross-products."""
    rows: list[dict[str, object]] = []
    keys: list[str] = []
    for p in parts:
        keys += [k for k in p if k not in keys]
    for key in keys:
        split, label = key.rsplit("|", 1)
        cells = [p.get(key, {}) for p in parts]
        if any(is_suppressed(c) for cell in cells for c in cell.values()):  # type: ignore[attr-defined]
            rows.append({"split": split, "measure": label, "status": SUPPRESSED_TEXT})
            continue
        groups: list[str] = []
        for cell in cells:
            groups += [g for g in cell if g not in groups]  # type: ignore[attr-defined]
        sums: dict[str, dict[str, object]] = {}
        for g in groups:
            live = [c[g] for c in cells if g in c and c[g]["n"]]  # type: ignore[index,operator]
            if live:
                sums[g] = {"n": sum(c["n"] for c in live),
                           "zz": np.sum([c["zz"] for c in live], axis=0),
                           "zy": np.sum([c["zy"] for c in live], axis=0),
                           "yy": sum(c["yy"] for c in live),
                           "moments": add_moments(live)}
        parts_ = {g: s for g, s in sums.items() if s["n"] >= 2}  # type: ignore[operator]
        one = [g for g, s in sums.items() if s["n"] == 1]
        if len(parts_) < 2:
            continue
        reference = max(parts_, key=lambda g: parts_[g]["n"])  # type: ignore[arg-type,return-value]
        labels = list(parts_)
        adjusted = {BASELINE: _ancova(parts_, labels, reference, 1),
                    BASELINE_FU: _ancova(parts_, labels, reference, 2)}
        for g in labels:
            if g == reference:
                continue
            results = {WELCH: _welch(parts_[g]["moments"], parts_[reference]["moments"]),  # type: ignore[arg-type]
                       **{a: v[g] for a, v in adjusted.items()}}
            for adjustment, r in results.items():
                rows.append({"split": split, "measure": label, "group": g,
                             "reference": reference, "n_group": parts_[g]["n"],
                             "n_reference": parts_[reference]["n"], "adjustment": adjustment,
                             **asdict(r), "status": "exact"})
        for g in one:
            for adjustment in (WELCH, BASELINE, BASELINE_FU):
                rows.append({"split": split, "measure": label, "group": g,
                             "reference": reference, "n_group": 1,
                             "n_reference": parts_[reference]["n"], "adjustment": adjustment,
                             **asdict(Difference(None, None, None, None, "not compared",
                                                 "fewer than 2 patients in the group")),
                             "status": "exact"})
    return rows
