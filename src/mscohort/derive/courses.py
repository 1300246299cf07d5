"""Infusion courses, the regimen each patient follows, and deviations from it.

Definitions (``docs/protocol.md``):

* A course is the infusions of one drug whose dates are at most ``course_gap_days`` apart
  (the study definition's index course rule); course 1 is the first.
* A regimen (``datasets/protocol/regimens.toml``) lists each course's daily doses on
  consecutive days and its shortest interval from the previous course; ``further`` is the
  course that may be repeated (as-needed retreatment).
* A patient follows the regimen whose first course matches their first course with the
  fewest deviations (ties: the regimen listed first).
* Deviations, each with the infusion dates behind it: ``missing_days`` (fewer infusion days
  than the course), ``extra_days``, ``wrong_dose`` (a day's dose differs from the course's,
  compared day by day), ``interrupted`` (infusion days not consecutive), ``interval_too_short``
  (less than the minimum minus the tolerance), ``beyond_regimen`` (a course the regimen
  does not have).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from mscohort.errors import UsageError, bad_usage, read_toml

DEFAULT_REGIMENS = Path(str(files("mscohort") / "datasets" / "protocol" / "regimens.toml"))
COURSE_SCHEMA = {"patient_id": pl.String, "drug": pl.String, "course": pl.Int64,
                 "start_date": pl.Date, "end_date": pl.Date, "n_days": pl.Int64,
                 "doses_mg": pl.String, "total_mg": pl.Float64, "interval_days": pl.Int64,
                 "regimen": pl.String, "expected": pl.String, "n_deviations": pl.Int64,
                 "deviations": pl.String}
DEVIATION_SCHEMA = {"patient_id": pl.String, "course": pl.Int64, "code": pl.String,
                    "message": pl.String, "dates": pl.String}


@dataclass(frozen=True)
class CourseSpec:
    doses_mg: tuple[float, ...]  #: one dose per consecutive day
    min_interval_days: float = 0
    interval_from: str = "start"  #: "start" or "end" of the previous course

    def describe(self) -> str:
        doses = self.doses_mg
        text = (f"{len(doses)} x {doses[0]:g} mg" if len(set(doses)) == 1
                else "-".join(f"{d:g}" for d in doses) + " mg")
        if self.min_interval_days:
            text += (f", >= {self.min_interval_days:g} days after the previous course's "
                     f"{'first' if self.interval_from == 'start' else 'last'} infusion")
        return text


@dataclass(frozen=True)
class Regimen:
    name: str
    drug: str
    courses: tuple[CourseSpec, ...]
    further: CourseSpec | None = None
    interval_tolerance_days: float = 0
    source: str = ""

    def spec(self, course: int) -> CourseSpec | None:
        if course <= len(self.courses):
            return self.courses[course - 1]
        return self.further


def number_courses(infusions: pl.DataFrame, course_gap_days: float = 30) -> pl.DataFrame:
    """Infusions sorted by patient, drug and date, with their ``course`` number per patient
    and drug: an infusion more than ``course_gap_days`` after the previous one of the same
    drug starts a new course (the one course rule of every analysis)."""
    inf = infusions.sort("patient_id", "drug", "date")
    # one pass over the sorted rows, no window per (patient, drug): a row opens its group when
    # its patient or drug differs from the previous row's; a course starts at a group's first
    # row or after a gap; the course number is the running count of starts since the group's
    # first row (the running count of every start minus its value before the group began)
    same = ((pl.int_range(pl.len()) > 0)
            & pl.col("patient_id").eq_missing(pl.col("patient_id").shift(1))
            & pl.col("drug").eq_missing(pl.col("drug").shift(1)))
    gap = (pl.col("date") - pl.col("date").shift(1)).dt.total_days()
    start = (~same | gap.is_null() | (gap > course_gap_days)).cast(pl.Int64)
    starts = start.cum_sum()
    before = pl.when(~same).then(starts - 1).otherwise(None).forward_fill()
    return inf.with_columns((starts - before).alias("course"))


def _spec(raw: dict[str, Any], where: str) -> CourseSpec:
    try:
        doses = tuple(float(d) for d in raw["doses_mg"])
        spec = CourseSpec(doses, float(raw.get("min_interval_days", 0)),
                          str(raw.get("interval_from", "start")))
    except (KeyError, TypeError, ValueError):
        raise bad_usage("course", "a table with doses_mg = [mg, ...] and optional "
                        "min_interval_days and interval_from", raw, where=where) from None
    if not doses or spec.interval_from not in ("start", "end"):
        raise bad_usage("course", "a table with doses_mg not empty and interval_from 'start' "
                        "or 'end'", raw, where=where)
    return spec


def load_regimens(path: str | Path = DEFAULT_REGIMENS) -> tuple[Regimen, ...]:
    """The regimens of a TOML file (default: the approved and the seed's older regimen)."""
    from mscohort.vocabulary import normalise_drug

    path = Path(path)
    raw = read_toml(path, "regimens")
    out = []
    for k, r in enumerate(raw.get("regimen", []), 1):
        where = f"regimens {path}, regimen {k}"
        if "name" not in r or "courses" not in r or "drug" not in r:
            raise UsageError(f"{where}: name, drug and courses are required.")
        drug = normalise_drug(str(r["drug"]))
        if drug is None:
            raise UsageError(f"{where}: unknown drug {r['drug']!r}.")
        out.append(Regimen(str(r["name"]), drug,
                           tuple(_spec(c, where) for c in r["courses"]),
                           _spec(r["further"], where) if "further" in r else None,
                           float(r.get("interval_tolerance_days", 0)), str(r.get("source", ""))))
    if not out:
        raise UsageError(f"regimens {path}: no [[regimen]] given.")
    return tuple(out)


def _deviations(spec: CourseSpec | None, doses: list[float], dates: list[dt.date],
                interval: int | None, tolerance: float, course: int,
                regimen: str) -> list[tuple[str, str, str]]:
    """(code, message, dates) of one course against its spec."""
    if spec is None:
        return [("beyond_regimen", f"course {course} is beyond the {regimen} regimen",
                 ", ".join(d.isoformat() for d in dates))]
    if (interval is None or interval >= spec.min_interval_days - tolerance) and tuple(
            doses) == spec.doses_mg and all((b - a).days <= 1 for a, b in
                                            itertools.pairwise(dates)):
        return []  # as the regimen says: none of the checks below finds anything
    iso = [d.isoformat() for d in dates]
    out = []
    want = spec.doses_mg
    if len(doses) < len(want):
        out.append(("missing_days", f"{len(doses)} infusion days where {len(want)} are "
                    "expected", ", ".join(iso)))
    if len(doses) > len(want):
        out.append(("extra_days", f"{len(doses)} infusion days where {len(want)} are "
                    "expected", ", ".join(iso[len(want):])))
    for day, (got, expected) in enumerate(zip(doses, want, strict=False), 1):
        if got != expected:
            out.append(("wrong_dose", f"day {day}: {got:g} mg where {expected:g} mg is "
                        "expected", iso[day - 1]))
    for a, b in itertools.pairwise(dates):
        if (b - a).days > 1:
            out.append(("interrupted", f"{(b - a).days - 1} days without infusion within the "
                        "course", f"{a.isoformat()}, {b.isoformat()}"))
    if interval is not None and interval < spec.min_interval_days - tolerance:
        out.append(("interval_too_short", f"{interval} days after the previous course where "
                    f"at least {spec.min_interval_days:g} are expected", iso[0]))
    return out


class Courses(NamedTuple):
    """The courses of :func:`course_table` and their deviations from the regimen."""

    courses: pl.DataFrame  #: one row per course (:data:`COURSE_SCHEMA`)
    deviations: pl.DataFrame  #: one row per deviation (:data:`DEVIATION_SCHEMA`)


def course_table(infusions: pl.DataFrame, regimens: tuple[Regimen, ...],
                 course_gap_days: float = 30) -> Courses:
    """One row per course with its regimen and deviations, and one row per deviation."""
    drugs = {r.drug for r in regimens}
    inf = number_courses(infusions.filter(pl.col("drug").is_in(list(drugs))), course_gap_days)
    grouped = inf.group_by("patient_id", "drug", "course", maintain_order=True).agg(
        pl.col("date"), pl.col("dose_mg"))
    # the patients whose every course is as its regimen says are written from columns
    # (course_plain.py); the others, one course at a time below
    from mscohort.derive.course_plain import plain_courses

    plain, others = plain_courses(inf, regimens)
    index = grouped.with_row_index("_i").filter(others)["_i"]
    grouped = grouped.filter(others)
    rows: list[tuple[Any, ...]] = []
    devs: list[tuple[Any, ...]] = []
    chosen: dict[str, dict[tuple[Any, ...], Regimen]] = {}
    described: dict[CourseSpec, str] = {}
    dose_text: dict[tuple[float, ...], tuple[str, float]] = {}
    # ``grouped`` is in patient, drug and course order (``inf`` is sorted and the groups keep
    # their order): one pass over its rows, a patient's drug at a time
    columns = zip(*(grouped[c].to_list() for c in ("patient_id", "drug", "course", "date",
                                                    "dose_mg")), index.to_list(), strict=True)
    rows_of = (dict(zip(("patient_id", "drug", "course", "date", "dose_mg", "_i"), r,
                        strict=True)) for r in columns)
    for (pid, drug), part in itertools.groupby(
            rows_of, key=lambda c: (c["patient_id"], c["drug"])):
        courses = list(part)
        candidates = [r for r in regimens if r.drug == drug]
        first = courses[0]
        # the number of deviations of a first course depends on its doses and the days
        # between its infusions only, so each distinct shape is counted once
        shape = (tuple(first["dose_mg"]),
                 tuple((b - a).days for a, b in itertools.pairwise(first["date"])))
        if shape not in chosen.setdefault(drug, {}):
            chosen[drug][shape] = min(candidates, key=lambda r: len(_deviations(
                r.spec(1), first["dose_mg"], first["date"], None, 0, 1, r.name)))
        regimen = chosen[drug][shape]
        previous: dict[str, Any] | None = None
        for c in courses:
            spec = regimen.spec(c["course"])
            interval = None
            if previous is not None:
                ref = (previous["date"][0] if spec is None or spec.interval_from == "start"
                       else previous["date"][-1])
                interval = (c["date"][0] - ref).days
            found = _deviations(spec, c["dose_mg"], c["date"], interval,
                                regimen.interval_tolerance_days, c["course"], regimen.name)
            devs += [(pid, c["course"], code, msg, dates) for code, msg, dates in found]
            if spec is not None and spec not in described:
                described[spec] = spec.describe()
            doses = tuple(c["dose_mg"])
            # a registry repeats a few dose sequences: each is written once (not one with a
            # zero dose, whose sign, 0 or -0, the cache's equality would not keep apart)
            text = dose_text.get(doses) if 0 not in doses else None
            if text is None:
                text = (", ".join(f"{d:g}" for d in doses), float(sum(doses)))
                dose_text[doses] = text
            rows.append((
                c["_i"], pid, drug, c["course"], c["date"][0], c["date"][-1], len(c["date"]),
                *text, interval,
                regimen.name, "none" if spec is None else described[spec], len(found),
                "; ".join(m for _, m, _ in found) if found else ""))
            previous = c
    slow = pl.DataFrame(rows, schema={"_i": pl.UInt32, **COURSE_SCHEMA}, orient="row")
    return Courses(pl.concat([plain.cast(dict(COURSE_SCHEMA.items())), slow]).sort("_i").drop("_i"),
                   pl.DataFrame(devs, schema=DEVIATION_SCHEMA, orient="row"))
