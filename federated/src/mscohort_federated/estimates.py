"""The estimates table (:func:`mscohort.analyse.estimates.study_estimates`), federated.

Every row from aggregates the other rounds already have, with the pooled analysis' own
interval functions:

* EDSS and MSSS change, mean: the analysed patients' moments (t interval);
* EDSS and MSSS change and follow-up (days), median: the exact median by bisection over
  count queries and its order-statistic interval (:mod:`mscohort_federated.bisection`);
* improved / stable / worsened: the categories' counts (Wilson interval);
* pooled ARR before and during follow-up: events and person-years of the relapse
  population (exact Poisson interval); their rate ratio: the federated Poisson fit with
  patient-clustered errors (:mod:`mscohort_federated.central`);
* free of confirmed worsening at 1 and 2 years: Kaplan-Meier from the event-time table of
  every patient with a time to confirmed worsening (``km_all`` of ``partial_summary``).

A row built on a centre's suppressed cell says "suppressed" in ``note``, with no values.
"""

from __future__ import annotations

import numpy as np

from mscohort.analyse.estimates import Estimate, km_at, poisson_rate, wilson
from mscohort.analyse.rates import RATE_RATIO_INTERVAL
from mscohort.units import DAYS_PER_YEAR
from mscohort_federated.combine import SUPPRESSED_TEXT, add_moments
from mscohort_federated.disclosure import is_suppressed

#: The count-query targets of the medians: (column, measure).
MEDIANS = (("edss_change", "EDSS change, median"), ("msss_change", "MSSS change, median"),
           ("followup_days", "follow-up (days), median"))
MEDIAN_METHOD = "order-statistic interval"


def median_targets() -> list[dict[str, object]]:
    return [{"split": "all", "group": "all analysed", "column": c} for c, _ in MEDIANS]


def _suppressed(measure: str, method: str) -> dict[str, object]:
    return Estimate(None, None, None, 0, method, SUPPRESSED_TEXT).row(measure) | {
        "status": SUPPRESSED_TEXT}


def _row(est: Estimate, measure: str) -> dict[str, object]:
    return est.row(measure) | {"status": "exact"}


def _mean(cells: list[object], measure: str) -> dict[str, object]:
    m = add_moments(cells)
    method = "t interval"
    if m is None:
        return _suppressed(measure, method)
    if m.n == 0:
        return _row(Estimate(None, None, None, 0, method, "no data"), measure)
    if m.n < 2:
        return _row(Estimate(m.mean, None, None, m.n, method,
                             "fewer than 2 values: no interval"), measure)
    if m.all_equal:
        return _row(Estimate(m.mean, m.mean, m.mean, m.n, method, "all values are equal"),
                    measure)
    from mscohort_federated.combine import cell_stats

    s = cell_stats(m, signed=False)
    return _row(Estimate(m.mean, s["ci_low"], s["ci_high"], m.n, method), measure)  # type: ignore[arg-type]


def _median(found: dict[str, object] | None, measure: str) -> dict[str, object]:
    if found is None or found["n"] is None:
        return _suppressed(measure, MEDIAN_METHOD)
    n = int(found["n"])  # type: ignore[call-overload]
    if n == 0:
        return _row(Estimate(None, None, None, 0, MEDIAN_METHOD, "no data"), measure)
    if found["median"] is None:
        return _suppressed(measure, MEDIAN_METHOD)
    if found["ci_low"] is None:
        return _row(Estimate(found["median"], None, None, n, MEDIAN_METHOD,  # type: ignore[arg-type]
                             "fewer than 6 values: no interval"), measure)
    return _row(Estimate(found["median"], found["ci_low"], found["ci_high"], n,  # type: ignore[arg-type]
                         MEDIAN_METHOD), measure)


def _km(tables: list[object], years: int) -> dict[str, object]:
    measure = f"free of confirmed worsening at {years} year{'s' * (years > 1)}"
    method = "Kaplan-Meier, Greenwood log-log interval"
    if any(is_suppressed(t) for t in tables):
        return _suppressed(measure, method)
    table: dict[float, list[int]] = {}
    for km in tables:
        for t, e, z in zip(km["time"], km["events"], km["censored"], strict=True):  # type: ignore[index]
            table.setdefault(float(t), [0, 0])
            table[float(t)][0] += int(e)
            table[float(t)][1] += int(z)
    items = sorted(table.items())
    t = np.concatenate([np.repeat(x, e + z) for x, (e, z) in items]) if items else np.array([])
    e = (np.concatenate([np.repeat([True, False], [e, z]) for _, (e, z) in items])
         if items else np.array([], dtype=bool))
    return _row(km_at(t, e, years * DAYS_PER_YEAR), measure)


def estimate_rows(parts: list[dict[str, object]], medians: dict[str, dict[str, object]],
                  rates: dict[str, dict[str, object]]) -> list[dict[str, object]]:
    """The rows of :data:`mscohort.analyse.estimates.ESTIMATE_SCHEMA` (plus ``status``) in
    the pooled table's order, from the centres' summaries (``parts``), the medians by column
    and the Poisson fits by relapse group."""
    cells = [p["groups"]["all"]["all analysed"] for p in parts]  # type: ignore[index]
    gone = any(is_suppressed(c) for c in cells)
    rows = []
    for (column, label), (_, median_label) in zip(
            (("edss_change", "EDSS change"), ("msss_change", "MSSS change")), MEDIANS,
            strict=False):
        rows.append(_suppressed(f"{label}, mean", "t interval") if gone else
                    _mean([c["measures"][column] for c in cells], f"{label}, mean"))  # type: ignore[index]
        rows.append(_median(None if gone else medians.get(column), median_label))
    cats = [[p["categories"][c] for p in parts] for c in ("improved", "stable", "worsened")]  # type: ignore[index]
    method = "Wilson score interval"
    if any(is_suppressed(c) for cs in cats for c in cs):
        rows += [_suppressed(f"EDSS {c}, proportion", method)
                 for c in ("improved", "stable", "worsened")]
    else:
        k = [sum(int(c["n"]) for c in cs) for cs in cats]  # type: ignore[index]
        rows += [_row(wilson(x, sum(k)), f"EDSS {c}, proportion")
                 for x, c in zip(k, ("improved", "stable", "worsened"), strict=True)]
    rows.append(_median(None if gone else medians.get("followup_days"), MEDIANS[2][1]))
    rel = [p["relapses"].get("all", {"n": 0}) for p in parts]  # type: ignore[index]
    for period, measure in (("before", "ARR before, pooled"),
                            ("during", "ARR during follow-up, pooled")):
        if any(is_suppressed(c) for c in rel):
            rows.append(_suppressed(measure, "exact Poisson interval"))
            continue
        events = sum(int(c.get(f"events_{period}", 0)) for c in rel)  # type: ignore[union-attr]
        years = sum(float(c.get(f"years_{period}", 0.0)) for c in rel)  # type: ignore[union-attr]
        rows.append(_row(poisson_rate(np.array([events]), np.array([years])), measure))
    measure, method = ("ARR rate ratio, during / before",
                       RATE_RATIO_INTERVAL)
    if any(is_suppressed(c) for c in rel):
        rows.append(_suppressed(measure, method))
    else:
        n = sum(int(c["n"]) for c in rel)  # type: ignore[index]
        rr = rates.get("all")
        note = (None if rr else "fewer than 2 patients: no model" if n < 2 else
                "no events in one period: no ratio")
        rows.append(_row(Estimate(rr["rate_ratio"] if rr else None,  # type: ignore[arg-type]
                                  rr["ci_low"] if rr else None,  # type: ignore[arg-type]
                                  rr["ci_high"] if rr else None, n, method, note), measure))  # type: ignore[arg-type]
    tables = [p.get("km_all", {"time": [], "events": [], "censored": []}) for p in parts]
    rows += [_km(tables, 1), _km(tables, 2)]
    return rows
