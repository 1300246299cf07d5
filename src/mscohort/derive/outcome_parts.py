"""The per-patient outcomes under a definition that changes a few rules, deriving again only
the columns those rules move (the sensitivity analyses; issue #23: 300,000 patients).

:func:`mscohort.derive.outcomes.patient_outcomes` derives every column from the records.
A sensitivity row changes one rule; most rules are read by one step of that derivation
only, and the other columns are those of the main analysis. Each :class:`Part` names the
definition fields that only its step reads, the columns that step writes, and how it
writes them again from outcomes already derived:

* **change category** (``change.rule``): ``change_category`` from ``edss_change`` and
  ``baseline_edss``;
* **follow-up in the unit** (``follow_up.unit``, ``follow_up.lunar_month``): ``followup``
  = ``followup_days`` / the unit's days;
* **MSSS** (``msss.table``, ``msss.convention``): the MSSS of the baseline and follow-up
  assessments (each assessment's score depends on its EDSS and completed years of disease
  alone: :func:`mscohort.derive.assessments.msss_detail`), and their change; only these two
  assessments per patient are scored, not every assessment;
* **prior drugs** (``prior_treatment``: the gap limit, the rule, the window, the groups):
  :func:`mscohort.derive.prior_drugs.prior_drugs` from each patient's index date;
* **relapses** (``relapses.pre_index_end_days``, ``index_day``, ``follow_up_end``):
  :func:`mscohort.derive.relapse_outcomes.with_relapse_outcomes`.

A change of any other field (the index, the baseline window, the follow-up end, the
confirmation of worsening, the time points...) derives every column again. The columns of
a part are read by no other part, so parts derived again one after the other give the
outcomes of the whole derivation: ``tests/test_outcome_parts.py`` compares each part, and
the whole sensitivity table, with the whole derivation under the changed definition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import cast

import polars as pl

from mscohort.definition import StudyDefinition
from mscohort.derive.outcomes import (
    followup_in_unit,
    patient_outcomes,
    sequence_filled,
    with_change_category,
)
from mscohort.derive.prior_drugs import prior_drugs
from mscohort.derive.relapse_outcomes import (
    RELAPSE_COLUMNS,
    RELAPSE_ONLY_FIELDS,
    with_relapse_outcomes,
)
from mscohort.derive.severity import Convention, severity_detail
from mscohort.derive.timing import completed_years_expr
from mscohort.study import Study

#: The columns :func:`mscohort.derive.prior_drugs.prior_drugs` adds to the outcomes.
PRIOR_COLUMNS = ("prior_drug", "prior_group", "prior_gap_days", "prior_window_drugs",
                 "prior_window_groups", "sequence")
MSSS_COLUMNS = ("baseline_msss", "followup_msss", "msss_change")


@dataclass(frozen=True)
class Part:
    """One step of the derivation: the definition ``fields`` only it reads, the outcome
    ``columns`` it writes, and ``derive(study, outcomes, d)``: the outcomes with those
    columns written again under ``d``."""

    name: str
    fields: frozenset[str]
    columns: tuple[str, ...]
    derive: Callable[[Study, pl.DataFrame, StudyDefinition], pl.DataFrame]


def _category(study: Study, out: pl.DataFrame, d: StudyDefinition) -> pl.DataFrame:
    return with_change_category(out, d)


def _followup(study: Study, out: pl.DataFrame, d: StudyDefinition) -> pl.DataFrame:
    return out.with_columns(followup_in_unit(d))


def _msss(study: Study, out: pl.DataFrame, d: StudyDefinition) -> pl.DataFrame:
    """The baseline and follow-up MSSS scored again (as :func:`msss_detail` scores every
    assessment: completed years from onset to the assessment, the definition's table and
    convention)."""
    dated = out.select("patient_id", "baseline_date", "baseline_edss", "followup_date",
                       "followup_edss").join(
        study.patients.select("patient_id", "onset_date"), on="patient_id", how="left",
        maintain_order="left")
    convention = cast(Convention, d.msss_convention)  # checked by the definition's parser

    def score(date: str, edss: str) -> pl.Series:
        years = dated.select(completed_years_expr(pl.col("onset_date"), pl.col(date)))
        return severity_detail(dated[edss], duration_years=years.to_series(),
                               table=d.msss_table, convention=convention)["score"]

    return out.with_columns(score("baseline_date", "baseline_edss").alias("baseline_msss"),
                            score("followup_date", "followup_edss").alias("followup_msss")
                            ).with_columns((pl.col("followup_msss") - pl.col("baseline_msss"))
                                           .alias("msss_change"))


def _prior(study: Study, out: pl.DataFrame, d: StudyDefinition) -> pl.DataFrame:
    index = out.filter(pl.col("index_date").is_not_null()).select("patient_id", "index_date")
    prior = prior_drugs(study.table("treatments"), index, d)
    return (out.drop(PRIOR_COLUMNS).join(prior, on="patient_id", how="left",
                                         maintain_order="left")
            .with_columns(sequence_filled(d)))


#: Every part that can be derived again alone (module docstring).
PARTS: tuple[Part, ...] = (
    Part("change category", frozenset({"change_rule"}), ("change_category",), _category),
    Part("follow-up in the unit", frozenset({"unit", "lunar_month"}), ("followup",),
         _followup),
    Part("MSSS", frozenset({"msss_table", "msss_convention"}), MSSS_COLUMNS, _msss),
    Part("prior drugs", frozenset({"immediate_gap_days", "immediate_rule",
                                   "prior_window_days", "prior_groups"}), PRIOR_COLUMNS,
         _prior),
    Part("relapses", RELAPSE_ONLY_FIELDS, RELAPSE_COLUMNS,
         lambda study, out, d: with_relapse_outcomes(study, out, d)),
)


def changed_fields(before: StudyDefinition, after: StudyDefinition) -> frozenset[str]:
    """The names of the definition fields whose values differ."""
    return frozenset(f.name for f in fields(before)
                     if getattr(before, f.name) != getattr(after, f.name))


def parts_for(changed: frozenset[str]) -> tuple[Part, ...] | None:
    """The parts that read the ``changed`` fields, or None when one of them is read by a
    step that has no part (everything is derived again)."""
    covered = frozenset().union(*(p.fields for p in PARTS))
    if not changed <= covered:
        return None
    return tuple(p for p in PARTS if p.fields & changed)


def outcomes_again(study: Study, outcomes: pl.DataFrame, before: StudyDefinition,
                   after: StudyDefinition, scored: pl.DataFrame | None = None
                   ) -> pl.DataFrame:
    """The outcomes under ``after``, given ``outcomes`` (of :func:`patient_outcomes` under
    ``before``): only the parts of the changed fields are derived again, each from the
    records (module docstring); otherwise every column, reusing ``scored`` (the EDSS with
    the MSSS of ``before``) when the MSSS table and convention are unchanged. Equal to
    ``patient_outcomes(study, after)``."""
    changed = changed_fields(before, after)
    parts = parts_for(changed)
    if parts is None:
        same_msss = not changed & {"msss_table", "msss_convention"}
        return patient_outcomes(study, after, scored if same_msss else None)
    out = outcomes
    for part in parts:
        out = part.derive(study, out, after)
    return out.select(outcomes.columns)
