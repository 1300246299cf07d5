"""The protocol checks of a treated cohort, composed once for the analysis
(:func:`mscohort.analyse.study.analyse_study`) and for ``mscohort courses``, ``safety``,
``retreatment`` and ``screen`` (docs/protocol.md).

Notes
-----
Every check groups infusions into courses with the study definition's
``[index] course_gap_days`` (infusions at most that many days apart are one course; default
30), so that a command and the report judge the same courses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mscohort.definition import StudyDefinition
from mscohort.derive.courses import DEFAULT_REGIMENS, Courses, course_table, load_regimens
from mscohort.derive.retreatment import RetreatmentRule, retreatment
from mscohort.derive.safety import (
    DEFAULT_MONITORING,
    NO_LAB_DATA,
    aesi_table,
    load_monitoring,
    safety_schedule,
)
from mscohort.derive.screening import Screening, parse_eligibility, screen
from mscohort.errors import UsageError
from mscohort.study import Study


def study_courses(study: Study, definition: StudyDefinition | None = None,
                  regimens: str | Path | None = None) -> Courses:
    """Infusion courses with their regimen and deviations (regimens: a TOML file, default
    the approved and the seed's older regimen), grouped with the definition's
    ``course_gap_days``."""
    d = definition or StudyDefinition()
    return course_table(study.table("infusions"), load_regimens(regimens or DEFAULT_REGIMENS),
                        d.course_gap_days)


__all__ = ["NO_LAB_DATA", "RetreatmentCheck", "SafetyCheck", "protocol_readings",
           "retreatment_check", "safety_check", "screening", "study_courses"]


@dataclass(frozen=True)
class SafetyCheck:
    """Safety monitoring judged on ``as_of``."""

    as_of: dt.date
    schedule: pl.DataFrame  #: one row per treated patient and panel
    aesi: pl.DataFrame  #: adverse events of special interest with the course they followed


def safety_check(study: Study, as_of: dt.date, definition: StudyDefinition | None = None,
                 rules: str | Path | None = None, courses: Courses | None = None
                 ) -> SafetyCheck:
    """The monitoring schedule on ``as_of`` and the adverse events of special interest by
    course (rules: a TOML file, default the alemtuzumab label's; ``courses``: those of
    :func:`study_courses`, computed when not given)."""
    monitoring = load_monitoring(rules or DEFAULT_MONITORING)
    courses = courses if courses is not None else study_courses(study, definition)
    return SafetyCheck(
        as_of,
        safety_schedule(study.table("infusions"), study.table("labs"), monitoring, as_of),
        aesi_table(study.table("adverse_events"), courses.courses, monitoring))


@dataclass(frozen=True)
class RetreatmentCheck:
    """The as-needed retreatment rule judged on ``as_of``."""

    as_of: dt.date
    rule: RetreatmentRule
    table: pl.DataFrame  #: one row per treated patient: meets_rule and the reason

    def describe(self) -> str:
        return self.rule.describe()


def retreatment_check(study: Study, as_of: dt.date, definition: StudyDefinition | None = None,
                      min_days: int = RetreatmentRule().min_days_since_last_course,
                      courses: Courses | None = None) -> RetreatmentCheck:
    """Who meets the retreatment rule on ``as_of``: a relapse after the last course and at
    least ``min_days`` since its last infusion (``courses``: as for :func:`safety_check`)."""
    rule = RetreatmentRule(min_days_since_last_course=min_days)
    courses = courses if courses is not None else study_courses(study, definition)
    return RetreatmentCheck(as_of, rule, retreatment(courses.courses, study.table("relapses"),
                                                     as_of, rule))


def screening(study: Study, definition: StudyDefinition, as_of: dt.date | None = None
              ) -> Screening:
    """Eligibility per patient and arm under the definition's ``[eligibility]`` (UsageError
    when it has none)."""
    if not definition.eligibility:
        raise UsageError(f"{definition.source} has no [eligibility] table; see "
                         "docs/protocol.md for the criteria.")
    rules = parse_eligibility(definition.eligibility, definition.source)
    return screen(study, rules, as_of, definition.course_gap_days)


def protocol_readings(definition: StudyDefinition) -> list[str]:
    """"label: reading" of every eligibility criterion that names its reading of the
    protocol's words (e.g. ">1 courses" read as 2 or more); empty without ``[eligibility]``."""
    if not definition.eligibility:
        return []
    return parse_eligibility(definition.eligibility, definition.source).readings()
