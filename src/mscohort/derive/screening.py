"""Eligibility screening: each patient against each arm's criteria, with the record behind
every decision and the missing data that prevents one.

Criteria are declared in the study definition's ``[eligibility]`` table (``docs/protocol.md``):
``[[eligibility.arm]]`` with a ``name`` and ``include`` criteria, and ``exclude`` criteria for
every arm. Each criterion is ``{ criterion = "<kind>", label = "...", ...parameters }``:

* ``relapses``: at least ``min_count`` relapses on record (``within_days`` before the
  screening day, if given).
* ``relapse_on_therapy``: at least ``min_count`` relapses in the ``within_days`` before the
  screening day that began while a disease-modifying drug was taken.
* ``prior_dmd``: at least ``min_count`` drugs taken before the screening day
  (``approved_only``: drugs approved for MS).
* ``courses_of``: the number of courses of ``drug`` begun before the screening day is
  between ``min`` and ``max`` (courses as everywhere: infusions at most ``course_gap_days``
  apart are one course).
* ``edss_between``: the latest EDSS in the ``within_days`` before the screening day is
  between ``min`` and ``max``; unknown without one.
* ``cohort_is``: the patient's cohort is ``value``; unknown when it is not recorded.
* ``adverse_event`` (for exclusions): an adverse event whose category or term contains one
  of ``keywords``, begun before the screening day (``within_days`` before it, if given), and
  not with an outcome in ``outcome_not``. ``status`` reads the event's clinical status from
  its outcome (:mod:`mscohort.derive.ae_status`): ``"uncontrolled"`` counts only events
  recorded as uncontrolled, ``"ongoing"`` any not resolved; an event whose status does not
  say (no outcome, "ongoing" for ``"uncontrolled"``) makes the criterion unknown, never met.
  ``"any"`` (the default) does not read the status. Unknown when the study has no
  adverse-event records at all; a patient without any in a study that has them is taken to
  have none.

Every criterion may carry a ``reading``: which reading of the protocol's words its
parameters encode (">1 courses" read as "2 or more"); it is shown with the criterion.

A criterion is met, not met, or unknown. An arm's decision: "not eligible" if an inclusion
is not met or an exclusion is met; "eligible" if every inclusion is met and every exclusion
is not; otherwise "cannot tell".

Protocol deviations are declared, not inferred: ``[[eligibility.deviation]]`` with a
``patient_id``, the ``criterion`` (its label) and the ``reason`` (for the seed: the published
number that forces it). A patient whose only failed criteria in an arm are declared deviations
is a "protocol deviation" for that arm, listed apart from "not eligible" (ICH E3 section
10.2: protocol deviations are reported, not hidden); the ``deviations`` column names each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

import numpy as np
import polars as pl

from mscohort.derive.screening_columns import EVALUATE, RESULT_SCHEMA
from mscohort.errors import UsageError, bad_usage
from mscohort.study import Study
from mscohort.vocabulary import normalise_drug

KINDS = {
    "relapses": {"min_count", "within_days"},
    "relapse_on_therapy": {"min_count", "within_days"},
    "prior_dmd": {"min_count", "approved_only"},
    "courses_of": {"drug", "min", "max"},
    "edss_between": {"min", "max", "within_days"},
    "cohort_is": {"value"},
    "adverse_event": {"keywords", "within_days", "outcome_not", "status"},
}
#: keys every criterion may have besides its kind's
COMMON_KEYS = ("reading",)
#: the ``status`` readings of an ``adverse_event`` criterion
AE_STATUS_READINGS = ("any", "ongoing", "uncontrolled")
DETAIL_SCHEMA = {"patient_id": pl.String, "arm": pl.String, "kind": pl.String,
                 "criterion": pl.String, "status": pl.String, "evidence": pl.String}
DECISION_SCHEMA = {"patient_id": pl.String, "arm": pl.String, "screened_on": pl.Date,
                   "decision": pl.String, "reasons": pl.String, "missing": pl.String,
                   "deviations": pl.String}
DETAIL_SCHEMA["reading"] = pl.String
#: the decisions of an arm, in the order they are reported
DECISIONS = ("eligible", "protocol deviation", "not eligible", "cannot tell")


@dataclass(frozen=True)
class Criterion:
    kind: str
    label: str
    params: dict[str, Any] = field(default_factory=dict)
    reading: str | None = None  #: the reading of the protocol's words (">1" as "2 or more")


@dataclass(frozen=True)
class Eligibility:
    arms: dict[str, tuple[Criterion, ...]]
    exclude: tuple[Criterion, ...] = ()
    #: declared protocol deviations: (patient_id, criterion label) -> reason
    deviations: dict[tuple[str, str], str] = field(default_factory=dict)

    def readings(self) -> list[str]:
        """"label: reading" of every criterion that names its reading of the protocol."""
        crits = [c for arm in self.arms.values() for c in arm] + list(self.exclude)
        return list(dict.fromkeys(f"{c.label}: {c.reading}" for c in crits if c.reading))


def _criterion(raw: object, where: str) -> Criterion:
    if not isinstance(raw, dict) or raw.get("criterion") not in KINDS:
        raise bad_usage("criterion", f"a table with criterion = one of {', '.join(KINDS)}",
                        raw, where=where)
    kind = str(raw["criterion"])
    params = {k: v for k, v in raw.items() if k not in ("criterion", "label", *COMMON_KEYS)}
    unknown = set(params) - KINDS[kind]
    if unknown:
        raise UsageError(f"{where}: criterion {kind!r} has unknown key(s) "
                         f"{', '.join(sorted(unknown))}; allowed: "
                         f"{', '.join(sorted(KINDS[kind]))}.")
    if kind == "courses_of":
        drug = normalise_drug(str(params.get("drug", "")))
        if drug is None:
            raise bad_usage("courses_of drug", "a drug of the vocabulary", params.get("drug"),
                            where=where)
        params["drug"] = drug
    status = params.get("status", "any")
    if status not in AE_STATUS_READINGS:
        raise bad_usage("status", "one of " + ", ".join(AE_STATUS_READINGS), status,
                        where=where)
    reading = raw.get("reading")
    return Criterion(kind, str(raw.get("label", kind)), params,
                     None if reading is None else str(reading))


def parse_eligibility(raw: dict[str, Any], where: str = "study definition") -> Eligibility:
    """The ``[eligibility]`` table of a study definition."""
    arms_raw = raw.get("arm", [])
    if not isinstance(arms_raw, list) or not arms_raw:
        raise bad_usage("[eligibility]", "at least one [[eligibility.arm]] with a name and "
                        "include = [criteria]", arms_raw, where=where)
    arms = {}
    for k, arm in enumerate(arms_raw, 1):
        if not isinstance(arm, dict) or "name" not in arm:
            raise bad_usage(f"eligibility arm {k}", "a table with a name", arm, where=where)
        arms[str(arm["name"])] = tuple(_criterion(c, f"{where}, arm {arm['name']!r}")
                                       for c in arm.get("include", []))
    exclude = tuple(_criterion(c, f"{where}, exclusions")
                    for c in raw.get("exclude", []))
    labels = {c.label for crits in (*arms.values(), exclude) for c in crits}
    deviations = {}
    for k, dev in enumerate(raw.get("deviation", []), 1):
        if not isinstance(dev, dict) or set(dev) != {"patient_id", "criterion", "reason"}:
            raise bad_usage(f"eligibility deviation {k}",
                            "a table with patient_id, criterion and reason", dev, where=where)
        if dev["criterion"] not in labels:
            raise bad_usage("criterion", "the label of a criterion", dev["criterion"],
                            where=f"{where}: eligibility deviation {k}")
        deviations[(str(dev["patient_id"]), str(dev["criterion"]))] = str(dev["reason"])
    return Eligibility(arms, exclude, deviations)


class Screening(NamedTuple):
    """The result of :func:`screen`."""

    decisions: pl.DataFrame  #: one row per patient and arm (:data:`DECISION_SCHEMA`)
    details: pl.DataFrame  #: one row per patient, arm and criterion (:data:`DETAIL_SCHEMA`)


def screen(study: Study, eligibility: Eligibility, as_of: dt.date | None = None,
           course_gap_days: float = 30) -> Screening:
    """Decisions (one row per patient and arm) and details (one per criterion). The
    screening day is ``as_of``, or each patient's enrolment date, else their first
    infusion, else the latest record.

    Notes
    -----
    Each criterion is evaluated once for every patient at once, as joins over whole tables
    (:mod:`mscohort.derive.screening_columns`); its result is shared by every arm that
    lists it. Decisions and evidence are those of the criterion definitions above (pinned
    against the former one-patient-at-a-time evaluation in
    ``tests/protocol/test_screening_columns.py``).
    """
    from mscohort.derive.courses import number_courses

    tables = {name: study.table(name) for name in
              ("patients", "edss", "relapses", "treatments", "infusions", "adverse_events")}
    # courses are numbered per patient and drug: only the drugs the criteria count
    drugs = {c.params["drug"] for crits in (*eligibility.arms.values(), eligibility.exclude)
             for c in crits if c.kind == "courses_of"}
    infusions = tables["infusions"].filter(pl.col("drug").is_in(sorted(drugs)))
    tables["courses"] = (number_courses(infusions, course_gap_days)
                         .group_by("patient_id", "drug", "course").agg(pl.col("date").min()))
    days = _screening_days(tables, as_of)
    arms = list(eligibility.arms.items())
    labels: dict[str, int] = {}
    results: dict[int, pl.DataFrame] = {}
    long: list[pl.DataFrame] = []
    for a, (arm, include) in enumerate(arms):
        for role, c in [("include", c) for c in include] + [("exclude", c) for c in
                                                            eligibility.exclude]:
            if id(c) not in results:
                results[id(c)] = EVALUATE[c.kind](c, days, tables)
            long.append(results[id(c)].with_columns(
                pl.lit(a, pl.UInt32).alias("_a"), pl.lit(len(long), pl.UInt64).alias("_k"),
                pl.lit(labels.setdefault(c.label, len(labels)), pl.UInt32).alias("_c"),
                pl.lit(arm).alias("arm"), pl.lit(role).alias("kind"),
                pl.lit(c.label).alias("criterion"),
                pl.lit(c.reading, pl.String).alias("reading")))
    rows = (pl.concat(long) if long else pl.DataFrame(schema={
        **RESULT_SCHEMA, "_a": pl.UInt32, "_k": pl.UInt64, "_c": pl.UInt32,
        "arm": pl.String, "kind": pl.String, "criterion": pl.String, "reading": pl.String}))
    # patient by patient, each arm's criteria in the order declared: every result has one
    # row per patient in patient order, so row (patient i, slot k) sits at k * n + i
    n = days.height
    order = (np.arange(len(long), dtype=np.int64)[None, :] * n
             + np.arange(n, dtype=np.int64)[:, None]).ravel()
    rows = rows.select(pl.all().gather(pl.Series(order)))
    rows = rows.with_columns(days["patient_id"].gather(rows["_i"]).alias("patient_id"))
    arm_names = pl.DataFrame({"_a": range(len(arms)), "arm": [n for n, _ in arms]},
                             schema={"_a": pl.UInt32, "arm": pl.String})
    details = rows.select(list(DETAIL_SCHEMA))
    return Screening(_decisions(rows, days, arm_names, eligibility.deviations, labels),
                     details)


def _screening_days(tables: dict[str, pl.DataFrame], as_of: dt.date | None) -> pl.DataFrame:
    """``_i`` (position in the patients table), ``patient_id``, ``cohort`` and ``day``: the
    screening day, ``as_of`` or the enrolment date, else the first infusion, else the
    latest EDSS or infusion date of the study (today without one)."""
    pats = tables["patients"].select("patient_id", "cohort", "enrolment_date")
    first_inf = tables["infusions"].group_by("patient_id").agg(pl.col("date").min())
    fallback = max((cast(dt.date, f[c].max()) for f, c in ((tables["edss"], "date"),
                                                          (tables["infusions"], "date"))
                    if f.height), default=dt.date.today())
    day = (pl.lit(as_of, pl.Date) if as_of else
           pl.coalesce("enrolment_date", "date", pl.lit(fallback, pl.Date)))
    return (pats.with_row_index("_i").join(first_inf, on="patient_id", how="left",
                                           maintain_order="left")
            .select("_i", "patient_id", "cohort", day.alias("day")))


def _decisions(rows: pl.DataFrame, days: pl.DataFrame, arm_names: pl.DataFrame,
               declared: dict[tuple[str, str], str], labels: dict[str, int]) -> pl.DataFrame:
    """One decision per patient and arm from the criteria's ``rows`` (sorted by patient,
    arm and criterion): the failed criteria, the declared deviations, the missing data."""
    index = dict(zip(days["patient_id"].to_list(), days["_i"].to_list(), strict=True))
    dev = pl.DataFrame([(index[pid], labels[lab], why) for (pid, lab), why in declared.items()
                        if pid in index],
                       schema={"_i": pl.UInt32, "_c": pl.UInt32, "_why": pl.String},
                       orient="row")
    fail = (((pl.col("kind") == "include") & (pl.col("status") == "not met"))
            | ((pl.col("kind") == "exclude") & (pl.col("status") == "met")))
    # only the failed and unknown criteria say anything: the few rows to join and group
    rows = (rows.filter(fail | (pl.col("status") == "unknown"))
            .join(dev, on=["_i", "_c"], how="left", maintain_order="left"))
    item = pl.concat_str(pl.col("criterion"), pl.lit(": "), pl.col("evidence"))
    marks = rows.select(
        "_i", "_a",
        pl.when(fail & pl.col("_why").is_null()).then(item).alias("reasons"),
        pl.when(fail & pl.col("_why").is_not_null())
        .then(pl.concat_str(item, pl.lit(" (deviation: "), pl.col("_why"), pl.lit(")")))
        .alias("deviations"),
        pl.when(pl.col("status") == "unknown").then(item).alias("missing"))
    texts = ("reasons", "missing", "deviations")
    per = marks.group_by("_i", "_a", maintain_order=True).agg(
        *[pl.col(t).drop_nulls() for t in texts])
    out = (days.select("_i", "patient_id", pl.col("day").alias("screened_on"))
           .join(arm_names, how="cross").join(per, on=["_i", "_a"], how="left",
                                              maintain_order="left")
           .sort("_i", "_a")
           .with_columns(*[pl.col(t).fill_null([]) for t in texts]))
    decision = (pl.when(pl.col("reasons").list.len() > 0).then(pl.lit("not eligible"))
                .when(pl.col("missing").list.len() > 0).then(pl.lit("cannot tell"))
                .when(pl.col("deviations").list.len() > 0).then(pl.lit("protocol deviation"))
                .otherwise(pl.lit("eligible")))
    return out.with_columns(decision.alias("decision"),
                            *[pl.col(t).list.join("; ") for t in texts]
                            ).select(list(DECISION_SCHEMA))
