"""Safety monitoring after alemtuzumab: each patient's schedule, tests done and overdue.

Definitions (``docs/protocol.md``; rules as data in ``datasets/protocol/monitoring.toml``):

* The monitoring period runs from the first infusion to ``monitor_months_after_last_infusion``
  months (30.4375 days each) after the last infusion of the drug.
* A panel (blood count, creatinine, urinalysis, thyroid function) is done on a date when any
  of its tests was measured. The baseline test is the last one in the
  ``baseline_days_before_first_infusion`` days up to the first infusion.
* Next due: the last test in the period (or the first infusion) plus ``interval_days``.
  Overdue by ``as_of - next due`` days once that exceeds ``grace_days``; "due" within the
  grace; "up to date" before; "completed" when the period ended before ``as_of``.
* Expected tests: one per interval from the first infusion to ``as_of`` or the end of the
  period, whichever comes first; done: the distinct dates the panel was measured in that span.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import polars as pl

from mscohort.errors import bad_usage, read_toml
from mscohort.units import DAYS_PER_MONTH

DEFAULT_MONITORING = Path(str(files("mscohort") / "datasets" / "protocol" / "monitoring.toml"))
SCHEDULE_SCHEMA = {
    "patient_id": pl.String, "panel": pl.String, "first_infusion": pl.Date,
    "last_infusion": pl.Date, "monitoring_end": pl.Date, "baseline_test": pl.Date,
    "last_test": pl.Date, "tests_done": pl.Int64, "tests_expected": pl.Int64,
    "next_due": pl.Date, "days_overdue": pl.Int64, "status": pl.String,
    "days_remaining": pl.Int64}


@dataclass(frozen=True)
class Panel:
    name: str
    tests: tuple[str, ...]
    interval_days: int
    grace_days: int = 0


@dataclass(frozen=True)
class Monitoring:
    drug: str
    panels: tuple[Panel, ...]
    monitor_months_after_last_infusion: float = 48
    baseline_days_before_first_infusion: int = 90
    aesi: tuple[tuple[str, tuple[str, ...]], ...] = ()  #: group -> keywords, in order


def load_monitoring(path: str | Path = DEFAULT_MONITORING) -> Monitoring:
    from mscohort.vocabulary import normalise_drug

    path = Path(path)
    raw = read_toml(path, "safety monitoring rules")
    try:
        panels = tuple(Panel(str(p["name"]), tuple(str(t).lower() for t in p["tests"]),
                             int(p["interval_days"]), int(p.get("grace_days", 0)))
                       for p in raw["panel"])
        rules = Monitoring(str(raw["drug"]), panels,
                           float(raw.get("monitor_months_after_last_infusion", 48)),
                           int(raw.get("baseline_days_before_first_infusion", 90)))
    except (KeyError, TypeError, ValueError) as exc:
        raise bad_usage("[[panel]]", "a table with name, tests and interval_days (each "
                        "panel)", None, where=f"safety monitoring rules {path}",
                        shown=f"missing or malformed {exc}") from None
    drug = normalise_drug(rules.drug)
    if drug is None or not panels:
        raise bad_usage("drug", "a known drug with at least one [[panel]]", rules.drug,
                        where=f"safety monitoring rules {path}",
                        shown=f"drug {rules.drug!r} and {len(panels)} panels")
    aesi = tuple((str(k), tuple(str(w).lower() for w in v))
                 for k, v in raw.get("aesi", {}).items())
    return Monitoring(drug, panels, rules.monitor_months_after_last_infusion,
                      rules.baseline_days_before_first_infusion, aesi)


def safety_schedule(infusions: pl.DataFrame, labs: pl.DataFrame, rules: Monitoring,
                    as_of: dt.date) -> pl.DataFrame:
    """One row per treated patient and panel (see the module docstring)."""
    treated = (infusions.filter((pl.col("drug") == rules.drug) & (pl.col("date") <= as_of))
               .group_by("patient_id").agg(pl.col("date").min().alias("first"),
                                           pl.col("date").max().alias("last"))
               .sort("patient_id"))
    test = labs.select("patient_id", "date",
                       pl.col("test").cast(pl.String).str.to_lowercase().str.strip_chars())
    grouped = test.group_by("patient_id").agg("date", "test")
    by_patient = {pid: list(zip(d, t, strict=True)) for pid, d, t in grouped.iter_rows()}
    rows = []
    months = dt.timedelta(days=round(rules.monitor_months_after_last_infusion * DAYS_PER_MONTH))
    for r in treated.iter_rows(named=True):
        end = r["last"] + months
        for panel in rules.panels:
            own = by_patient.get(r["patient_id"], [])
            wanted = set(panel.tests)
            dates = sorted({d for d, t in own if t in wanted})
            lo = r["first"] - dt.timedelta(days=rules.baseline_days_before_first_infusion)
            baseline = max((d for d in dates if lo <= d <= r["first"]), default=None)
            span_end = min(as_of, end)
            done = [d for d in dates if r["first"] < d <= span_end]
            last = done[-1] if done else None
            next_due = (last or r["first"]) + dt.timedelta(days=panel.interval_days)
            late = (as_of - next_due).days
            if as_of > end:
                status, overdue = "completed", None
            elif late > panel.grace_days:
                status, overdue = "overdue", late
            elif late >= 0:
                status, overdue = "due", None
            else:
                status, overdue = "up to date", None
            rows.append({
                "patient_id": r["patient_id"], "panel": panel.name, "first_infusion": r["first"],
                "last_infusion": r["last"], "monitoring_end": end, "baseline_test": baseline,
                "last_test": last, "tests_done": len(done),
                "tests_expected": max(0, (span_end - r["first"]).days // panel.interval_days),
                "next_due": None if status == "completed" else next_due,
                "days_overdue": overdue, "status": status,
                "days_remaining": max(0, (end - as_of).days)})
    return pl.DataFrame(rows, schema=SCHEDULE_SCHEMA)


AESI_SCHEMA = {"patient_id": pl.String, "onset_date": pl.Date, "term": pl.String,
               "aesi": pl.String, "course": pl.Int64, "days_since_course": pl.Int64,
               "period": pl.String}
PERIODS = ((30, "within 30 days of a course"), (365, "1-12 months"), (730, "12-24 months"),
           (1461, "24-48 months"))
#: Every ``period`` of the AESI table, in time order.
AESI_PERIODS = (*(label for _, label in PERIODS), "over 48 months", "before treatment")


def _period(days: int | None) -> str:
    if days is None:
        return "before treatment"
    return next((label for limit, label in PERIODS if days <= limit), "over 48 months")


def aesi_table(adverse_events: pl.DataFrame, courses: pl.DataFrame,
               rules: Monitoring) -> pl.DataFrame:
    """Adverse events of special interest with the course they followed (the last one
    started on or before the onset) and the time since that course's first infusion."""
    rows = []
    starts: dict[str, list[tuple[dt.date, int]]] = {}
    for r in courses.filter(pl.col("drug") == rules.drug).iter_rows(named=True):
        starts.setdefault(r["patient_id"], []).append((r["start_date"], r["course"]))
    for r in adverse_events.iter_rows(named=True):
        text = f"{r.get('category') or ''} {r['term']}".lower()
        group = next((g for g, words in rules.aesi if any(w in text for w in words)), None)
        if group is None:
            continue
        before = [(d, c) for d, c in starts.get(r["patient_id"], []) if d <= r["onset_date"]]
        start, course = max(before) if before else (None, None)
        days = (r["onset_date"] - start).days if start is not None else None
        rows.append({"patient_id": r["patient_id"], "onset_date": r["onset_date"],
                     "term": r["term"], "aesi": group, "course": course,
                     "days_since_course": days, "period": _period(days)})
    return pl.DataFrame(rows, schema=AESI_SCHEMA)
