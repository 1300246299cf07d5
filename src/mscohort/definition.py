"""The study definition: a small TOML file that says how to turn records into outcomes.

Example (the seed study ships as ``datasets/toy/study.toml``)::

    [study]
    name = "Alemtuzumab in treatment-refractory MS"

    [index]
    drug = "alemtuzumab"          # index treatment
    date = "first_infusion"       # or "enrolment_date" (a patients column)
    course_gap_days = 30          # infusions less than 30 days apart form one course

    [baseline]
    window_days = 365             # the EDSS closest before the index date, within 365 days
    after_index_days = 0          # and not after the first infusion (0 days allowed)

    [follow_up]
    end = "last_edss"             # or "cutoff" with cutoff_date = "2015-06-30"
    unit = "lunar_month"          # lunar_month (28 d), month (30.4375 d), year (365.25 d), day

    [relapses]
    pre_index_days = 730.5        # the ARR window before the index date (2 x 365.25 days)
    exclude_regular_corticosteroids = true

    [change]
    rule = "any_step"             # improved/worsened: any 0.5 step; or "threshold"

    [prior_treatment]
    window_days = 730.5           # "within the prior two years"
    groups = { "IFN-GA" = ["interferon beta", "glatiramer acetate"], "FTY" = ["fingolimod"],
               "NAT" = ["natalizumab"] }
    transitions = [["natalizumab", "fingolimod"]]   # NAT -> FTY -> index drug

    [[timepoints]]                # EDSS at a time point, besides the last follow-up
    name = "12 months"
    days = 365
    window_days = 90
    [[timepoints]]
    name = "more than 12 months"
    after_days = 365

    [subgroups]                   # name = "outcome column, operator, number"
    "more than 2 relapses a year before" = "arr_before > 2"

    [neda]                        # and [msfc], [oct], [milestones]: mscohort.secondary
    window_days = 730.5

Every key is checked; a wrong one is a usage error naming the file, the key and the rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from mscohort.errors import UsageError, read_toml
from mscohort.secondary import KEYS as SECONDARY_KEYS
from mscohort.secondary import SecondarySettings, parse_secondary
from mscohort.vocabulary import normalise_drug

#: Columns of the per-patient outcomes table (``mscohort.derive.outcomes``).
OUTCOME_COLUMNS = (
    "patient_id", "sex", "phenotype", "cohort", "regular_corticosteroids", "index_date",
    "n_infusions", "n_courses", "age_at_index", "duration_at_index_years",
    "baseline_date", "baseline_edss", "baseline_msss", "followup_date", "followup_edss",
    "followup_msss", "edss_change", "msss_change", "change_category", "followup_days",
    "followup", "relapses_before", "arr_before", "relapses_during", "arr_during",
    "arr_change", "in_relapse_analysis", "prior_drug", "prior_group", "prior_window_drugs",
    "prior_window_groups", "sequence", "cdw_observed", "time_to_cdw_days", "excluded_reason",
)

#: Days per follow-up unit (a "lunar month" is 4 weeks, as in the seed study).
UNIT_DAYS = {"day": 1.0, "lunar_month": 28.0, "month": 30.4375, "year": 365.25}


@dataclass(frozen=True)
class TimePoint:
    """An outcome time point: the assessment closest to ``days`` after the index date within
    +/- ``window_days`` or, with ``after_days``, the last assessment more than that many days
    after it (the seed's "more than 12 months after the first cycle")."""

    name: str
    days: float | None = None
    window_days: float = 0
    after_days: float | None = None

    @property
    def slug(self) -> str:
        return "".join(c if c.isalnum() else "_" for c in self.name.lower()).strip("_")


@dataclass(frozen=True)
class StudyDefinition:
    """Every choice that turns records into per-patient outcomes (see module docstring)."""

    name: str = "study"
    index_drug: str = "alemtuzumab"
    index_date: str = "first_infusion"
    course_gap_days: float = 30
    baseline_window_days: float = 365
    baseline_after_index_days: float = 0
    follow_up_end: str = "last_edss"
    cutoff_date: dt.date | None = None
    unit: str = "lunar_month"
    pre_index_days: float = 730.5
    exclude_regular_corticosteroids: bool = True
    change_rule: str = "any_step"
    prior_window_days: float = 730.5
    prior_groups: dict[str, tuple[str, ...]] = field(default_factory=lambda: {
        "IFN-GA": ("interferon beta", "glatiramer acetate"), "FTY": ("fingolimod",),
        "NAT": ("natalizumab",)})
    transitions: tuple[tuple[str, ...], ...] = (("natalizumab", "fingolimod"),)
    subgroups: dict[str, str] = field(default_factory=dict)
    timepoints: tuple[TimePoint, ...] = ()
    eligibility: dict[str, object] = field(default_factory=dict)  #: screening criteria
    secondary: SecondarySettings = field(default_factory=SecondarySettings)  #: MSFC, OCT, NEDA-3
    primary: str = "edss_change"  #: [analysis] primary: the primary endpoint (end of module)
    source: str = "defaults"

    @property
    def unit_days(self) -> float:
        return UNIT_DAYS[self.unit]

    def as_dict(self) -> dict[str, object]:
        from dataclasses import asdict

        return {k: (v.isoformat() if isinstance(v, dt.date) else
                    asdict(v) if isinstance(v, SecondarySettings) else v)
                for k, v in self.__dict__.items()}


_KEYS = {
    "study": {"name"},
    "index": {"drug", "date", "course_gap_days"},
    "baseline": {"window_days", "after_index_days"},
    "follow_up": {"end", "cutoff_date", "unit"},
    "relapses": {"pre_index_days", "exclude_regular_corticosteroids"},
    "change": {"rule"},
    "prior_treatment": {"window_days", "groups", "transitions"},
    "subgroups": None,  # any name = "column op number"
    "timepoints": None,  # a list of tables, see TimePoint
    "eligibility": None,  # checked by mscohort.derive.screening
    **SECONDARY_KEYS,  # [msfc], [oct], [neda], [milestones]: mscohort.secondary
    "analysis": {"primary"},  # the primary endpoint: _primary at the end of this module
}


def _bad(where: str, key: str, expected: str, got: object) -> UsageError:
    return UsageError(f"{where}: {key} must be {expected}; got {got!r}.")


def _days(where: str, key: str, value: object) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise _bad(where, key, "a number of days >= 0", value)
    return value


def _drug(where: str, key: str, name: object) -> str:
    canonical = normalise_drug(name) if isinstance(name, str) else None
    if canonical is None:
        raise _bad(where, key, "a drug of the vocabulary (mscohort schema --drugs)", name)
    return canonical


def parse_definition(raw: dict[str, object], where: str = "study definition"
                     ) -> StudyDefinition:
    """Check a parsed TOML document and build the definition."""
    for section, value in raw.items():
        if section == "timepoints":
            continue
        if section not in _KEYS:
            raise UsageError(f"{where}: [{section}] is not a section; must be one of "
                             f"{', '.join(_KEYS)}.")
        if not isinstance(value, dict):
            raise UsageError(f"{where}: [{section}] must be a table of settings.")
        unknown = set(value) - (_KEYS[section] or set(value))
        if unknown:
            raise UsageError(f"{where}: [{section}] has unknown key(s) "
                             f"{', '.join(sorted(unknown))}; allowed: "
                             f"{', '.join(sorted(_KEYS[section] or []))}.")
    get = lambda s, k, d: raw.get(s, {}).get(k, d)  # type: ignore[union-attr]  # noqa: E731
    base = StudyDefinition()
    end = get("follow_up", "end", base.follow_up_end)
    if end not in ("last_edss", "cutoff"):
        raise _bad(where, "follow_up.end", "'last_edss' or 'cutoff'", end)
    cutoff = get("follow_up", "cutoff_date", None)
    if cutoff is not None and not isinstance(cutoff, dt.date):
        try:
            cutoff = dt.date.fromisoformat(str(cutoff))
        except ValueError:
            raise _bad(where, "follow_up.cutoff_date", "a date YYYY-MM-DD", cutoff) from None
    if end == "cutoff" and cutoff is None:
        raise _bad(where, "follow_up.cutoff_date", "given when end = 'cutoff'", None)
    unit = get("follow_up", "unit", base.unit)
    if unit not in UNIT_DAYS:
        raise _bad(where, "follow_up.unit", f"one of {', '.join(UNIT_DAYS)}", unit)
    index_date = get("index", "date", base.index_date)
    if index_date not in ("first_infusion", "enrolment_date"):
        raise _bad(where, "index.date", "'first_infusion' or 'enrolment_date'", index_date)
    rule = get("change", "rule", base.change_rule)
    if rule not in ("any_step", "threshold"):
        raise _bad(where, "change.rule", "'any_step' or 'threshold'", rule)
    groups_raw = get("prior_treatment", "groups", None)
    groups = base.prior_groups
    if groups_raw is not None:
        if not isinstance(groups_raw, dict) or not groups_raw:
            raise _bad(where, "prior_treatment.groups", "a table of group = [drugs]",
                       groups_raw)
        groups = {str(g): tuple(_drug(where, f"prior_treatment.groups.{g}", d)
                                for d in (drugs if isinstance(drugs, list) else [drugs]))
                  for g, drugs in groups_raw.items()}
    trans_raw = get("prior_treatment", "transitions", None)
    transitions = base.transitions
    if trans_raw is not None:
        if not isinstance(trans_raw, list) or not all(isinstance(t, list) for t in trans_raw):
            raise _bad(where, "prior_treatment.transitions", "a list of drug lists", trans_raw)
        transitions = tuple(tuple(_drug(where, "prior_treatment.transitions", d) for d in t)
                            for t in trans_raw)
    name = get("study", "name", base.name)
    flag = get("relapses", "exclude_regular_corticosteroids", True)
    if not isinstance(flag, bool):
        raise _bad(where, "relapses.exclude_regular_corticosteroids", "true or false", flag)
    return StudyDefinition(
        name=str(name),
        index_drug=_drug(where, "index.drug", get("index", "drug", base.index_drug)),
        index_date=index_date,
        course_gap_days=_days(where, "index.course_gap_days",
                              get("index", "course_gap_days", base.course_gap_days)),
        baseline_window_days=_days(where, "baseline.window_days",
                                   get("baseline", "window_days", base.baseline_window_days)),
        baseline_after_index_days=_days(where, "baseline.after_index_days", get(
            "baseline", "after_index_days", base.baseline_after_index_days)),
        follow_up_end=end, cutoff_date=cutoff, unit=unit,
        pre_index_days=_days(where, "relapses.pre_index_days",
                             get("relapses", "pre_index_days", base.pre_index_days)),
        exclude_regular_corticosteroids=flag, change_rule=rule,
        prior_window_days=_days(where, "prior_treatment.window_days",
                                get("prior_treatment", "window_days", base.prior_window_days)),
        prior_groups=groups, transitions=transitions, source=where,
        subgroups=_subgroups(where, raw.get("subgroups", {})),  # type: ignore[arg-type]
        timepoints=_timepoints(where, raw.get("timepoints", [])),
        eligibility=dict(raw.get("eligibility", {})),  # type: ignore[arg-type]
        secondary=parse_secondary(raw, where),  # type: ignore[arg-type]
        primary=_primary(where, raw),
    )


def _timepoints(where: str, raw: object) -> tuple[TimePoint, ...]:
    if not isinstance(raw, list):
        raise _bad(where, "timepoints", "a list of [[timepoints]] tables", raw)
    out = []
    for i, tp in enumerate(raw):
        key = f"timepoints[{i}]"
        if not isinstance(tp, dict) or "name" not in tp:
            raise _bad(where, key, "a table with a name", tp)
        unknown = set(tp) - {"name", "days", "window_days", "after_days"}
        if unknown:
            raise _bad(where, key, "keys name, days, window_days, after_days",
                       sorted(unknown))
        if ("days" in tp) == ("after_days" in tp):
            raise _bad(where, key, "given either days (with window_days) or after_days", tp)
        out.append(TimePoint(
            str(tp["name"]),
            _days(where, f"{key}.days", tp["days"]) if "days" in tp else None,
            _days(where, f"{key}.window_days", tp.get("window_days", 0)),
            _days(where, f"{key}.after_days", tp["after_days"]) if "after_days" in tp
            else None))
    if len({t.slug for t in out}) != len(out):
        raise _bad(where, "timepoints", "distinct names", [t.name for t in out])
    return tuple(out)


SUBGROUP_OPS = (">=", "<=", "!=", "==", ">", "<")


def parse_condition(text: str) -> tuple[str, str, float]:
    """``"arr_before > 2"`` -> ("arr_before", ">", 2.0); ValueError when malformed."""
    for op in SUBGROUP_OPS:
        column, found, value = text.partition(op)
        if found:
            return column.strip(), op, float(value)
    raise ValueError(text)


def _subgroups(where: str, raw: dict[str, object]) -> dict[str, str]:
    out = {}
    for name, cond in raw.items():
        try:
            column, _, _ = parse_condition(str(cond))
        except ValueError:
            raise _bad(where, f"subgroups.{name}", "'column op number', e.g. 'arr_before > 2'",
                       cond) from None
        if column not in OUTCOME_COLUMNS:
            raise _bad(where, f"subgroups.{name}", "a condition on an outcome column", cond)
        out[str(name)] = str(cond)
    return out


def load_definition(path: str | Path) -> StudyDefinition:
    path = Path(path)
    return parse_definition(read_toml(path, "study definition"), f"study definition {path}")


# -- [analysis]: the primary endpoint (issue #17; docs/analysis.md) -------------------------
#: Outcome columns that may be the primary endpoint, besides ``edss_change_<time point>``.
PRIMARY_OUTCOMES = ("edss_change", "msss_change", "arr_change")


def _primary(where: str, raw: dict[str, object]) -> str:
    """``[analysis] primary``: the outcome of the one confirmatory test (default
    ``edss_change``, the seed's EDSS change from baseline to last follow-up); every other
    test is exploratory."""
    section = raw.get("analysis", {})
    value = section.get("primary", "edss_change") if isinstance(section, dict) else None
    slugs = [TimePoint(str(t["name"])).slug for t in raw.get("timepoints", [])  # type: ignore[attr-defined]
             if isinstance(t, dict) and "name" in t]
    allowed = [*PRIMARY_OUTCOMES, *(f"edss_change_{s}" for s in slugs)]
    if value not in allowed:
        raise _bad(where, "analysis.primary", f"one of {', '.join(allowed)}", value)
    return str(value)
