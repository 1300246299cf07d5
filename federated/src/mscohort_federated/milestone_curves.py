"""The EDSS milestones' full Kaplan-Meier curves, federated: the pooled analysis'
``km_milestones`` (:func:`mscohort.analyse.secondary._km`: one row per milestone, group and
distinct event time with the numbers at risk, events, censored, survival and its Greenwood
log-log interval) and the data of the report's milestone figure
(:func:`mscohort.report.secondary_figures.km_milestones`).

A Kaplan-Meier curve depends only on the events and the censored per distinct time, which
add up over centres; the curves come from the event-time tables the centres already send
for the milestones' summary (:func:`mscohort_federated.secondary.secondary_sums`; the
documented exception of docs/federated.md): all patients at risk of each milestone and each
cohort. Summed and computed by the pooled analysis' own
:func:`~mscohort.analyse.survival.kaplan_meier`, they are the pooled curves exactly.

Disclosure is the summary's: a milestone with 1 to ``min_cell_size`` - 1 patients at risk
at a centre is suppressed (one row "suppressed"); a centre with a cohort of 1 to
``min_cell_size`` - 1 at risk sends the table of all its patients only, and the cohorts'
curves are then left out ("exact (cohorts suppressed)" on the curve of all patients).

The figure's data: the curve of all patients at risk of each milestone ("EDSS >= x"), time
in the study's follow-up unit; its censoring ticks as the number censored at each time
(the pooled figure draws one tick per censored patient at the same times; no patient id
leaves a centre).
"""

from __future__ import annotations

from mscohort.analyse.survival import kaplan_meier
from mscohort_federated.combine import SUPPRESSED_TEXT
from mscohort_federated.disclosure import is_suppressed
from mscohort_federated.secondary import event_arrays


def _groups(present: list[dict[str, object]]) -> tuple[dict[str, list[dict]], bool]:
    """The event-time tables of each curve (all, then each cohort when there are several
    and no centre held one back) and whether the cohorts were released."""
    groups: dict[str, list[dict]] = {"all": [c["all"] for c in present]}  # type: ignore[misc]
    split_ok = all(c["cohorts"] is not None for c in present)
    names = sorted({g for c in present if c["cohorts"] for g in c["cohorts"]  # type: ignore[attr-defined]
                    if g != "None"})
    if len(names) > 1 and split_ok:
        for g in names:
            groups[g] = [c["cohorts"][g] for c in present if g in c["cohorts"]]  # type: ignore[index, operator]
    return groups, split_ok


def milestone_curves(parts: list[dict[str, object]]) -> list[dict[str, object]]:
    """The pooled ``km_milestones`` rows (module notes) from the centres' milestone
    aggregates (``secondary_sums(...)["milestones"]``), with ``status``."""
    rows: list[dict[str, object]] = []
    for m in list(dict.fromkeys(key for p in parts for key in p)):
        present = [c for c in (p.get(m) for p in parts) if c is not None]
        if any(is_suppressed(c) for c in present):
            rows.append({"milestone": float(m), "group": "all", "status": SUPPRESSED_TEXT})
            continue
        groups, split_ok = _groups(present)  # type: ignore[arg-type]
        for g, tables in groups.items():
            t, e = event_arrays(tables)
            status = "exact" if split_ok or g != "all" else "exact (cohorts suppressed)"
            rows += [r | {"milestone": float(m), "group": g, "status": status}
                     for r in kaplan_meier(t, e).to_dicts()]
    return rows


def _label(milestone: float) -> str:
    """The figure's group label, as the pooled figure writes it ("EDSS >= 4.0")."""
    return f"EDSS >= {round(milestone, 1)}"


def milestone_figure(parts: list[dict[str, object]], curves: list[dict[str, object]],
                     unit_days: float) -> dict[str, list[dict[str, object]]]:
    """The milestone figure's frames: ``km_milestones_figure`` (group, time in the study's
    unit, survival, events, at risk: the curves of all patients at risk) and
    ``km_milestones_censored`` (group, time, number censored at that time)."""
    figure = [{"group": _label(float(r["milestone"])),  # type: ignore[arg-type]
               "time": float(r["time"]) / unit_days,  # type: ignore[arg-type]
               "survival": r["survival"], "events": r["events"], "at_risk": r["at_risk"]}
              for r in curves if r["group"] == "all" and "time" in r]
    censored: list[dict[str, object]] = []
    for m in list(dict.fromkeys(key for p in parts for key in p)):
        present = [c for c in (p.get(m) for p in parts) if c is not None]
        if any(is_suppressed(c) for c in present):
            continue
        summed: dict[float, int] = {}
        for c in present:
            table = c["all"]  # type: ignore[index]
            for time, n in zip(table["time"], table["censored"], strict=True):
                summed[float(time)] = summed.get(float(time), 0) + int(n)
        censored += [{"group": _label(float(m)), "time": time / unit_days, "censored": n}
                     for time, n in sorted(summed.items()) if n]
    censored.sort(key=lambda r: (str(r["group"]), float(r["time"])))  # type: ignore[arg-type]
    return {"km_milestones_figure": figure, "km_milestones_censored": censored}
