"""The secondary outcomes (:func:`mscohort.analyse.secondary.secondary_outcomes`), federated:
the MSFC and OCT tables by every split, their paired tests, the MSFC mean changes and the
time to EDSS milestones.

At extraction the centre adds to its analysis frame, per patient, the pooled analysis' own
secondary columns (``s|<column>``: MSFC z-scores and their changes, T25FW / 9-HPT
worsening as 1/0, OCT layer thickness and its (annualised) change, the baselines and
follow-ups of the paired tests), ``s|has_msfc``, ``s|has_oct``, ``s|has_gcipl`` (whether
the centre holds such records) and per EDSS milestone the time from the index date and
whether it was reached (``ms|<edss>|t``, ``ms|<edss>|e``) with the patient's cohort
(``ms|cohort``, the category label of the patients file).

What leaves a centre: per table, split and group the group's size, the moments (n, sum,
centred sum of squares) of each measure and the counts known / positive of each share;
the paired tests' paired moments; the moments of the MSFC changes; per milestone the
Kaplan-Meier event-time table (events and censored per day from the index date, the
documented exception of docs/federated.md) of all patients at risk and of each cohort.

Disclosure: a group of 1 to ``min_cell_size`` - 1 patients is suppressed with everything
computed from it, a measure or share with a small count likewise; a milestone with fewer
patients at risk sends nothing, and one with a small cohort sends the table of all its
patients only (the cohorts' tables would give the small one away by difference).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from mscohort.analyse.estimates import km_at, wilson
from mscohort.analyse.secondary import (
    MSFC_CHANGES,
    MSFC_MEASURES,
    SHARE,
    SecondaryResults,
    oct_measures,
)
from mscohort.analyse.survival import kaplan_meier, log_rank
from mscohort.analyse.tables import Measure
from mscohort.definition import StudyDefinition
from mscohort.definition.labels import MICROMETRE
from mscohort.study import Study
from mscohort.units import DAYS_PER_YEAR
from mscohort_federated.combine import (
    SUPPRESSED_TEXT,
    add_moments,
    cell_stats,
    paired_stats,
)
from mscohort_federated.disclosure import SUPPRESSED, is_suppressed, small
from mscohort_federated.extract import FOLLOWUP_SPLIT, split_groups
from mscohort_federated.partials import event_table, followup_masks, moments, paired_moments, values

MSFC_SHARES = ("t25fw_worsened", "nhpt_worsened", "msfc_worsened")
MSFC_PAIRS = [("MSFC z", "msfc_z"), ("T25FW z", "z_t25fw"), ("9-HPT z", "z_9hpt"),
              ("PASAT-3 z", "z_pasat"), ("T25FW time (s)", "t25fw_s"),
              ("9-HPT time (s)", "nhpt_s"), ("PASAT-3 correct", "pasat3")]
TITLES = {"MSFC": "MSFC: composite and components, baseline to follow-up",
          "OCT": "OCT: mean of the analysed eyes per patient"}


def _layers(gcipl: bool) -> tuple[str, ...]:
    return ("rnfl_um", "gcipl_um") if gcipl else ("rnfl_um",)


def _oct_pairs(layers: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(f"{layer.removesuffix('_um').upper()} ({MICROMETRE}, mean of eyes)", layer)
            for layer in layers]


def secondary_columns(study: Study, outcomes: pl.DataFrame, sec: SecondaryResults
                      ) -> dict[str, pl.Series]:
    """The per-patient columns of the module notes, in the order of ``outcomes``."""
    n = outcomes.height
    has = {"msfc": study.table("msfc").height > 0, "oct": study.table("oct").height > 0,
           "gcipl": study.table("oct").height > 0
           and study.table("oct")["gcipl_um"].drop_nulls().len() > 0}
    cols = {f"s|has_{k}": pl.Series([1.0 if v else 0.0] * n) for k, v in has.items()}
    wide = outcomes.select("patient_id").join(sec.patients, on="patient_id", how="left")
    wanted = [m.column for m in MSFC_MEASURES] + list(MSFC_SHARES)
    wanted += [m.column for m in oct_measures(_layers(True))]
    for _, stem in MSFC_PAIRS + _oct_pairs(_layers(True)):
        wanted += [f"{stem}_baseline", f"{stem}_followup"]
    for c in dict.fromkeys(wanted):
        if c in wide.columns:
            cols[f"s|{c}"] = wide[c].cast(pl.Float64)
    ms = outcomes.select("patient_id").join(
        sec.milestones.select("patient_id", "milestone", "time_from_index_days", "observed"),
        on="patient_id", how="left")
    for m in sorted(sec.milestones["milestone"].unique().to_list()) if sec.milestones.height \
            else []:
        one = outcomes.select("patient_id").join(
            ms.filter(pl.col("milestone") == m), on="patient_id", how="left")
        cols[f"ms|{m:g}|t"] = one["time_from_index_days"].cast(pl.Float64)
        cols[f"ms|{m:g}|e"] = one["observed"].cast(pl.Float64)
    cols["ms|cohort"] = outcomes["cohort"].cast(pl.String)
    return cols


def _splits(frame: pl.DataFrame, median: float | None) -> dict[str, dict[str, pl.Series]]:
    out = {"all": {"all analysed": frame["analysed"]}}
    for key, groups in split_groups(frame).items():
        out[key] = {g: frame[f"g|{key}|{g}"] for g in groups}
    if median is not None:
        out[FOLLOWUP_SPLIT] = followup_masks(frame, median)
    return out


def _share(sub: pl.DataFrame, column: str, k: int) -> object:
    v = sub[column].drop_nulls().drop_nans()
    n, pos = v.len(), int((v == 1.0).sum())
    return dict(SUPPRESSED) if small(n, k) or small(pos, k) or small(n - pos, k) else {
        "n": n, "k": pos}


def _has(frame: pl.DataFrame, what: str) -> bool:
    c = f"s|has_{what}"
    return bool(frame.height and c in frame.columns and frame[c][0] == 1.0)


def secondary_sums(frame: pl.DataFrame, median: float | None, k: int) -> dict[str, object]:
    """The centre's aggregates of the module notes."""
    tables: dict[str, object] = {}
    specs = {"MSFC": ([m.column for m in MSFC_MEASURES], MSFC_SHARES) if _has(frame, "msfc")
             else None,
             "OCT": ([m.column for m in oct_measures(_layers(_has(frame, "gcipl")))], ())
             if _has(frame, "oct") else None}
    for table, spec in specs.items():
        if spec is None:
            continue
        columns, shares = spec
        cells: dict[str, dict[str, object]] = {}
        for key, groups in _splits(frame, median).items():
            cells[key] = {}
            for g, mask in groups.items():
                sub = frame.filter(mask)
                cells[key][g] = dict(SUPPRESSED) if small(sub.height, k) else {
                    "n_group": sub.height,
                    "measures": {c: moments(values(sub, f"s|{c}"), k, False)
                                 for c in columns if f"s|{c}" in sub.columns},
                    "shares": {c: _share(sub, f"s|{c}", k)
                               for c in shares if f"s|{c}" in sub.columns}}
        tables[table] = cells
    ok = frame.filter(pl.col("excluded_reason").is_null())
    pairs = (MSFC_PAIRS if _has(frame, "msfc") else []) + (
        _oct_pairs(_layers(_has(frame, "gcipl"))) if _has(frame, "oct") else [])
    tests = {stem: paired_moments(ok, f"s|{stem}_baseline", f"s|{stem}_followup", k)
             for _, stem in pairs if f"s|{stem}_baseline" in ok.columns}
    means = {c: moments(values(frame, f"s|{c}"), k, False) for c in MSFC_CHANGES
             if f"s|{c}" in frame.columns}
    names = {c.removeprefix("sn|"): str(frame[c][0]) for c in frame.columns
             if c.startswith("sn|") and frame.height}
    return {"has": {w: _has(frame, w) for w in ("msfc", "oct", "gcipl")}, "tables": tables,
            "split_names": names | {"all": "all"},
            "tests": tests, "msfc_means": means, "milestones": _milestones(frame, k)}


def _milestones(frame: pl.DataFrame, k: int) -> dict[str, object]:
    out: dict[str, object] = {}
    for c in frame.columns:
        if not (c.startswith("ms|") and c.endswith("|t")):
            continue
        m = c.split("|")[1]
        at = frame.filter(pl.col(c).is_not_null()).select(
            pl.col(c).alias("time_to_cdw_days"), (pl.col(f"ms|{m}|e") == 1.0)
            .alias("cdw_observed"), pl.col("ms|cohort").alias("cohort"))
        if small(at.height, k):
            out[m] = dict(SUPPRESSED)
            continue
        sizes = at.group_by("cohort").len()
        cohorts = None if any(small(int(n), k) for n in sizes["len"]) else {
            str(g): event_table(at.filter(pl.col("cohort").eq_missing(g)))
            for g in sizes["cohort"].to_list()}
        out[m] = {"at_risk": at.height, "all": event_table(at), "cohorts": cohorts}
    return out


def secondary_result(parts: list[dict[str, object]], names: dict[str, str],
                     d: StudyDefinition) -> dict[str, object]:
    """The pooled ``secondary_tables``, ``secondary_tests``, ``msfc_means`` and
    ``milestone_summary`` from the centres' aggregates (columns of the pooled frames,
    with ``status``)."""
    has = {w: any(p["has"][w] for p in parts) for w in ("msfc", "oct", "gcipl")}  # type: ignore[index]
    names = {k: v for p in parts for k, v in p.get("split_names", {}).items()} | names  # type: ignore[attr-defined]
    pct = f"{d.secondary.worsening_percent:g}%"
    share_labels = {"t25fw_worsened": f"T25FW >= {pct} slower",
                    "nhpt_worsened": f"9-HPT >= {pct} slower",
                    "msfc_worsened": f"T25FW or 9-HPT >= {pct} slower"}
    measures = {"MSFC": MSFC_MEASURES, "OCT": oct_measures(_layers(has["gcipl"]))}
    rows: list[dict[str, object]] = []
    for table in ("MSFC", "OCT"):
        if not has[table.lower()]:
            continue
        shares = list(MSFC_SHARES) if table == "MSFC" else []
        rows += _table_rows(table, [p["tables"].get(table, {}) for p in parts],  # type: ignore[attr-defined]
                            measures[table], shares, share_labels, names)
    pairs = (MSFC_PAIRS if has["msfc"] else []) + (
        _oct_pairs(_layers(has["gcipl"])) if has["oct"] else [])
    tests = [{"measure": label} | paired_stats([p["tests"].get(stem, {"n": 0})  # type: ignore[attr-defined]
                                                for p in parts]) for label, stem in pairs]
    means = []
    for column, label in MSFC_CHANGES.items():
        cells = [p["msfc_means"].get(column, {"n": 0}) for p in parts]  # type: ignore[attr-defined]
        if not has["msfc"]:
            continue
        stats_ = cell_stats(add_moments(cells), signed=False)
        if stats_["status"] == SUPPRESSED_TEXT:
            means.append({"measure": label, "column": column, "status": SUPPRESSED_TEXT})
        elif int(stats_["n"]) >= 2:  # type: ignore[call-overload]
            means.append({"measure": label, "column": column, "n": stats_["n"],
                          "mean": stats_["mean"], "ci_low": stats_["ci_low"],
                          "ci_high": stats_["ci_high"], "status": "exact"})
    return {"secondary_tables": rows, "secondary_tests": tests, "msfc_means": means,
            "milestone_summary": milestone_rows([p["milestones"] for p in parts])}  # type: ignore[misc]


def _table_rows(table: str, parts: list[dict[str, dict[str, object]]],
                measures: list[Measure], shares: list[str], share_labels: dict[str, str],
                names: dict[str, str]) -> list[dict[str, object]]:
    keys = list(dict.fromkeys(key for p in parts for key in p))
    rows: list[dict[str, object]] = []
    for key in keys:
        groups = list(dict.fromkeys(g for p in parts for g in p.get(key, {})))
        for g in groups:
            cells = [p.get(key, {}).get(g, {"n_group": 0, "measures": {}, "shares": {}})
                     for p in parts]
            head = {"table": TITLES[table], "split": names.get(key, key), "group": g}
            labels = [m.label for m in measures] + [f"{share_labels[c]}, {SHARE}"
                                                    for c in shares]
            if any(is_suppressed(c) for c in cells):
                rows += [head | {"measure": label, "status": SUPPRESSED_TEXT}
                         for label in labels]
                continue
            n_group = sum(int(c["n_group"]) for c in cells)  # type: ignore[index]
            for m in measures:
                mom = add_moments([c["measures"].get(m.column, {"n": 0}) for c in cells])  # type: ignore[index]
                rows.append(head | {"n_group": n_group, "measure": m.label}
                            | cell_stats(mom, m.signed))
            for c in shares:
                got = [x["shares"].get(c, {"n": 0, "k": 0}) for x in cells]  # type: ignore[index]
                row = head | {"n_group": n_group, "measure": f"{share_labels[c]}, {SHARE}"}
                if any(is_suppressed(x) for x in got):
                    rows.append(row | {"status": SUPPRESSED_TEXT})
                    continue
                n, k = sum(int(x["n"]) for x in got), sum(int(x["k"]) for x in got)
                w = wilson(k, n)
                rows.append(row | {"n": n, "count": k, "mean": k / n if n else None,
                                   "ci_low": w.ci_low, "ci_high": w.ci_high,
                                   "status": "exact"})
    return rows


def event_arrays(tables: list[dict[str, list]]) -> tuple[np.ndarray, np.ndarray]:
    """Times and event flags of the summed event-time tables."""
    summed: dict[float, list[int]] = {}
    for tab in tables:
        for t, e, z in zip(tab["time"], tab["events"], tab["censored"], strict=True):
            cell = summed.setdefault(float(t), [0, 0])
            cell[0] += int(e)
            cell[1] += int(z)
    items = sorted(summed.items())
    if not items:
        return np.array([]), np.array([], dtype=bool)
    t = np.concatenate([np.repeat(time, e + z) for time, (e, z) in items])
    e = np.concatenate([np.repeat([True, False], [e, z]) for _, (e, z) in items])
    return t, e


def milestone_rows(parts: list[dict[str, object]]) -> list[dict[str, object]]:
    """The pooled ``milestone_summary`` (:func:`mscohort.analyse.secondary._km`'s columns)
    from the summed event-time tables: Kaplan-Meier of all patients at risk and of each
    cohort, the share reached by 1 and 2 years with Greenwood log-log intervals, the median
    and the log-rank test between cohorts."""
    out: list[dict[str, object]] = []
    for m in list(dict.fromkeys(key for p in parts for key in p)):
        cells = [p.get(m) for p in parts]
        present = [c for c in cells if c is not None]
        if any(is_suppressed(c) for c in present):
            out.append({"milestone": float(m), "group": "all", "status": SUPPRESSED_TEXT})
            continue
        groups = {"all": [c["all"] for c in present]}  # type: ignore[index]
        cohort_names = sorted({g for c in present if c["cohorts"] for g in c["cohorts"]  # type: ignore[index]
                               if g != "None"})
        split_ok = all(c["cohorts"] is not None for c in present)  # type: ignore[index]
        test = None
        if len(cohort_names) > 1 and split_ok:
            for g in cohort_names:
                groups[g] = [c["cohorts"][g] for c in present if g in c["cohorts"]]  # type: ignore[index]
            t_all, e_all, labels = [], [], []
            for g in [*cohort_names, "None"]:
                t, e = event_arrays([c["cohorts"][g] for c in present if g in c["cohorts"]])  # type: ignore[index]
                t_all.append(t)
                e_all.append(e)
                labels += ["unknown" if g == "None" else g] * t.size
            test = log_rank(np.concatenate(t_all), np.concatenate(e_all), np.asarray(labels))
        for g, tables in groups.items():
            t, e = event_arrays(tables)
            out.append(_summary(float(m), g, t, e, test.p if test and g == "all" else None)
                       | {"status": "exact" if split_ok or g != "all" else
                          "exact (cohorts suppressed)"})
    return out


def _summary(m: float, g: str, t: np.ndarray, e: np.ndarray, p: float | None
             ) -> dict[str, object]:
    km = kaplan_meier(t, e)
    s, times = km["survival"].to_numpy(), km["time"].to_numpy()

    def reached_by(days: float) -> float:
        before = s[times <= days]
        return float(1 - before[-1]) if before.size else 0.0

    below = times[s <= 0.5]
    ci = {f"reached_by_{k}_ci_{side}": (None if bound is None else 1 - bound)
          for k, days in (("1_year", DAYS_PER_YEAR), ("2_years", 2 * DAYS_PER_YEAR))
          for side, bound in zip(("low", "high"), (km_at(t, e, days).ci_high,
                                                   km_at(t, e, days).ci_low), strict=True)}
    return {"milestone": m, "group": g, "at_risk": int(t.size), "reached": int(e.sum()),
            "reached_by_1_year": reached_by(DAYS_PER_YEAR),
            "reached_by_2_years": reached_by(2 * DAYS_PER_YEAR), **ci,
            "median_days": float(below[0]) if below.size else None, "p_logrank": p}
