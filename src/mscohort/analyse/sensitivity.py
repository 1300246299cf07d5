"""Sensitivity analyses as one table: the analysis re-run with one rule changed per row.

A row is data (:class:`Variant`): a definition option set to another value (the outcomes
are derived again from the records), or a restriction of the population. Adding a row is one
line in :data:`VARIANTS`. Each row gives the primary result (the paired test of the primary
endpoint: n, mean difference, 95% CI, p), how far its estimate moved from the main analysis,
the share improved (Wilson interval), and the relapse rate ratio (during / before follow-up)
overall and in the definition's first subgroup, since several rules act on the relapse
analysis only.

Rows (``docs/analysis.md``):

* improved / stable / worsened by the threshold rule instead of any 0.5 step;
* the relapse subgroup at ">= 2" relapses a year instead of "> 2";
* eligible patients only (the definition's ``[eligibility]`` screening; a declared protocol
  deviation is not "eligible", so it is left out);
* baseline EDSS not within 30 days after a relapse onset (a relapse inflates the baseline
  and so the improvement);
* pre-index relapses counted in months -24 to -12 only, leaving out the qualifying relapse
  before treatment (regression to the mean; rate per that one year:
  ``relapses.pre_index_end_days = 365.25``);
* minimum follow-up of 6 and of 12 months;
* the other reading of each rule the seed leaves open: a lunar month of 28 or 29.53 days,
  the prior-drug gap limit (the prior window or none), the MSSS convention (standard or
  ms.sev, which scores the first year of disease), an index-day relapse counted during
  follow-up, relapses followed to the patient's last record.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from mscohort.analyse.estimates import wilson
from mscohort.analyse.primary import primary_measure
from mscohort.analyse.rates import rate_ratio, relapse_population
from mscohort.analyse.tables import paired_test
from mscohort.definition import StudyDefinition
from mscohort.derive.outcome_parts import outcomes_again
from mscohort.stratify.splits import by_conditions
from mscohort.study import Study
from mscohort.units import DAYS_PER_HALF_YEAR, DAYS_PER_YEAR


@dataclass(frozen=True)
class Context:
    """What a variant may look at besides the outcomes."""

    study: Study
    definition: StudyDefinition
    screening: pl.DataFrame
    #: the main analysis's scored EDSS (:func:`mscohort.derive.outcomes.scored_edss`), reused
    #: by every variant that keeps the definition's MSSS table and convention
    scored: pl.DataFrame | None = None


@dataclass(frozen=True)
class Variant:
    """One row: ``field`` of the definition set to ``value`` (a value, or a function of the
    definition), or the outcomes restricted by ``keep`` (a mask)."""

    label: str
    option: str  #: the rule changed, in words: "change.rule = threshold"
    field: str | None = None
    value: object = None
    keep: Callable[[pl.DataFrame, Context], pl.Series] | None = None


def _at_least(d: StudyDefinition) -> dict[str, str]:
    return {name: cond.replace(">", ">=") if ">=" not in cond else cond
            for name, cond in d.subgroups.items()}


def _eligible(out: pl.DataFrame, c: Context) -> pl.Series:
    ok = c.screening.filter(pl.col("decision") == "eligible")["patient_id"].unique()
    return out["patient_id"].is_in(ok.implode())


def _baseline_clear(out: pl.DataFrame, c: Context) -> pl.Series:
    near = (c.study.table("relapses").join(out.select("patient_id", "baseline_date"),
                                           on="patient_id")
            .filter(pl.col("onset_date").is_between(pl.col("baseline_date")
                                                    - pl.duration(days=30),
                                                    pl.col("baseline_date")))["patient_id"])
    return ~out["patient_id"].is_in(near.unique().implode())


def _min_followup(days: float) -> Callable[[pl.DataFrame, Context], pl.Series]:
    return lambda out, c: (out["followup_days"] >= days).fill_null(False)


def _other_lunar_month(d: StudyDefinition) -> str:
    return "synodic" if d.lunar_month == "28_days" else "28_days"


def _other_gap(d: StudyDefinition) -> float:
    """No limit when the definition has one, else the prior window."""
    return d.prior_window_days if math.isinf(d.immediate_gap) else math.inf


def _other_msss(d: StudyDefinition) -> str:
    return "ms.sev" if d.msss_convention == "standard" else "standard"


#: Every row of the sensitivity table, in order (one line each).
VARIANTS: tuple[Variant, ...] = (
    Variant("improved/stable/worsened by the threshold rule", "change.rule = threshold",
            "change_rule", "threshold"),
    Variant("relapse subgroup at >= instead of >", "subgroups: > as >=", "subgroups",
            _at_least),
    Variant("eligible patients only", "population: eligible in an arm (declared protocol "
            "deviations left out)", keep=_eligible),
    Variant("baseline EDSS not within 30 days after a relapse",
            "population: no relapse onset in the 30 days before baseline",
            keep=_baseline_clear),
    Variant("pre-index relapses in months -24 to -12", "relapses.pre_index_end_days = "
            f"{DAYS_PER_YEAR}", "pre_index_end_days", DAYS_PER_YEAR),
    Variant("minimum follow-up 6 months", f"population: follow-up >= {DAYS_PER_HALF_YEAR} days",
            keep=_min_followup(DAYS_PER_HALF_YEAR)),
    Variant("minimum follow-up 12 months", f"population: follow-up >= {DAYS_PER_YEAR} days",
            keep=_min_followup(DAYS_PER_YEAR)),
    Variant("lunar month: the other reading", "follow_up.lunar_month: 28 days <-> synodic "
            "29.53 days", "lunar_month", _other_lunar_month),
    Variant("prior-drug gap limit: the other reading", "prior_treatment.immediate_gap_days: "
            "the prior window <-> no limit", "immediate_gap_days", _other_gap),
    Variant("MSSS: the other convention", "msss.convention: standard <-> ms.sev (first year "
            "of disease scored)", "msss_convention", _other_msss),
    Variant("index-day relapse counted during follow-up", "relapses.index_day = during",
            "index_day_relapse", "during"),
    Variant("relapse follow-up to the last record", "relapses.follow_up_end = last_contact",
            "relapse_end", "last_contact"),
)

#: Definition fields read by the analysis only: changing them re-runs the tables, not the
#: derivation of the outcomes.
ANALYSIS_ONLY = frozenset({"subgroups", "primary"})

SENSITIVITY_SCHEMA = {
    "variant": pl.String, "option": pl.String, "measure": pl.String, "n": pl.Int64,
    "estimate": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64, "p": pl.Float64,
    "shift": pl.Float64, "improved": pl.Float64, "improved_ci_low": pl.Float64,
    "improved_ci_high": pl.Float64, "rate_ratio": pl.Float64, "rate_ratio_ci_low": pl.Float64,
    "rate_ratio_ci_high": pl.Float64, "n_relapse": pl.Int64, "subgroup": pl.String,
    "subgroup_rate_ratio": pl.Float64, "subgroup_ci_low": pl.Float64,
    "subgroup_ci_high": pl.Float64, "n_subgroup": pl.Int64, "note": pl.String,
}


def _ratio(out: pl.DataFrame, mask: pl.Series | None
           ) -> tuple[int, float | None, float | None, float | None]:
    """The pooled rate ratio during / before of the relapse table
    (:func:`mscohort.analyse.tables.relapse_table`: the same patients and time at risk)."""
    base = out.select(relapse_population()).to_series()
    g = out.filter(base if mask is None else base & mask)
    rr = rate_ratio(g["relapses_before"].to_numpy(),
                    g["years_before"].cast(pl.Float64).to_numpy(),
                    g["relapses_during"].to_numpy(),
                    g["years_during"].cast(pl.Float64).to_numpy())
    return g.height, rr.ratio, rr.ci_low, rr.ci_high


def key_results(out: pl.DataFrame, d: StudyDefinition) -> dict[str, Any]:
    """The primary result and the relapse rate ratios of one run."""
    measure = primary_measure(d)
    t = paired_test(out, d, measure)
    n_all, rr, lo, hi = _ratio(out, None)
    sub = next(iter(d.subgroups), None)
    n_sub, srr, slo, shi = (_ratio(out, by_conditions(out, {sub: d.subgroups[sub]})
                                   .groups[sub]) if sub else (None, None, None, None))
    cats = out.filter(pl.col("excluded_reason").is_null())["change_category"].drop_nulls()
    improved = wilson(int((cats == "improved").sum()), cats.len())
    return {"measure": measure, "n": t["n"], "estimate": t["mean_difference"],
            "improved": improved.estimate, "improved_ci_low": improved.ci_low,
            "improved_ci_high": improved.ci_high,
            "ci_low": t["ci_low"], "ci_high": t["ci_high"], "p": t["p_t"],
            "rate_ratio": rr, "rate_ratio_ci_low": lo, "rate_ratio_ci_high": hi,
            "n_relapse": n_all, "subgroup": sub, "subgroup_rate_ratio": srr,
            "subgroup_ci_low": slo, "subgroup_ci_high": shi, "n_subgroup": n_sub,
            "note": t["note"]}


def run_variant(v: Variant, outcomes: pl.DataFrame, c: Context) -> dict[str, Any]:
    """The key results with one rule changed (:class:`Variant`)."""
    d, out = c.definition, outcomes
    if v.field is not None:
        value = v.value(d) if callable(v.value) else v.value
        d = d.with_(**{v.field: value})
        if v.field not in ANALYSIS_ONLY:  # only the columns the rule moves derived again
            out = outcomes_again(c.study, out, c.definition, d, c.scored)
    if v.keep is not None:
        out = out.filter(v.keep(out, c))
    return key_results(out, d)


def sensitivity_table(study: Study, d: StudyDefinition, outcomes: pl.DataFrame,
                      screening: pl.DataFrame,
                      variants: tuple[Variant, ...] = VARIANTS,
                      scored: pl.DataFrame | None = None) -> pl.DataFrame:
    """The main analysis, then one row per variant that applies (a row needing screening
    is left out when the definition has no ``[eligibility]``); ``scored``: the EDSS with
    the definition's MSSS when the caller has it (:func:`scored_edss`), so that variants
    with the same MSSS settings do not score every assessment again."""
    c = Context(study, d, screening, scored)
    main = key_results(outcomes, d)
    rows = [{"variant": "main analysis", "option": "as defined", **main, "shift": 0.0}]
    for v in variants:
        if v.keep is _eligible and screening.height == 0:
            continue
        r = run_variant(v, outcomes, c)
        shift = (None if r["estimate"] is None or main["estimate"] is None
                 else float(r["estimate"]) - float(main["estimate"]))
        rows.append({"variant": v.label, "option": v.option, **r, "shift": shift})
    return pl.DataFrame(rows, schema=SENSITIVITY_SCHEMA)
