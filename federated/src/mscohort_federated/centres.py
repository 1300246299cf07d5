"""Each centre's main outcomes beside the pooled ones, and how much the centres differ.

Main outcomes: the mean EDSS change of the analysed patients (variance of the mean
SD^2 / n) and the relapse rate ratio during vs before (log scale, variance SE^2 of the
patient-clustered sandwich). A centre whose cell is suppressed has no row values and does
not enter the meta-analysis (:mod:`mscohort_federated.meta`).
"""

from __future__ import annotations

import math

from mscohort_federated.combine import SUPPRESSED_TEXT, add_moments, rate_stats
from mscohort_federated.disclosure import is_suppressed
from mscohort_federated.meta import dersimonian_laird


def centre_rows(organizations: list[int], names: dict[int, str],
                summaries: dict[int, object], own: dict[int, dict[str, object]]
                ) -> list[dict[str, object]]:
    rows = []
    for o in organizations:
        s = summaries[o]
        cell = s["groups"]["all"]["all analysed"]  # type: ignore[index]
        row: dict[str, object] = {"centre": names[o], "n_analysed": s["n_analysed"]}  # type: ignore[index]
        if is_suppressed(row["n_analysed"]):
            row["n_analysed"] = SUPPRESSED_TEXT
        m = None if is_suppressed(cell) else add_moments([cell["measures"]["edss_change"]])  # type: ignore[index]
        if m is not None and m.n >= 2:
            row |= {"edss_change_n": m.n, "edss_change_mean": m.mean, "edss_change_sd": m.sd,
                    "edss_change_var_mean": m.sd ** 2 / m.n}  # type: ignore[operator]
        else:
            row["edss_change_mean"] = SUPPRESSED_TEXT if m is None else None
        rel = s["relapses"].get("all")  # type: ignore[index]
        if isinstance(rel, dict) and not is_suppressed(rel):
            for period in ("before", "during"):
                r = rate_stats(rel[f"events_{period}"], rel[f"years_{period}"])
                row[f"pooled_{period}"] = r["rate"]
        rr = own.get(o)
        if rr:
            row |= {"rate_ratio": rr["rate_ratio"], "rate_ratio_ci_low": rr["ci_low"],
                    "rate_ratio_ci_high": rr["ci_high"], "log_rr": rr["log_rr"],
                    "log_rr_se": rr["se"]}
        rows.append(row)
    return rows


def pooled_row(n_analysed: int | None, cells: list[object],
               relapses: list[dict[str, object]]) -> dict[str, object]:
    """The pooled values of the same columns, for the row under the centres."""
    row: dict[str, object] = {"centre": "pooled", "n_analysed": (
        SUPPRESSED_TEXT if n_analysed is None else n_analysed)}
    m = None if any(is_suppressed(c) for c in cells) else add_moments(
        [c["measures"]["edss_change"] for c in cells])  # type: ignore[index]
    row |= ({"edss_change_n": m.n, "edss_change_mean": m.mean, "edss_change_sd": m.sd}
            if m is not None else {"edss_change_mean": SUPPRESSED_TEXT})
    rel = next((r for r in relapses if r["group"] == "all"), None)
    if rel is not None and rel.get("status") != SUPPRESSED_TEXT:
        row |= {k: rel.get(k) for k in ("pooled_before", "pooled_during", "rate_ratio",
                                        "rate_ratio_ci_low", "rate_ratio_ci_high")}
    return row


def heterogeneity(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """I^2, Cochran's Q and the DerSimonian-Laird estimate of each main outcome."""
    change = [(r["edss_change_mean"], r["edss_change_var_mean"]) for r in rows
              if r.get("edss_change_var_mean")]
    rr = [(r["log_rr"], r["log_rr_se"] ** 2) for r in rows  # type: ignore[operator]
          if "log_rr" in r and r["log_rr_se"]]
    out = []
    for outcome, pairs, back in (("mean EDSS change", change, None),
                                 ("relapse rate ratio (log scale)", rr, math.exp)):
        meta = dersimonian_laird([p[0] for p in pairs], [p[1] for p in pairs])  # type: ignore[misc]
        row = {"outcome": outcome} | meta.as_dict()
        if back is not None and meta.random is not None:
            row |= {"random_ratio": back(meta.random),
                    "random_ratio_ci_low": back(meta.random_ci_low),  # type: ignore[arg-type]
                    "random_ratio_ci_high": back(meta.random_ci_high)}  # type: ignore[arg-type]
        out.append(row)
    return out
