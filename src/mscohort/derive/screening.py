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

import polars as pl

from mscohort.derive.ae_status import ae_status
from mscohort.errors import UsageError, bad_usage
from mscohort.study import Study
from mscohort.vocabulary import BY_NAME, normalise_drug

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


def _window(frame: pl.DataFrame, col: str, day: dt.date, within: float | None) -> pl.DataFrame:
    out = frame.filter(pl.col(col) < day)
    if within is not None:
        out = out.filter(pl.col(col) >= day - dt.timedelta(days=float(within)))
    return out


def evaluate(c: Criterion, pid: str, day: dt.date, t: dict[str, dict[str, Any]],
             have_ae: bool) -> tuple[str, str]:
    """(status, evidence) of one criterion for one patient on ``day``."""
    p = c.params
    if c.kind in ("relapses", "relapse_on_therapy"):
        rel = _window(t["relapses"].get(pid, pl.DataFrame(schema={"onset_date": pl.Date})),
                      "onset_date", day, p.get("within_days"))
        dates = rel["onset_date"].to_list()
        if c.kind == "relapse_on_therapy":
            tr = t["treatments"].get(pid)
            on = []
            for d in dates:
                drug = None if tr is None else next(
                    (r["drug"] for r in tr.iter_rows(named=True) if r["start_date"] <= d
                     and (r["stop_date"] is None or d <= r["stop_date"])), None)
                if drug is not None:
                    on.append(f"{d} on {drug}")
            found = on
        else:
            found = [str(d) for d in dates]
        need = int(p.get("min_count", 1))
        return ("met" if len(found) >= need else "not met",
                f"{len(found)} relapse(s)" + (f": {', '.join(found)}" if found else ""))
    if c.kind == "prior_dmd":
        tr = t["treatments"].get(pid, pl.DataFrame(schema={"drug": pl.String,
                                                           "start_date": pl.Date}))
        drugs = sorted(set(tr.filter(pl.col("start_date") < day)["drug"]))
        if p.get("approved_only"):
            drugs = [d for d in drugs if d in BY_NAME and BY_NAME[d].approved_for_ms]
        need = int(p.get("min_count", 1))
        return ("met" if len(drugs) >= need else "not met",
                ", ".join(drugs) if drugs else "no prior drug on record")
    if c.kind == "courses_of":
        # course starts (first infusion of each numbered course) before the screening day
        inf = t["courses"].get(pid, pl.DataFrame(schema={"drug": pl.String, "date": pl.Date}))
        starts = sorted(inf.filter((pl.col("drug") == p["drug"]) & (pl.col("date") < day))
                        ["date"])
        lo, hi = p.get("min", 0), p.get("max")
        ok = len(starts) >= lo and (hi is None or len(starts) <= hi)
        return ("met" if ok else "not met", f"{len(starts)} course(s) of {p['drug']}"
                + (f" begun {', '.join(map(str, starts))}" if starts else ""))
    if c.kind == "edss_between":
        e = _window(t["edss"].get(pid, pl.DataFrame(schema={"date": pl.Date,
                                                             "edss": pl.Float64})),
                    "date", day, p.get("within_days"))
        if e.height == 0:
            return "unknown", "no EDSS in the window before the screening day"
        last = e.sort("date").row(-1, named=True)
        ok = float(p.get("min", 0)) <= last["edss"] <= float(p.get("max", 10))
        return "met" if ok else "not met", f"EDSS {last['edss']:g} on {last['date']}"
    if c.kind == "cohort_is":
        cohort = t["cohort"].get(pid)
        if cohort is None:
            return "unknown", "cohort not recorded"
        return ("met" if cohort == p["value"] else "not met"), f"cohort {cohort}"
    # adverse_event
    if not have_ae:
        return "unknown", "the study has no adverse-event records"
    words = [str(w).lower() for w in p.get("keywords", [])]
    skip = {str(o).lower() for o in p.get("outcome_not", [])}
    ae = _window(t["adverse_events"].get(pid, pl.DataFrame(schema={"onset_date": pl.Date})),
                 "onset_date", day, p.get("within_days"))
    events = [r for r in ae.iter_rows(named=True)
              if any(w in f"{r.get('category') or ''} {r['term']}".lower() for w in words)
              and str(r.get("outcome") or "").lower() not in skip]
    return _status_decision(events, str(p.get("status", "any")))


#: per ``status`` reading: the statuses that count, and those that leave it open
_COUNTS = {"ongoing": ({"ongoing", "controlled", "uncontrolled"}, {"unknown"}),
           "uncontrolled": ({"uncontrolled"}, {"ongoing", "unknown"})}


def _status_decision(events: list[dict[str, object]], reading: str) -> tuple[str, str]:
    """Met when an event counts under ``reading``; unknown when none does but the status of
    one does not say; else not met (the events seen, with their status, as evidence)."""
    if reading == "any":
        hits = [f"{r['term']} on {r['onset_date']}" for r in events]
        return ("met" if hits else "not met"), ("; ".join(hits) if hits else "none on record")
    counts, open_ = _COUNTS[reading]
    seen = [(ae_status(r.get("outcome")),  # type: ignore[arg-type]
             f"{r['term']} on {r['onset_date']}") for r in events]
    if any(s in counts for s, _ in seen):
        return "met", "; ".join(f"{w} ({s})" for s, w in seen if s in counts)
    if any(s in open_ for s, _ in seen):
        return "unknown", "; ".join(f"{w} ({s}): whether {reading} is not recorded"
                                    for s, w in seen if s in open_)
    return "not met", "; ".join(f"{w} ({s})" for s, w in seen) if seen else "none on record"


class Screening(NamedTuple):
    """The result of :func:`screen`."""

    decisions: pl.DataFrame  #: one row per patient and arm (:data:`DECISION_SCHEMA`)
    details: pl.DataFrame  #: one row per patient, arm and criterion (:data:`DETAIL_SCHEMA`)


def screen(study: Study, eligibility: Eligibility, as_of: dt.date | None = None,
           course_gap_days: float = 30) -> Screening:
    """Decisions (one row per patient and arm) and details (one per criterion). The
    screening day is ``as_of``, or each patient's enrolment date, else their first
    infusion, else the latest record."""
    from mscohort.derive.courses import number_courses

    tables = {name: study.table(name) for name in
              ("patients", "edss", "relapses", "treatments", "infusions", "adverse_events")}
    tables["courses"] = (number_courses(tables["infusions"], course_gap_days)
                         .group_by("patient_id", "drug", "course").agg(pl.col("date").min()))
    t = {name: {k[0]: v for k, v in f.partition_by("patient_id", as_dict=True).items()}
         if f.height else {} for name, f in tables.items()}
    pats = tables["patients"]
    t["cohort"] = dict(zip(pats["patient_id"], pats["cohort"], strict=True))
    first_inf = (tables["infusions"].group_by("patient_id").agg(pl.col("date").min())
                 .rows_by_key("patient_id", unique=True))
    fallback = max((cast(dt.date, f[c].max()) for f, c in ((tables["edss"], "date"),
                                                          (tables["infusions"], "date"))
                    if f.height), default=dt.date.today())
    have_ae = tables["adverse_events"].height > 0
    decisions, details = [], []
    for r in pats.iter_rows(named=True):
        pid = r["patient_id"]
        day: dt.date = as_of or r["enrolment_date"] or (first_inf[pid][0] if pid in first_inf
                                                         else fallback)
        for arm, include in eligibility.arms.items():
            results = []
            for role, crits in (("include", include), ("exclude", eligibility.exclude)):
                for c in crits:
                    status, evidence = evaluate(c, pid, day, t, have_ae)
                    results.append((role, c, status, evidence))
                    details.append({"patient_id": pid, "arm": arm, "kind": role,
                                    "criterion": c.label, "status": status,
                                    "evidence": evidence, "reading": c.reading})
            failing = [(c.label, e) for role, c, s, e in results
                       if (role == "include" and s == "not met")
                       or (role == "exclude" and s == "met")]
            declared = eligibility.deviations
            failed = [f"{lab}: {e}" for lab, e in failing if (pid, lab) not in declared]
            deviated = [f"{lab}: {e} (deviation: {declared[(pid, lab)]})"
                        for lab, e in failing if (pid, lab) in declared]
            missing = [f"{c.label}: {e}" for _, c, s, e in results if s == "unknown"]
            decision = ("not eligible" if failed else "cannot tell" if missing
                        else "protocol deviation" if deviated else "eligible")
            decisions.append({"patient_id": pid, "arm": arm, "screened_on": day,
                              "decision": decision, "reasons": "; ".join(failed),
                              "missing": "; ".join(missing),
                              "deviations": "; ".join(deviated)})
    return Screening(pl.DataFrame(decisions, schema=DECISION_SCHEMA),
                     pl.DataFrame(details, schema=DETAIL_SCHEMA))
