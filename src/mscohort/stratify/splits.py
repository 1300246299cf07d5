"""Cohort splits of the per-patient outcomes table.

A split is a list of named groups, each a boolean mask over the outcomes, and says whether
its groups are exclusive (every patient in at most one group), as the seed's tables do.

* :func:`by_median_followup`: long-term = follow-up above the median of the patients
  analysed, short-term = at or below it (the tie rule: a patient exactly at the median is
  short-term).
* :func:`by_prior_drug`: the group of the drug immediately before the index drug (exclusive).
* :func:`by_prior_window`: every group with a drug within the prior window, plus each
  transition sequence (e.g. NAT -> FTY -> index drug); not exclusive.
* :func:`by_column`: one group per value of any outcome column (exclusive).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import cast

import polars as pl

from mscohort.definition import StudyDefinition
from mscohort.definition.labels import heading
from mscohort.derive.prior_drugs import NONE_IN_WINDOW
from mscohort.units import DAYS_PER_YEAR
from mscohort.vocabulary import BY_NAME


@dataclass(frozen=True)
class Split:
    name: str
    groups: dict[str, pl.Series]  #: group label -> boolean mask over the outcomes rows
    exclusive: bool
    rule: str  #: the rule in words, for footnotes and methods


def analysed(outcomes: pl.DataFrame) -> pl.Series:
    """Patients with an index date, a baseline and a follow-up EDSS."""
    return outcomes["excluded_reason"].is_null()


#: Why the follow-up split has no groups when no patient is analysed.
NO_ANALYSED = ("no groups: no patient has both a baseline and a follow-up EDSS, so there is "
               "no median follow-up")


def by_median_followup(outcomes: pl.DataFrame, unit: str = "") -> Split:
    """Long-term / short-term at the median follow-up; no groups (and the reason as its rule)
    when no patient has both a baseline and a follow-up EDSS."""
    ok = analysed(outcomes)
    median = cast("float | None", outcomes.filter(ok)["followup"].median())
    if median is None:
        return Split("follow-up", {}, True, NO_ANALYSED)
    long = ok & (outcomes["followup"] > median)
    short = ok & (outcomes["followup"] <= median)
    return Split("follow-up", {"long-term": long, "short-term": short}, True,
                 f"long-term: follow-up above the median ({median:.1f} {unit}), short-term: "
                 "at or below it")


_RULES = {"stopped_last": "stopped last (ongoing at the index date first)",
          "longest": "with the longest exposure", "started_last": "started last"}


def by_prior_drug(outcomes: pl.DataFrame, d: StudyDefinition) -> Split:
    """The group of the drug immediately before (:mod:`mscohort.derive.prior_drugs`), and
    "none in window" for patients with no drug within the gap limit."""
    ok = analysed(outcomes)
    groups = {g: ok & (outcomes["prior_group"] == g).fill_null(False)
              for g in [*d.prior_groups, "other", NONE_IN_WINDOW]}
    gap = d.immediate_gap
    limit = "any time" if math.isinf(gap) else f"at most {gap:g} days"
    return Split("drug immediately before", groups, True,
                 f"the drug {_RULES[d.immediate_rule]} among those taken {limit} before the "
                 f"index date; {NONE_IN_WINDOW}: no such drug")


def by_prior_window(outcomes: pl.DataFrame, d: StudyDefinition) -> Split:
    ok = analysed(outcomes)
    groups = {g: ok & outcomes["prior_window_groups"].list.contains(g).fill_null(False)
              for g in d.prior_groups}
    index = BY_NAME[d.index_drug].abbreviation
    for t in d.transitions:
        label = " -> ".join([*(BY_NAME[x].abbreviation for x in t), index])
        groups[label] = ok & outcomes["sequence"].str.ends_with(label).fill_null(False)
    years = d.prior_window_days / DAYS_PER_YEAR
    return Split("drugs within the prior window", groups, False,
                 f"any exposure within {years:g} years before the index date")


def by_column(outcomes: pl.DataFrame, column: str) -> Split:
    ok = analysed(outcomes)
    values = outcomes.filter(ok)[column].drop_nulls().unique().sort().to_list()
    return Split(column, {str(v): ok & (outcomes[column] == v).fill_null(False)
                          for v in values}, True, f"by {column}")


def by_conditions(outcomes: pl.DataFrame, conditions: dict[str, str]) -> Split:
    """One group per named condition on an outcome column (``"arr_before > 2"``); the
    groups may overlap."""
    from mscohort.definition import parse_condition

    ops = {">": pl.Expr.gt, ">=": pl.Expr.ge, "<": pl.Expr.lt, "<=": pl.Expr.le,
           "==": pl.Expr.eq, "!=": pl.Expr.ne}
    groups = {}
    for name, text in conditions.items():
        column, op, value = parse_condition(text)
        groups[name] = outcomes.select(ops[op](pl.col(column), value).fill_null(False)
                                       ).to_series()
    return Split("subgroups", groups, False, "; ".join(f"{n}: {c}" for n, c in
                                                       conditions.items()))


def by_band(outcomes: pl.DataFrame, column: str, edges: tuple[float, ...]) -> Split:
    """Groups ``[edges[i], edges[i + 1])`` of a numeric column (the last band closed),
    e.g. baseline EDSS bands 0-2.5, 3.0-5.5, 6.0-9.5 for edges (0, 3, 6, 10)."""
    ok = analysed(outcomes)
    groups = {}
    for lo, hi in itertools.pairwise(edges):
        last = hi == edges[-1]
        upper = (outcomes[column] <= hi) if last else (outcomes[column] < hi)
        groups[f"{lo:g} to {'' if last else '<'}{hi:g}"] = ok & (
            (outcomes[column] >= lo) & upper).fill_null(False)
    return Split(f"{column} band", groups, True,
                 f"{heading(column)} in bands {', '.join(groups)}")
