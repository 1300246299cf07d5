"""Patient records (the canonical tables) from fitted values and a design.

What the fit fixes is kept exactly: age at index, index, baseline and follow-up dates, the
baseline and follow-up EDSS and the disease duration (onset date). The rest is drawn, seeded,
to be plausible and to leave those values alone:

* EDSS: one assessment about 6 months before the baseline one, then every
  ``visit_every_days`` after the index date, on the straight line from the baseline to the
  follow-up EDSS (nearest valid step, sometimes half a step off), the follow-up assessment
  last.
* Relapses: Poisson counts at the cohort's rates over the two years before the index date
  (at least one: the inclusion criteria ask for relapses) and over follow-up, 30+ days apart
  and never in the 30 days before an EDSS visit (EDSS is scored outside relapses); in a
  cohort with ``relapse_on_therapy``, one of those before the index date moved onto a drug
  taken then (:mod:`mscohort.calibrate.protocol_records`).
* Enrolment: on the index date (a one-course arm), else from July 2012 (the trial's start)
  and after the arm's minimum number of courses (:mod:`mscohort.calibrate.protocol_records`).
* Alemtuzumab: the first course on the index date, by the cohort's regimen ("older": 10, 20,
  30 mg on 3 days, then 10 mg x 3 after 12 months; "approved": 12 mg x 5, then 12 mg x 3
  after 12 months); further 12 mg x 3 courses as needed, at least 12 months apart, up to the
  cohort's minimum and otherwise with probability 1/2, before the follow-up date.
* Drugs: the profile's history, each placeholder drawn from its list, dates jittered by up
  to 10 days.
* Safety labs: a baseline panel 2-4 weeks before the first infusion, then platelets,
  creatinine and urinalysis monthly and TSH every 3 months up to the follow-up date, each
  done with probability 0.85 (so some are overdue), values in their usual ranges.
* Adverse events: an infusion reaction in half the courses; a thyroid disorder in 30% of
  patients 1-3 years after the first infusion (resolved in 70%, otherwise ongoing and
  controlled on treatment: :data:`ONGOING_THYROID`); an infection in 20%
  during follow-up; immune thrombocytopenia in 2%.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

from mscohort.calibrate.design import Design
from mscohort.calibrate.fit import STEPS, Model, Patients, shift_months
from mscohort.calibrate.protocol_records import enrolment_after_courses, relapse_on_therapy
from mscohort.schema import TABLES
from mscohort.study import Study
from mscohort.units import DAYS_PER_YEAR

#: the outcome of thyroid disease after alemtuzumab that has not resolved: controlled on
#: treatment, as it usually is (Coles et al. 2012); read as "controlled" by the screening
#: (:mod:`mscohort.derive.ae_status`), so it does not exclude for uncontrolled autoimmunity
ONGOING_THYROID = "ongoing, controlled on treatment"
PHENOTYPES = {"ALE-experienced": (("RRMS", "SPMS", "PRMS"), (0.3, 0.5, 0.2)),
              "ALE-naive": (("RRMS", "SPMS", "PRMS"), (0.5, 0.4, 0.1))}
OLDER_REGIMEN_BEFORE = dt.date(2009, 1, 1)


def _days(d: dt.date, k: int | np.integer) -> dt.date:
    return d + dt.timedelta(days=int(k))


def _spaced(rng: np.random.Generator, lo: int, hi: int, n: int,
            visits: list[int]) -> list[int]:
    """Up to ``n`` distinct day offsets in [lo, hi], at least 30 days apart, none in the 30
    days before an EDSS visit (an EDSS is not scored during a relapse)."""
    out: list[int] = []
    for _ in range(n * 20):
        if len(out) == n or hi <= lo:
            break
        x = int(rng.integers(lo, hi + 1))
        if (all(abs(x - y) >= 30 for y in out)
                and not any(0 <= v - x <= 30 for v in visits)):
            out.append(x)
    return sorted(out)


def build_records(design: Design, model: Model, p: Patients) -> Study:
    rng = np.random.default_rng(design.seed + 1)
    profiles = design.patients()
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in
                                                ("patients", "edss", "relapses", "treatments",
                                                 "infusions", "labs", "adverse_events")}
    for i, profile in enumerate(profiles):
        cohort = design.cohorts[profile.cohort]
        pid = f"TRMS{i + 1:02d}"
        end, index, base, onset = model.dates(p, i)
        birth = shift_months(index, -12 * int(p.age[i]) - 3)
        names, weights = PHENOTYPES.get(cohort.label, (("RRMS",), (1.0,)))
        enrol = index if cohort.min_courses == 1 else _days(dt.date(2012, 7, 1),
                                                             rng.integers(0, 180))
        rows["patients"].append({
            "patient_id": pid, "sex": "F" if rng.random() < 0.75 else "M",
            "birth_date": birth, "onset_date": onset,
            "diagnosis_date": min(_days(onset, rng.integers(90, 900)), _days(base, -30)),
            "phenotype": str(rng.choice(names, p=weights)),
            "regular_corticosteroids": bool(rng.random() < (0.15 if cohort.min_courses > 1
                                                            else 0.05)),
            "site": "seed", "cohort": cohort.label, "enrolment_date": max(enrol, index)})
        visits = _visits(design, p, i, index, base, end, rng, pid)
        rows["edss"] += visits
        visit_days = [(v["date"] - index).days for v in visits]
        relapses = _relapses(cohort.relapses_per_year_before, cohort.relapses_per_year_after,
                             index, end, onset, rng, pid, visit_days)
        drugs = []
        for placeholder, start, stop in profile.history:
            drug = str(rng.choice(design.drugs[placeholder]))
            drugs.append({"patient_id": pid, "drug": drug,
                          "start_date": _days(index, -start + rng.integers(-10, 11)),
                          "stop_date": _days(index, -stop + rng.integers(-10, 11))})
        rows["treatments"] += drugs
        if cohort.relapse_on_therapy:
            relapses = _on_therapy(relapses, drugs, index, onset, visit_days)
        rows["relapses"] += relapses
        infusions = _infusions(cohort.regimens, cohort.min_courses, index, end, rng, pid,
                               design.interim_date)
        rows["patients"][-1]["enrolment_date"] = enrolment_after_courses(
            max(enrol, index), _course_starts(infusions), cohort.min_courses)
        rows["infusions"] += infusions
        rows["labs"] += _labs(index, end, rng, pid)
        rows["adverse_events"] += _adverse_events(infusions, index, end, rng, pid)
    tables = {}
    for name, data in rows.items():
        schema = TABLES[name].stored_schema()
        frame = pl.DataFrame(data, infer_schema_length=None)
        tables[name] = frame.with_columns(
            pl.lit(None, dtype=dtype).alias(col) for col, dtype in schema.items()
            if col not in frame.columns).select(list(schema)).cast(pl.Schema(schema))
    return Study(tables)


def _visits(design: Design, p: Patients, i: int, index: dt.date, base: dt.date,
            end: dt.date, rng: np.random.Generator, pid: str) -> list[dict[str, Any]]:
    b, f = STEPS[p.base_step[i]], STEPS[p.last_step[i]]
    pre = STEPS[int(np.clip(p.base_step[i] + rng.choice((-1, 0, 0, 1)), 0, STEPS.size - 1))]
    out = [{"patient_id": pid, "date": _days(base, -int(rng.integers(150, 220))), "edss": pre},
           {"patient_id": pid, "date": base, "edss": b}]
    total = int(p.followup_days[i])
    day = design.visit_every_days
    while day < total - 60:
        line = b + (f - b) * day / total + rng.choice((-0.5, 0.0, 0.0, 0.0, 0.5))
        value = STEPS[int(np.abs(STEPS - np.clip(line, 0, 9.5)).argmin())]
        out.append({"patient_id": pid, "date": _days(index, day), "edss": value})
        day += design.visit_every_days + int(rng.integers(-20, 21))
    out.append({"patient_id": pid, "date": end, "edss": f})
    return out


def _pre_span(index: dt.date, onset: dt.date) -> tuple[int, int]:
    """The days (from the index date, inclusive) in which relapses before it are drawn."""
    return max(-700, (onset - index).days + 30), -40


def _relapses(before: float, after: float, index: dt.date, end: dt.date, onset: dt.date,
              rng: np.random.Generator, pid: str,
              visits: list[int]) -> list[dict[str, Any]]:
    earliest, latest = _pre_span(index, onset)
    n_before = max(1, int(rng.poisson(before * 2)))
    days = _spaced(rng, earliest, latest, n_before, visits)
    span = (end - index).days
    days += _spaced(rng, 30, span - 1, int(rng.poisson(after * span / DAYS_PER_YEAR)), visits)
    return [{"patient_id": pid, "onset_date": _days(index, d),
             "severity": str(rng.choice(["mild", "moderate", "severe"], p=[0.3, 0.5, 0.2])),
             "steroid_treated": bool(rng.random() < 0.6)} for d in days]


def _on_therapy(relapses: list[dict[str, Any]], drugs: list[dict[str, Any]], index: dt.date,
                onset: dt.date, visits: list[int]) -> list[dict[str, Any]]:
    """The relapses with one of the years before the index date on a drug
    (:func:`mscohort.calibrate.protocol_records.relapse_on_therapy`), by date."""
    days = [(r["onset_date"] - index).days for r in relapses]
    move = relapse_on_therapy(days, _pre_span(index, onset),
                              [((d["start_date"] - index).days, (d["stop_date"] - index).days)
                               for d in drugs], visits)
    if move is not None:
        relapses[days.index(move[0])]["onset_date"] = _days(index, move[1])
    return sorted(relapses, key=lambda r: r["onset_date"])


def _course_starts(infusions: list[dict[str, Any]]) -> list[dt.date]:
    """The first infusion of each course (infusions more than 30 days apart)."""
    return [r["date"] for k, r in enumerate(infusions)
            if k == 0 or (r["date"] - infusions[k - 1]["date"]).days > 30]


LAB_VALUES = {"platelets": (250.0, 50.0, "10^9/L"), "creatinine": (75.0, 12.0, "umol/L"),
              "urine protein": (0.1, 0.05, "g/L"), "TSH": (1.6, 0.6, "mIU/L")}


def _labs(index: dt.date, end: dt.date, rng: np.random.Generator,
          pid: str) -> list[dict[str, object]]:
    out = []
    base = _days(index, -int(rng.integers(14, 29)))
    schedule = [(base, test) for test in LAB_VALUES]
    for month in range(1, (end - index).days // 30 + 1):
        day = _days(index, 30 * month + int(rng.integers(-3, 4)))
        tests = ["platelets", "creatinine", "urine protein"] + (["TSH"] if month % 3 == 0
                                                                else [])
        schedule += [(day, t) for t in tests if day <= end]
    for day, test in schedule:
        if day != base and rng.random() >= 0.85:
            continue
        mean, sd, unit = LAB_VALUES[test]
        out.append({"patient_id": pid, "date": day, "test": test,
                    "value": round(max(0.01, float(rng.normal(mean, sd))), 2), "unit": unit})
    return out


def _adverse_events(infusions: list[dict[str, Any]], index: dt.date, end: dt.date,
                    rng: np.random.Generator, pid: str) -> list[dict[str, object]]:
    out = []
    for start in _course_starts(infusions):
        if rng.random() < 0.5:
            out.append(("infusion-associated rash", "infusion reaction",
                        _days(start, int(rng.integers(0, 3))), "resolved"))
    span = (end - index).days
    if rng.random() < 0.3 and span > 400:
        out.append(("Graves disease", "thyroid", _days(index, int(rng.integers(365, min(
            span, 1095) + 1))), "resolved" if rng.random() < 0.7 else ONGOING_THYROID))
    if rng.random() < 0.2:
        out.append(("urinary tract infection", "infection",
                    _days(index, int(rng.integers(30, span + 1))), "resolved"))
    if rng.random() < 0.02 and span > 400:
        out.append(("immune thrombocytopenia", "ITP",
                    _days(index, int(rng.integers(365, span + 1))), "resolved"))
    seen: set[tuple[dt.date, str]] = set()
    rows = []
    for term, category, day, outcome in out:
        if (day, term) in seen or day > end:
            continue
        seen.add((day, term))
        rows.append({"patient_id": pid, "onset_date": day, "term": term, "category": category,
                     "serious": category == "ITP", "outcome": outcome})
    return rows


def _infusions(regimens: tuple[str, ...], min_courses: int, index: dt.date, end: dt.date,
               rng: np.random.Generator, pid: str, cut: dt.date) -> list[dict[str, object]]:
    older = "older" in regimens and index < OLDER_REGIMEN_BEFORE
    drug = "Campath" if min_courses > 1 else "Lemtrada"
    doses = [(0, 10.0), (1, 20.0), (2, 30.0)] if older else [(k, 12.0) for k in range(5)]
    out = [{"patient_id": pid, "drug": drug, "date": _days(index, k), "dose_mg": d}
           for k, d in doses]
    start, course = index, 1
    while True:
        start = _days(start, 365 + int(rng.integers(0, 60)) if course == 1
                      else 365 + int(rng.integers(0, 400)))
        if start >= min(end, cut) or (course >= min_courses and course > 1
                                      and rng.random() < 0.5):
            break
        course += 1
        dose = 10.0 if older and course == 2 else 12.0
        out += [{"patient_id": pid, "drug": drug, "date": _days(start, k), "dose_mg": dose}
                for k in range(3)]
    return out
