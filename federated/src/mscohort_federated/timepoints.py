"""The time point attrition table (:func:`mscohort.analyse.timepoints.timepoint_table`),
federated.

Each patient with a baseline is, at 12, 24, 36 and 48 months, assessed, missed, lost or not
yet due (:func:`mscohort.analyse.timepoints.timepoint_status`, the pooled analysis' own
classification). "Not yet due" and "lost" depend on the **data cut**: the pooled analysis
takes the latest record of all its data (:func:`mscohort.analyse.study.latest_record`).

Data cut policy
---------------
A pooled data cut found from the centres would be the latest date of all their records: the
maximum of a date, which names one record of one patient (and a date is never sent). So the
cut goes **to** the centres, never from them:

* the researcher sets it in the task input (``data_cut``, ISO date; ``[study] data_cut`` or
  ``MSCOHORT_V6_DATA_CUT`` of ``mscohort federate``): every centre classifies against that
  date, and the table equals ``timepoint_table`` on the pooled data at that date (the
  pooled ``mscohort analyse`` when the date is the pooled latest record, e.g. the
  network's agreed data freeze);
* without one, each centre classifies against its **own** latest record, which never
  leaves it. This is a different definition (a patient of a centre whose data end earlier
  is "not yet due" sooner); the result says which cut each centre used
  (``timepoint_cuts``).

At extraction the centre adds ``tps|<months>`` (the status) and ``tpc|<months>`` (the EDSS
change when assessed) to its analysis frame, and ``tps|cut`` ("task" or "centre").

Disclosure: the boxes of a time point complement each other (assessed + missed + lost +
not yet due = with a baseline; due = with a baseline - not yet due; newly lost = lost -
lost at the previous time point), so a centre with any of them at 1 to ``min_cell_size`` - 1
suppresses the whole time point, and a pooled time point built on it is suppressed. The
number newly lost is computed centrally between two released time points only.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from mscohort.analyse.study import latest_record
from mscohort.analyse.timepoints import STATUSES, TIMEPOINT_MONTHS, timepoint_status
from mscohort.errors import UsageError
from mscohort.study import Study
from mscohort_federated.combine import SUPPRESSED_TEXT, add_moments, cell_stats
from mscohort_federated.disclosure import SUPPRESSED, is_suppressed, small
from mscohort_federated.partials import moments, values

CUT_COLUMN = "tps|cut"
CUT_KINDS = {"task": "the task's data cut", "centre": "the centre's own latest record"}


def parse_data_cut(value: object) -> dt.date | None:
    """The task's ``data_cut`` (an ISO date or None)."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"`data_cut` must be a date (YYYY-MM-DD); got {value!r}.") from None


def timepoint_columns(study: Study, outcomes: pl.DataFrame, data_cut: dt.date | None
                      ) -> dict[str, pl.Series]:
    """The per-patient columns of the module notes, in the order of ``outcomes``."""
    cut = data_cut if data_cut is not None else latest_record(study)
    status = timepoint_status(outcomes, study.edss, cut)
    ids = outcomes.select("patient_id")
    cols: dict[str, pl.Series] = {}
    for m in TIMEPOINT_MONTHS:
        at = ids.join(status.filter(pl.col("months") == m), on="patient_id", how="left")
        cols[f"tps|{m}"] = at["status"].cast(pl.String)
        cols[f"tpc|{m}"] = at["change"].cast(pl.Float64)
    cols[CUT_COLUMN] = pl.Series([("task" if data_cut is not None else "centre")]
                                 * outcomes.height, dtype=pl.String)
    return cols


def timepoint_counts(frame: pl.DataFrame, k: int) -> dict[str, object]:
    """The centre's boxes per time point and the moments of the assessed patients' change;
    a time point with a small box is suppressed whole (module notes)."""
    months = [int(c.removeprefix("tps|")) for c in frame.columns
              if c.startswith("tps|") and c != CUT_COLUMN]
    cut = str(frame[CUT_COLUMN][0]) if frame.height else "centre"
    with_baseline = int(frame[f"tps|{months[0]}"].is_not_null().sum()) if months else 0
    rows: list[dict[str, object]] = []
    previous_lost = 0
    for m in months:
        s = frame[f"tps|{m}"]
        n = {st: int((s == st).fill_null(False).sum()) for st in STATUSES}
        newly_lost, previous_lost = n["lost"] - previous_lost, n["lost"]
        boxes = [with_baseline, with_baseline - n["not yet due"], *n.values(), newly_lost]
        if any(small(b, k) for b in boxes):
            rows.append({"months": m} | SUPPRESSED)
            continue
        assessed = frame.filter((s == "assessed").fill_null(False))
        rows.append({"months": m, "with_baseline": with_baseline, "assessed": n["assessed"],
                     "missed": n["missed"], "lost": n["lost"],
                     "not_yet_due": n["not yet due"],
                     "change": moments(values(assessed, f"tpc|{m}"), k, False)})
    return {"cut": cut, "rows": rows}


def timepoint_rows(parts: list[dict[str, object]]) -> list[dict[str, object]]:
    """The pooled table (the columns of ``timepoint_table``, plus ``status``): counts summed,
    the mean change at each time point with its t interval from the combined moments."""
    by_month: dict[int, list[dict[str, object]]] = {}
    for part in parts:
        for r in part["rows"]:  # type: ignore[attr-defined]
            by_month.setdefault(int(r["months"]), []).append(r)
    out: list[dict[str, object]] = []
    previous: int | None = 0
    for m, cells in by_month.items():
        if len(cells) < len(parts) or any(is_suppressed(c) for c in cells):
            out.append({"months": m, "with_baseline": None, "due": None, "assessed": None,
                        "missed": None, "lost": None, "lost_in_interval": None,
                        "not_yet_due": None, "mean_change": None, "ci_low": None,
                        "ci_high": None, "status": SUPPRESSED_TEXT})
            previous = None
            continue
        total = {c: sum(int(r[c]) for r in cells)  # type: ignore[call-overload]
                 for c in ("with_baseline", "assessed", "missed", "lost", "not_yet_due")}
        change = cell_stats(add_moments([r["change"] for r in cells]), signed=False)
        out.append({"months": m, "with_baseline": total["with_baseline"],
                    "due": total["with_baseline"] - total["not_yet_due"],
                    "assessed": total["assessed"], "missed": total["missed"],
                    "lost": total["lost"],
                    "lost_in_interval": None if previous is None else total["lost"] - previous,
                    "not_yet_due": total["not_yet_due"], "mean_change": change.get("mean"),
                    "ci_low": change["ci_low"], "ci_high": change["ci_high"],
                    "status": "exact"})
        previous = total["lost"]
    return out


def timepoint_cuts(parts: list[dict[str, object]], names: list[str]) -> dict[str, str]:
    """Which data cut each centre classified against (module notes)."""
    return {name: CUT_KINDS[str(p["cut"])] for name, p in zip(names, parts, strict=True)}
