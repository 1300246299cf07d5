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
* No lab data: when the records hold no laboratory result at all (an empty or absent labs
  table) a missed test cannot be told from an unrecorded one, so every schedule not completed
  is "no lab data", with no next due date and no days overdue.
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

#: The status of every schedule not completed when the records hold no lab result at all.
NO_LAB_DATA = "no lab data"


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
    test = labs.select(pl.col("patient_id").cast(pl.String), pl.col("date").cast(pl.Date),
                       pl.col("test").cast(pl.String).str.to_lowercase().str.strip_chars())
    months = dt.timedelta(days=round(rules.monitor_months_after_last_infusion * DAYS_PER_MONTH))
    day = pl.lit(as_of, dtype=pl.Date)
    span = treated.with_columns((pl.col("last") + months).alias("end")).with_columns(
        pl.min_horizontal(day, pl.col("end")).alias("span_end"),
        (pl.col("first") - dt.timedelta(days=rules.baseline_days_before_first_infusion))
        .alias("lo"))
    parts = []
    # every treated patient and panel at once: the panel's distinct test dates joined to the
    # patient's monitoring span, then the module docstring's rules as column expressions
    for k, panel in enumerate(rules.panels):
        dates = test.filter(pl.col("test").is_in(list(panel.tests))).select(
            "patient_id", "date").unique()
        found = (span.select("patient_id", "first", "lo", "span_end")
                 .join(dates, on="patient_id", how="inner")
                 .group_by("patient_id").agg(
                     pl.col("date").filter((pl.col("date") >= pl.col("lo"))
                                           & (pl.col("date") <= pl.col("first")))
                     .max().alias("baseline_test"),
                     pl.col("date").filter((pl.col("date") > pl.col("first"))
                                           & (pl.col("date") <= pl.col("span_end")))
                     .max().alias("last_test"),
                     ((pl.col("date") > pl.col("first")) & (pl.col("date") <= pl.col("span_end")))
                     .sum().cast(pl.Int64).alias("tests_done")))
        rows = span.join(found, on="patient_id", how="left").with_columns(
            pl.col("tests_done").fill_null(0),
            (pl.coalesce("last_test", "first") + dt.timedelta(days=panel.interval_days))
            .alias("_due"))
        late = (day - pl.col("_due")).dt.total_days()
        status = (pl.when(day > pl.col("end")).then(pl.lit("completed"))
                  .when(late > panel.grace_days).then(pl.lit("overdue"))
                  .when(late >= 0).then(pl.lit("due")).otherwise(pl.lit("up to date")))
        rows = rows.with_columns(status.alias("status"), late.alias("_late")).with_columns(
            pl.lit(panel.name).alias("panel"), pl.lit(k).alias("_panel"),
            pl.col("first").alias("first_infusion"), pl.col("last").alias("last_infusion"),
            pl.col("end").alias("monitoring_end"),
            pl.max_horizontal(pl.lit(0), (pl.col("span_end") - pl.col("first")).dt.total_days()
                              // panel.interval_days).alias("tests_expected"),
            pl.when(pl.col("status") != "completed").then(pl.col("_due")).alias("next_due"),
            pl.when(pl.col("status") == "overdue").then(pl.col("_late")).alias("days_overdue"),
            pl.max_horizontal(pl.lit(0), (pl.col("end") - day).dt.total_days())
            .alias("days_remaining"))
        parts.append(rows)
    if not parts:
        return pl.DataFrame(schema=SCHEDULE_SCHEMA)
    out = pl.concat(parts).sort("patient_id", "_panel", maintain_order=True)
    if labs.height == 0:  # nothing recorded: "overdue" would claim tests were missed
        unknown = pl.col("status") != "completed"
        out = out.with_columns(
            pl.when(unknown).then(pl.lit(NO_LAB_DATA)).otherwise(pl.col("status"))
            .alias("status"),
            pl.when(unknown).then(None).otherwise(pl.col("next_due")).alias("next_due"),
            pl.lit(None, dtype=pl.Int64).alias("days_overdue"))
    return out.select([pl.col(c).cast(t) for c, t in SCHEDULE_SCHEMA.items()])


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
    found = []
    for r in adverse_events.iter_rows(named=True):
        text = f"{r.get('category') or ''} {r['term']}".lower()
        group = next((g for g, words in rules.aesi if any(w in text for w in words)), None)
        if group is not None:
            found.append((r, group))
    # the courses of the patients with an adverse event of special interest only (a registry
    # has hundreds of thousands of courses and few such events)
    starts: dict[str, list[tuple[dt.date, int]]] = {}
    who = pl.Series(list({r["patient_id"] for r, _ in found}), dtype=pl.String).implode()
    for r in courses.filter((pl.col("drug") == rules.drug) & pl.col("patient_id").is_in(who)
                            ).iter_rows(named=True):
        starts.setdefault(r["patient_id"], []).append((r["start_date"], r["course"]))
    for r, group in found:
        before = [(d, c) for d, c in starts.get(r["patient_id"], []) if d <= r["onset_date"]]
        start, course = max(before) if before else (None, None)
        days = (r["onset_date"] - start).days if start is not None else None
        rows.append({"patient_id": r["patient_id"], "onset_date": r["onset_date"],
                     "term": r["term"], "aesi": group, "course": course,
                     "days_since_course": days, "period": _period(days)})
    return pl.DataFrame(rows, schema=AESI_SCHEMA)
