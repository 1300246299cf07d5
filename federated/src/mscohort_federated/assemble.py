"""The federated result: the pooled analysis' tables from the combined aggregates, each
centre's main outcomes beside them, and the heterogeneity between centres.

Every frame is a list of records (JSON data); the columns follow the pooled analysis
(:mod:`mscohort.analyse.tables`) where a value is exactly combinable, and a ``status``
column says "exact", "exact (range suppressed)", "suppressed" (a centre had fewer than
``min_cell_size`` patients in the cell) or what is not combinable.
"""

from __future__ import annotations

import numpy as np

from mscohort.analyse.secondary import SHARE
from mscohort.analyse.survival import kaplan_meier, log_rank
from mscohort.analyse.tables import TITLES
from mscohort_federated.combine import (
    SUPPRESSED_TEXT,
    add_counts,
    add_moments,
    cell_stats,
    paired_stats,
    rate_stats,
    share_stats,
)
from mscohort_federated.disclosure import SUPPRESSED, is_suppressed
from mscohort_federated.extract import FOLLOWUP_SPLIT, definition_from_text
from mscohort_federated.partials import CATEGORIES, FIRST_MEASURES, OTHER_MEASURES

_UNIT = {"lunar_month": "lunar months", "month": "months", "year": "years", "day": "days"}
_SIGNED = {"edss_change", "msss_change"}


def labels(unit: str) -> dict[str, str]:
    """The measures' labels of :func:`mscohort.analyse.tables.study_tables`."""
    return {"age_at_index": "age at index", "followup": f"follow-up ({_UNIT[unit]})",
            "baseline_edss": "baseline EDSS", "edss_change": "change EDSS",
            "baseline_msss": "baseline MSSS", "msss_change": "change MSSS"}


def _cells(parts: list[object], group: str) -> list[object]:
    """Each centre's cell of ``group`` (absent: no patient there)."""
    return [p.get(group, {"n_group": 0, "measures": {}, "neda": {}})  # type: ignore[union-attr]
            for p in parts]


def table_rows(key: str, group: str, cells: list[object], measures: tuple[str, ...],
               names: dict[str, str], medians: dict[tuple[str, str], dict[str, object]]
               ) -> list[dict[str, object]]:
    title = TITLES.get(key, key)
    if any(is_suppressed(c) for c in cells):
        return [{"table": title, "split": key, "group": group, "measure": names[m],
                 "status": SUPPRESSED_TEXT} for m in measures]
    n_group = sum(int(c["n_group"]) for c in cells)  # type: ignore[index]
    rows = []
    for m in measures:
        moments = add_moments([c["measures"].get(m, {"n": 0}) for c in cells])  # type: ignore[index]
        row = {"table": title, "split": key, "group": group, "n_group": n_group,
               "measure": names[m]} | cell_stats(moments, m in _SIGNED)
        if m == "followup" and moments is not None:
            med = medians.get((key, group), {})
            row |= {"median": med.get("median"), "ci_low": med.get("ci_low"),
                    "ci_high": med.get("ci_high")}
            if med.get("median") is None and moments.n:
                row["status"] = "median suppressed"
        rows.append(row)
    return rows


def neda_rows(key: str, group: str, cells: list[object], has_mri: bool
              ) -> list[dict[str, object]]:
    """NEDA-3 and its components as shares (the pooled secondary table's measures)."""
    shares = [("neda3", "NEDA-3" if has_mri else "NEDA (no MRI data)", True),
              ("neda_relapse", "no relapse", False), ("neda_cdw", "no confirmed worsening",
                                                      False)]
    if has_mri:
        shares.append(("neda_mri", "no MRI activity", False))
    rows = []
    for column, label, positive in shares:
        parts = [dict(SUPPRESSED) if is_suppressed(c) else
                 c["neda"].get(column, {"n": 0, "k": 0}) for c in cells]  # type: ignore[index]
        if not positive:
            parts = [p if is_suppressed(p) else {"n": p["n"], "k": p["n"] - p["k"]}
                     for p in parts]
        rows.append({"split": key, "group": group, "measure": f"{label}, {SHARE}"}
                    | share_stats(parts))
    return rows


def survival(followup: dict[int, object], organizations: list[int]
             ) -> tuple[list[dict[str, object]], dict[str, object] | None]:
    """Kaplan-Meier per follow-up cohort and the log-rank test, from the summed counts per
    time (the curve and the test depend on nothing else)."""
    curves, times, events, groups = [], [], [], []
    suppressed = False
    for group in ("long-term", "short-term"):
        cells = [followup[o].get(FOLLOWUP_SPLIT, {}).get(group) for o in organizations]  # type: ignore[union-attr]
        if not cells or any(c is None for c in cells):
            continue
        if any(is_suppressed(c) for c in cells):
            suppressed = True  # and no test: it would compare the other groups only
            continue
        table: dict[float, list[int]] = {}
        for c in cells:
            km = c["km"]  # type: ignore[index]
            for t, e, z in zip(km["time"], km["events"], km["censored"], strict=True):
                table.setdefault(float(t), [0, 0])
                table[float(t)][0] += int(e)
                table[float(t)][1] += int(z)
        if not table:
            continue
        t = np.concatenate([np.repeat(time, e + z) for time, (e, z) in sorted(table.items())])
        e = np.concatenate([np.repeat([True, False], [e, z]) for _, (e, z) in
                            sorted(table.items())])
        curve = kaplan_meier(t, e)
        curves += [r | {"group": group} for r in curve.to_dicts()]
        times.append(t)
        events.append(e)
        groups += [group] * t.size
    if suppressed:
        return curves, {"status": SUPPRESSED_TEXT}
    if not curves:
        return [], None
    test = log_rank(np.concatenate(times), np.concatenate(events), np.array(groups))
    return curves, {"chi2": test.chi2, "df": test.df, "p": test.p, "observed": test.observed,
                    "expected": test.expected, "note": test.note, "status": "exact"}


def relapse_rows(summaries: dict[int, object], organizations: list[int],
                 rates: dict[str, dict[str, object]]) -> list[dict[str, object]]:
    names: list[str] = []
    for o in organizations:
        names += [g for g in summaries[o]["relapses"] if g not in names]  # type: ignore[index]
    rows = []
    for g in names:
        cells = [summaries[o]["relapses"].get(g, {"n": 0}) for o in organizations]  # type: ignore[index]
        if any(is_suppressed(c) for c in cells):
            rows.append({"group": g, "status": SUPPRESSED_TEXT})
            continue
        live = [c for c in cells if c["n"]]
        before = add_moments([c["arr_before"] for c in live])
        during = add_moments([c["arr_during"] for c in live])
        mb = before.mean if before else None
        md = during.mean if during else None
        row = {"group": g, "n": sum(c["n"] for c in cells), "mean_arr_before": mb,
               "mean_arr_during": md,
               "percent_change_of_means": (None if not mb or md is None
                                           else 100 * (md - mb) / mb),
               "p_paired_t": paired_stats([c["paired"] for c in live]).get("p_t"),
               "status": "exact (medians and ranges suppressed)"}
        for period in ("before", "during"):
            r = rate_stats(sum(c.get(f"events_{period}", 0) for c in live),
                           sum(c.get(f"years_{period}", 0.0) for c in live))
            row |= {f"pooled_{period}": r["rate"], f"pooled_{period}_ci_low": r["ci_low"],
                    f"pooled_{period}_ci_high": r["ci_high"]}
        rr = rates.get(g)
        row |= ({"rate_ratio": rr["rate_ratio"], "rate_ratio_ci_low": rr["ci_low"],
                 "rate_ratio_ci_high": rr["ci_high"], "p_rate_ratio": rr["p"]} if rr else
                {"rate_ratio": None, "note": "fewer than 2 patients or no events in one "
                 "period: no ratio"})
        rows.append(row)
    return rows


def assemble(definition_text: str, organizations: list[int], names: dict[int, str],
             summaries: dict[int, object], followup: dict[int, object],
             median: float | None, medians: dict[tuple[str, str], dict[str, object]],
             rates: dict[str, dict[str, object]], own: dict[int, dict[str, object]],
             min_cell_size: int, log: dict[str, int]) -> dict[str, object]:
    d = definition_from_text(definition_text)
    label = labels(d.unit)
    parts = [summaries[o] for o in organizations]
    has_mri = any(p["has_mri"] for p in parts)  # type: ignore[index]
    tables: list[dict[str, object]] = []
    neda: list[dict[str, object]] = []
    fu_parts = [followup[o].get(FOLLOWUP_SPLIT, {}) for o in organizations]  # type: ignore[union-attr]
    if median is not None:
        for g in ("long-term", "short-term"):
            tables += table_rows(FOLLOWUP_SPLIT, g, _cells(fu_parts, g), FIRST_MEASURES,
                                 label, medians)
    all_cells = _cells([p["groups"]["all"] for p in parts], "all analysed")  # type: ignore[index]
    neda += neda_rows("all", "all analysed", all_cells, has_mri)
    keys: list[str] = []
    for p in parts:
        keys += [k for k in p["groups"] if k != "all" and k not in keys]  # type: ignore[index]
    for key in keys:
        groups: list[str] = []
        for p in parts:
            groups += [g for g in p["groups"].get(key, {}) if g not in groups]  # type: ignore[index]
        for g in groups:
            cells = _cells([p["groups"].get(key, {}) for p in parts], g)  # type: ignore[index]
            tables += table_rows(key, g, cells, OTHER_MEASURES, label, medians)
            neda += neda_rows(key, g, cells, has_mri)
    if median is not None:
        for g in ("long-term", "short-term"):
            neda += neda_rows(FOLLOWUP_SPLIT, g, _cells(fu_parts, g), has_mri)
    tests = []
    names_of = {"EDSS": "EDSS", "MSSS": "MSSS", "ARR": "ARR"} | {
        f"edss_{tp.slug}": f"EDSS at {tp.name}" for tp in d.timepoints}
    for key, name in names_of.items():
        tests.append({"measure": name} | paired_stats([p["tests"][key] for p in parts]))  # type: ignore[index]
    n_analysed = add_counts([p["n_analysed"] for p in parts])  # type: ignore[index]
    categories = []
    for cat in CATEGORIES:
        cells = [p["categories"][cat] for p in parts]  # type: ignore[index]
        if any(is_suppressed(c) for c in cells) or n_analysed is None:
            categories.append({"category": cat, "status": SUPPRESSED_TEXT})
            continue
        n = sum(int(c["n"]) for c in cells)  # type: ignore[index]
        change = add_moments([c["change"] for c in cells])  # type: ignore[index]
        categories.append({"category": cat, "n": n, "of": n_analysed,
                           "percent": 100 * n / n_analysed if n_analysed else None,
                           "mean_change": change.mean if change else None,
                           "status": "exact (median and range suppressed)"})
    km, logrank = survival(followup, organizations)
    from mscohort_federated.centres import centre_rows, heterogeneity, pooled_row

    per_centre = centre_rows(organizations, names, summaries, own)
    relapses = relapse_rows(summaries, organizations, rates)
    return {"federated": True, "centres": [names[o] for o in organizations],
            "min_cell_size": min_cell_size, "median_followup": median,
            "tables": tables, "tests": tests, "categories": categories,
            "relapses": relapses, "km_cdw": km, "logrank_cdw": logrank, "neda": neda,
            "per_centre": [*per_centre, pooled_row(n_analysed, all_cells, relapses)],
            "heterogeneity": heterogeneity(per_centre), "rounds": log,
            "policies": {names[o]: summaries[o].get("policy") for o in organizations}}  # type: ignore[union-attr]
