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
    relapse_free_days = 0         # e.g. 30: no baseline less than 30 days after a relapse

    [follow_up]
    end = "last_edss"             # or "cutoff" with cutoff_date = "2015-06-30"
    min_days = 0                  # shorter follow-up: not analysed
    unit = "lunar_month"          # lunar_month, month (30.4375 d), year (365.25 d), day
    lunar_month = "28_days"       # or "synodic" (29.530589 d); the seed does not say

    [relapses]
    pre_index_days = 730.5        # the ARR window before the index date (2 x 365.25 days)
    pre_index_end_days = 0        # the window ends this long before the index date
    exclude_regular_corticosteroids = true
    index_day = "before"          # an index-day relapse counts before (or during, neither)
    truncate_at_onset = true      # the pre-index window starts no earlier than onset
    follow_up_end = "last_edss"   # or "last_contact", "cutoff"; later relapses reported
    min_followup_days = 90        # no per-patient ARR from a shorter follow-up

    [change]
    rule = "any_step"             # improved/worsened: any 0.5 step; or "threshold"
                                  # (the [events] delta, baseline to last EDSS, not confirmed)

    [prior_treatment]
    window_days = 730.5           # "within the prior two years"
    groups = { "IFN-GA" = ["interferon beta", "glatiramer acetate"], "FTY" = ["fingolimod"],
               "NAT" = ["natalizumab"] }
    transitions = [["natalizumab", "fingolimod"]]   # NAT -> FTY -> index drug
    immediate_gap_days = 730.5    # the drug immediately before: taken within this (default:
    immediate_rule = "stopped_last"  # window_days); overlaps: stopped last, longest, started last

    [msss]
    table = "roxburgh2005"        # or "manouchehrinia2017"
    convention = "standard"       # or "ms.sev" (docs/scores/msss.md)

    [events]                      # confirmed worsening (mscohort.definition.events)
    preset = "msprog"             # and any option of `mscohort events`, e.g. conf_days = 168

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

    [models]                      # mixed and count models (mscohort.definition.models)
    fit = ["trajectory", "counts", "between_groups", "time_to_relapse"]

Every key, its type, default and meaning: :data:`mscohort.definition.keys.KEYS` (the table of
``docs/analysis.md``). Every key is checked, and every wrong section, key or value of a file is
reported at once, each naming the file, the key and the allowed values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mscohort.definition.comparison import ComparisonSettings, parse_comparison
from mscohort.definition.events import EventOptions, parse_events
from mscohort.definition.keys import (
    CHANGE_RULES,
    FOLLOW_UP_ENDS,
    IMMEDIATE_RULES,
    INDEX_DATES,
    INDEX_DAY_RELAPSE,
    MSSS_CONVENTIONS,
    MSSS_TABLES,
    PRIMARY_OUTCOMES,
    RELAPSE_ENDS,
    section_keys,
)
from mscohort.definition.models import ModelSettings, parse_models
from mscohort.definition.parts import (
    OUTCOME_COLUMNS,
    SUBGROUP_OPS,
    Errors,
    TimePoint,
    days,
    drug,
    parse_condition,
    subgroups,
    timepoints,
)
from mscohort.errors import bad_argument, read_toml
from mscohort.secondary import SecondarySettings, parse_secondary
from mscohort.units import DAYS_PER_YEAR, LUNAR_MONTHS, UNIT_DAYS, UNITS

__all__ = ["OUTCOME_COLUMNS", "SUBGROUP_OPS", "UNIT_DAYS", "StudyDefinition", "TimePoint",
           "load_definition", "parse_condition", "parse_definition"]



@dataclass(frozen=True)
class StudyDefinition:
    """Every choice that turns records into per-patient outcomes (see module docstring)."""

    name: str = "study"
    index_drug: str = "alemtuzumab"
    index_date: str = "first_infusion"
    course_gap_days: float = 30
    baseline_window_days: float = 365
    baseline_after_index_days: float = 0
    baseline_relapse_free_days: float = 0
    follow_up_end: str = "last_edss"
    cutoff_date: dt.date | None = None
    follow_up_min_days: float = 0
    unit: str = "lunar_month"
    lunar_month: str = "28_days"
    pre_index_days: float = 2 * DAYS_PER_YEAR
    pre_index_end_days: float = 0
    exclude_regular_corticosteroids: bool = True
    index_day_relapse: str = "before"
    truncate_at_onset: bool = True
    relapse_end: str = "last_edss"
    relapse_min_followup_days: float = 90
    change_rule: str = "any_step"
    prior_window_days: float = 2 * DAYS_PER_YEAR
    immediate_gap_days: float | None = None  #: None: the prior window
    immediate_rule: str = "stopped_last"
    prior_groups: dict[str, tuple[str, ...]] = field(default_factory=lambda: {
        "IFN-GA": ("interferon beta", "glatiramer acetate"), "FTY": ("fingolimod",),
        "NAT": ("natalizumab",)})
    transitions: tuple[tuple[str, ...], ...] = (("natalizumab", "fingolimod"),)
    subgroups: dict[str, str] = field(default_factory=dict)
    timepoints: tuple[TimePoint, ...] = ()
    eligibility: dict[str, object] = field(default_factory=dict)  #: screening criteria
    secondary: SecondarySettings = field(default_factory=SecondarySettings)  #: MSFC, OCT, NEDA-3
    msss_table: str = "roxburgh2005"
    msss_convention: str = "standard"
    events: EventOptions = field(default_factory=EventOptions)  #: confirmed worsening
    primary: str = "edss_change"  #: [analysis] primary: the primary endpoint
    models: ModelSettings = field(default_factory=ModelSettings)  #: [models]
    comparison: ComparisonSettings | None = None  #: [comparison]: the comparative design
    source: str = "defaults"

    @property
    def unit_days(self) -> float:
        return LUNAR_MONTHS[self.lunar_month] if self.unit == "lunar_month" else \
            UNIT_DAYS[self.unit]

    @property
    def immediate_gap(self) -> float:
        """Days from the end of an exposure to the index date within which it can be the
        drug immediately before (``prior_treatment.immediate_gap_days``, else the window)."""
        return self.prior_window_days if self.immediate_gap_days is None else \
            self.immediate_gap_days

    def with_(self, **changes: Any) -> StudyDefinition:
        """A copy with some settings changed (for sensitivity analyses), each checked: a
        field of the definition, one of the allowed values, or a number of days >= 0."""
        from dataclasses import fields, replace

        names = {f.name for f in fields(self)}
        for name, value in changes.items():
            if name not in names:
                raise bad_argument("name", "a field of StudyDefinition "
                                   f"({', '.join(sorted(names))})", name)
            allowed = _FIELD_CHOICES.get(name)
            if allowed is not None and value not in allowed:
                raise bad_argument(name, f"one of {', '.join(allowed)}", value)
            if name.endswith("_days") and value is not None and (
                    not isinstance(value, int | float) or isinstance(value, bool)
                    or not value >= 0):
                raise bad_argument(name, "a number of days >= 0", value)
        out = replace(self, **changes)
        if out.cutoff_date is None and "cutoff" in (out.follow_up_end, out.relapse_end):
            raise bad_argument("cutoff_date", "given when follow_up_end or relapse_end is "
                               "'cutoff'", None)
        return out

    def as_dict(self) -> dict[str, object]:
        from dataclasses import asdict

        return {k: (v.isoformat() if isinstance(v, dt.date) else
                    asdict(v) if isinstance(v, SecondarySettings | ModelSettings
                                          | ComparisonSettings) else
                    v.as_dict() if isinstance(v, EventOptions) else v)
                for k, v in self.__dict__.items()}


#: The allowed values of each choice field (the same as the keys of the file).
_FIELD_CHOICES: dict[str, Collection[str]] = {
    "index_date": INDEX_DATES, "follow_up_end": FOLLOW_UP_ENDS, "unit": UNITS,
    "lunar_month": tuple(LUNAR_MONTHS), "index_day_relapse": INDEX_DAY_RELAPSE,
    "relapse_end": RELAPSE_ENDS, "change_rule": CHANGE_RULES,
    "immediate_rule": IMMEDIATE_RULES, "msss_table": MSSS_TABLES,
    "msss_convention": MSSS_CONVENTIONS,
}


def _sections(raw: dict[str, object], err: Errors) -> dict[str, dict[str, object]]:
    """The sections that are tables of known keys; wrong ones are collected."""
    allowed = section_keys()
    out: dict[str, dict[str, object]] = {}
    for section, value in raw.items():
        if section == "timepoints":
            continue
        if section not in allowed:
            err.bad("[section]", f"one of {', '.join(allowed)}", f"[{section}]")
            continue
        if not isinstance(value, dict):
            err.bad(f"[{section}]", "a table of settings", value)
            continue
        keys = allowed[section]
        unknown = set(value) - (keys if keys is not None else set(value))
        if unknown and section not in ("events", "comparison"):  # their parsers name them
            err.messages.append(f"{err.where}: [{section}] has unknown key(s) "
                                f"{', '.join(sorted(unknown))}; allowed: "
                                f"{', '.join(sorted(keys or []))}.")
        out[section] = value
    return out


def parse_definition(raw: dict[str, object], where: str = "study definition"
                     ) -> StudyDefinition:
    """Check a parsed TOML document and build the definition; every wrong section, key or
    value of the document is reported in one :class:`UsageError` (one line each)."""
    err = Errors(where)
    sections = _sections(raw, err)
    base = StudyDefinition()

    def get(section: str, key: str, default: object) -> object:
        return sections.get(section, {}).get(key, default)

    def choice(section: str, key: str, allowed: Collection[str], default: str) -> str:
        value = get(section, key, default)
        if value not in allowed:
            err.bad(f"{section}.{key}", f"one of {', '.join(allowed)}", value)
            return default
        return str(value)

    def ndays(section: str, key: str, default: float) -> float:
        return err.check(days, where, f"{section}.{key}", get(section, key, default),
                         default=default)

    def flag(section: str, key: str, default: bool) -> bool:
        value = get(section, key, default)
        if not isinstance(value, bool):
            err.bad(f"{section}.{key}", "true or false", value)
            return default
        return value

    end = choice("follow_up", "end", FOLLOW_UP_ENDS, base.follow_up_end)
    relapse_end = choice("relapses", "follow_up_end", RELAPSE_ENDS, base.relapse_end)
    cutoff = get("follow_up", "cutoff_date", None)
    if cutoff is not None and not isinstance(cutoff, dt.date):
        try:
            cutoff = dt.date.fromisoformat(str(cutoff))
        except ValueError:
            err.bad("follow_up.cutoff_date", "a date YYYY-MM-DD", cutoff)
            cutoff = None
    if cutoff is None and "cutoff" in (end, relapse_end) and "cutoff_date" not in sections.get(
            "follow_up", {}):
        err.bad("follow_up.cutoff_date", "given when follow_up.end or relapses.follow_up_end "
                "is 'cutoff'", None)
    groups = base.prior_groups
    groups_raw = get("prior_treatment", "groups", None)
    if groups_raw is not None:
        if not isinstance(groups_raw, dict) or not groups_raw:
            err.bad("prior_treatment.groups", "a table of group = [drugs]", groups_raw)
        else:
            groups = {str(g): tuple(
                err.check(drug, where, f"prior_treatment.groups.{g}", x, default=str(x))
                for x in (drugs if isinstance(drugs, list) else [drugs]))
                for g, drugs in groups_raw.items()}
    transitions = base.transitions
    trans_raw = get("prior_treatment", "transitions", None)
    if trans_raw is not None:
        if not isinstance(trans_raw, list) or not all(isinstance(t, list) for t in trans_raw):
            err.bad("prior_treatment.transitions", "a list of drug lists", trans_raw)
        else:
            transitions = tuple(tuple(err.check(drug, where, "prior_treatment.transitions",
                                                x, default=str(x)) for x in t)
                                for t in trans_raw)
    window = ndays("prior_treatment", "window_days", base.prior_window_days)
    pre_days = ndays("relapses", "pre_index_days", base.pre_index_days)
    pre_end = ndays("relapses", "pre_index_end_days", base.pre_index_end_days)
    if pre_end >= pre_days and pre_end:
        err.bad("relapses.pre_index_end_days", f"below pre_index_days ({pre_days:g})", pre_end)
        pre_end = base.pre_index_end_days
    index_drug = err.check(drug, where, "index.drug", get("index", "drug", base.index_drug),
                           default=base.index_drug)
    definition = StudyDefinition(
        name=str(get("study", "name", base.name)),
        index_drug=index_drug,
        index_date=choice("index", "date", INDEX_DATES, base.index_date),
        course_gap_days=ndays("index", "course_gap_days", base.course_gap_days),
        baseline_window_days=ndays("baseline", "window_days", base.baseline_window_days),
        baseline_after_index_days=ndays("baseline", "after_index_days",
                                       base.baseline_after_index_days),
        baseline_relapse_free_days=ndays("baseline", "relapse_free_days",
                                         base.baseline_relapse_free_days),
        follow_up_end=end, cutoff_date=cutoff,
        follow_up_min_days=ndays("follow_up", "min_days", base.follow_up_min_days),
        unit=choice("follow_up", "unit", UNITS, base.unit),
        lunar_month=choice("follow_up", "lunar_month", LUNAR_MONTHS, base.lunar_month),
        pre_index_days=pre_days,
        pre_index_end_days=pre_end,
        exclude_regular_corticosteroids=flag("relapses", "exclude_regular_corticosteroids",
                                             base.exclude_regular_corticosteroids),
        index_day_relapse=choice("relapses", "index_day", INDEX_DAY_RELAPSE,
                                 base.index_day_relapse),
        truncate_at_onset=flag("relapses", "truncate_at_onset", base.truncate_at_onset),
        relapse_end=relapse_end,
        relapse_min_followup_days=ndays("relapses", "min_followup_days",
                                    base.relapse_min_followup_days),
        change_rule=choice("change", "rule", CHANGE_RULES, base.change_rule),
        prior_window_days=window,
        immediate_gap_days=(ndays("prior_treatment", "immediate_gap_days", window)
                            if "immediate_gap_days" in sections.get("prior_treatment", {})
                            else None),
        immediate_rule=choice("prior_treatment", "immediate_rule", IMMEDIATE_RULES,
                              base.immediate_rule),
        prior_groups=groups, transitions=transitions, source=where,
        subgroups=err.check(subgroups, where, sections.get("subgroups", {}), default={}),
        timepoints=err.check(timepoints, where, raw.get("timepoints", []), default=()),
        eligibility=dict(sections.get("eligibility", {})),
        secondary=err.check(parse_secondary, sections, where, default=SecondarySettings()),
        msss_table=choice("msss", "table", MSSS_TABLES, base.msss_table),
        msss_convention=choice("msss", "convention", MSSS_CONVENTIONS, base.msss_convention),
        events=parse_events(sections.get("events", {}), where, err.messages),
        primary=_primary(raw, sections, err),
        models=err.check(parse_models, sections.get("models", {}), where,
                         default=ModelSettings()),
        comparison=(err.check(parse_comparison, sections["comparison"], where, default=None)
                    if "comparison" in sections else None),
    )
    err.raise_any()
    return definition


def _primary(raw: dict[str, object], sections: dict[str, dict[str, object]],
             err: Errors) -> str:
    """``[analysis] primary``: the outcome of the one confirmatory test (default
    ``edss_change``, the seed's EDSS change from baseline to last follow-up); every other
    test is exploratory."""
    value = sections.get("analysis", {}).get("primary", "edss_change")
    points = raw.get("timepoints", [])
    slugs = [TimePoint(str(t["name"])).slug for t in points
             if isinstance(t, dict) and "name" in t] if isinstance(points, list) else []
    allowed = [*PRIMARY_OUTCOMES, *(f"edss_change_{s}" for s in slugs)]
    if value not in allowed:
        err.bad("analysis.primary", f"one of {', '.join(allowed)}", value)
        return "edss_change"
    return str(value)


def load_definition(path: str | Path) -> StudyDefinition:
    path = Path(path)
    return parse_definition(read_toml(path, "study definition"), f"study definition {path}")
