"""Group tables in the seed's layout, as tidy frames with fixed columns.

Every table row is one (group, measure): ``table``, ``split``, ``exclusive``, ``rule`` (the
split's rule in words), ``group``, ``n_group``, ``measure``, ``n``, ``mean``, ``sd``,
``median``, ``min``, ``max``, ``p_t``, ``text`` (the cell as printed: Mean ± SD (range), or
median (range) for follow-up), ``ci_low``, ``ci_high`` (the 95% interval of the mean: t; of
the median: order statistics; of a share: Wilson), ``d_z``, ``d_z_ci_low``, ``d_z_ci_high``
(the standardised change, :mod:`mscohort.analyse.effects`), ``p_holm`` (``p_t`` adjusted
by Holm over the family, :mod:`mscohort.analyse.multiplicity`), and how the row prints:
``decimals``, ``signed`` (a change), ``by_median`` (median (range)) and, for a share,
``count`` (patients with the outcome of the ``n`` known; ``decimals`` null). ``text`` is a
rendering of these numbers by :func:`mscohort.analyse.formatting.summary`, never read back.

``p_t`` is given for change measures only: Student's one-sample t-test of the within-group
change against 0 (two-sided), which equals the paired t-test of follow-up against baseline
in the same patients.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import polars as pl

from mscohort.analyse import formatting as F
from mscohort.analyse.effects import d_z
from mscohort.analyse.estimates import mean_ci, median_ci
from mscohort.analyse.stats import Describe, Paired, format_p, one_sample_t, paired
from mscohort.definition import StudyDefinition
from mscohort.stratify.splits import (
    Split,
    analysed,
    by_band,
    by_column,
    by_median_followup,
    by_prior_drug,
    by_prior_window,
)
from mscohort.units import UNIT_LABELS

if TYPE_CHECKING:
    from mscohort.analyse.survival import LogRank

TABLE_SCHEMA = {
    "table": pl.String, "split": pl.String, "exclusive": pl.Boolean, "rule": pl.String,
    "group": pl.String, "n_group": pl.Int64, "measure": pl.String, "n": pl.Int64,
    "mean": pl.Float64, "sd": pl.Float64, "median": pl.Float64, "min": pl.Float64,
    "max": pl.Float64, "p_t": pl.Float64, "text": pl.String, "ci_low": pl.Float64,
    "ci_high": pl.Float64, "d_z": pl.Float64, "d_z_ci_low": pl.Float64,
    "d_z_ci_high": pl.Float64, "p_holm": pl.Float64, "decimals": pl.Int64,
    "signed": pl.Boolean, "by_median": pl.Boolean, "count": pl.Int64,
}


@dataclass(frozen=True)
class Measure:
    column: str
    label: str
    decimals: int
    signed: bool = False  #: a change: printed with its sign and tested against 0
    median: bool = False  #: print median (range) instead of Mean ± SD (range)


def _label_unit(d: StudyDefinition) -> str:
    return UNIT_LABELS[d.unit]


def group_table(outcomes: pl.DataFrame, split: Split, measures: list[Measure],
                title: str) -> pl.DataFrame:
    rows = []
    for group, mask in split.groups.items():
        sub = outcomes.filter(mask)
        for m in measures:
            s = Describe.of(sub[m.column])
            p = one_sample_t(sub[m.column]) if m.signed else None
            ci = median_ci(sub[m.column]) if m.median else mean_ci(sub[m.column])
            eff = d_z(sub[m.column]) if m.signed else None
            rows.append({"table": title, "split": split.name, "exclusive": split.exclusive,
                         "rule": split.rule, "group": group, "n_group": sub.height,
                         "measure": m.label, "n": s.n, "mean": s.mean, "sd": s.sd,
                         "median": s.median, "min": s.minimum, "max": s.maximum, "p_t": p,
                         "ci_low": ci.ci_low, "ci_high": ci.ci_high,
                         "d_z": eff and eff.d, "d_z_ci_low": eff and eff.ci_low,
                         "d_z_ci_high": eff and eff.ci_high, "decimals": m.decimals,
                         "signed": m.signed, "by_median": m.median, "count": None})
    return with_text(pl.DataFrame(rows, schema=TABLE_SCHEMA))


def with_text(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (:data:`TABLE_SCHEMA`) with its ``text`` column rendered from its numbers:
    the cell with ", n=N" (a share, "k/n (pct%)", holds its n already)."""
    text = [F.summary(r) if r["decimals"] is None else F.with_n(F.summary(r), r["n"])
            for r in frame.iter_rows(named=True)]
    return frame.with_columns(pl.Series("text", text, dtype=pl.String))


def study_splits(outcomes: pl.DataFrame, d: StudyDefinition) -> dict[str, Split]:
    """Every split of the study's tables, by table key (the secondary outcomes use the same)."""
    return {
        "by follow-up cohort": by_median_followup(outcomes, _label_unit(d)),
        "by immediate prior DMD": by_prior_drug(outcomes, d),
        "by DMD within prior window": by_prior_window(outcomes, d),
        "by cohort": by_column(outcomes, "cohort"),
        "by phenotype": by_column(outcomes, "phenotype"),
        "by baseline EDSS band": by_band(outcomes, "baseline_edss", (0, 3, 6, 10)),
    }


TITLES = {
    "by follow-up cohort": "Outcome by follow-up cohort",
    "by immediate prior DMD": "Outcome by the drug immediately before the index treatment",
    "by DMD within prior window": "Outcome by drugs within the prior window",
    "by cohort": "Outcome by cohort",
    "by phenotype": "Outcome by clinical course",
    "by baseline EDSS band": "Outcome by baseline EDSS band",
}


def split_groups(outcomes: pl.DataFrame, split: Split) -> pl.DataFrame:
    """``patient_id`` -> ``group`` of an exclusive split (the patients in no group left out)."""
    parts = [outcomes.filter(mask).select("patient_id").with_columns(pl.lit(g).alias("group"))
             for g, mask in split.groups.items()]
    if not parts:  # no patient analysed: no groups (the analysis warns why)
        return pl.DataFrame(schema={"patient_id": pl.String, "group": pl.String})
    return pl.concat(parts)


def study_tables(outcomes: pl.DataFrame, d: StudyDefinition,
                 splits: dict[str, Split] | None = None) -> dict[str, pl.DataFrame]:
    """The seed's three Phase I tables, for any study definition, and the same measures by
    cohort, clinical course and baseline EDSS band (``splits``: :func:`study_splits`, when
    the caller has them)."""
    fu = Measure("followup", f"follow-up ({_label_unit(d)})", 0, median=True)
    change = [Measure("edss_change", "change EDSS", 1, signed=True),
              Measure("msss_change", "change MSSS", 2, signed=True)]
    first = [Measure("age_at_index", "age at index", 0), fu,
             Measure("baseline_edss", "baseline EDSS", 1), change[0],
             Measure("baseline_msss", "baseline MSSS", 2), change[1]]
    return {key: group_table(outcomes, split,
                             first if key == "by follow-up cohort" else [fu, *change],
                             TITLES[key])
            for key, split in (splits or study_splits(outcomes, d)).items()}


def change_summary(outcomes: pl.DataFrame) -> pl.DataFrame:
    """EDSS and MSSS change (follow-up - baseline) of the analysed patients: ``measure``
    ("EDSS", "MSSS"), ``n``, ``mean``, ``sd`` (sample, n - 1), ``median``, ``min``, ``max``
    (:class:`mscohort.analyse.stats.Describe`)."""
    ok = outcomes.filter(analysed(outcomes))
    rows = []
    for measure, column in (("EDSS", "edss_change"), ("MSSS", "msss_change")):
        s = Describe.of(ok[column])
        rows.append({"measure": measure, "n": s.n, "mean": s.mean, "sd": s.sd,
                     "median": s.median, "min": s.minimum, "max": s.maximum})
    return pl.DataFrame(rows, schema={"measure": pl.String, "n": pl.Int64,
                                      "mean": pl.Float64, "sd": pl.Float64,
                                      "median": pl.Float64, "min": pl.Float64,
                                      "max": pl.Float64})


def change_categories(outcomes: pl.DataFrame) -> pl.DataFrame:
    """Improved / stable / worsened: n, % of analysed, and the change within each."""
    ok = outcomes.filter(analysed(outcomes))
    rows = []
    for cat in ("improved", "stable", "worsened"):
        sub = ok.filter(pl.col("change_category") == cat)["edss_change"]
        s = Describe.of(sub)
        rows.append({"category": cat, "n": sub.len(), "of": ok.height,
                     "percent": 100 * sub.len() / ok.height if ok.height else None,
                     "mean_change": s.mean, "median_change": s.median, "min_change": s.minimum,
                     "max_change": s.maximum})
    return pl.DataFrame(rows)


def change_categories_by_group(outcomes: pl.DataFrame, groups: pl.DataFrame,
                               overall: str) -> pl.DataFrame:
    """:func:`change_categories` (``group``, ``category``, ``n``, ``of``) of all analysed
    patients (group ``overall``), then of each group of ``groups`` (``patient_id`` ->
    ``group``) in the order first met."""
    parts = [change_categories(outcomes).with_columns(pl.lit(overall).alias("group"))]
    for (g,), ids in groups.group_by("group", maintain_order=True):
        parts.append(change_categories(outcomes.filter(
            pl.col("patient_id").is_in(ids["patient_id"].implode())))
            .with_columns(pl.lit(g).alias("group")))
    return pl.concat(parts).select("group", "category", pl.col("n").cast(pl.Int64),
                                   pl.col("of").cast(pl.Int64))


def _paired_comparisons(outcomes: pl.DataFrame, d: StudyDefinition | None
                        ) -> list[tuple[str, Callable[[], pl.DataFrame], str, str]]:
    """(measure, its patients, before column, after column) of each paired test, in order;
    the patients as a function, so that one test filters only its own."""
    def ok() -> pl.DataFrame:
        return outcomes.filter(analysed(outcomes))

    def with_baseline() -> pl.DataFrame:
        return outcomes.filter(pl.col("baseline_edss").is_not_null())

    def rel() -> pl.DataFrame:
        return outcomes.filter(pl.col("in_relapse_analysis")
                               & pl.col("arr_during").is_not_null())

    comparisons = [("EDSS", ok, "baseline_edss", "followup_edss"),
                   ("MSSS", ok, "baseline_msss", "followup_msss")]
    for tp in d.timepoints if d is not None else ():
        comparisons.append((f"EDSS at {tp.name}", with_baseline, "baseline_edss",
                            f"edss_{tp.slug}"))
    comparisons.append(("ARR", rel, "arr_before", "arr_during"))
    return comparisons


def paired_tests(outcomes: pl.DataFrame, d: StudyDefinition | None = None) -> pl.DataFrame:
    """EDSS and MSSS at baseline vs follow-up (and EDSS at each time point), and ARR before
    vs during follow-up."""
    frames: dict[Callable[[], pl.DataFrame], pl.DataFrame] = {}
    rows = []
    for name, patients, before, after in _paired_comparisons(outcomes, d):
        if patients not in frames:
            frames[patients] = patients()
        frame = frames[patients]
        rows.append(paired_row(name, frame[before], frame[after]))
    return pl.DataFrame(rows, schema=TEST_SCHEMA)


def paired_test(outcomes: pl.DataFrame, d: StudyDefinition, measure: str
                ) -> dict[str, object]:
    """The row of :func:`paired_tests` whose ``measure`` is given (as a dict), computing
    that test alone."""
    name, patients, before, after = next(
        c for c in _paired_comparisons(outcomes, d) if c[0] == measure)
    frame = patients()
    return pl.DataFrame([paired_row(name, frame[before], frame[after])],
                        schema=TEST_SCHEMA).row(0, named=True)


#: Columns of a paired-test frame: the means are over the pairs tested; ``d_z`` with its
#: noncentral-t interval; ``role`` and ``p_holm`` are set by :mod:`mscohort.analyse.primary`.
TEST_SCHEMA = {
    "measure": pl.String, "n": pl.Int64, "mean_before": pl.Float64, "mean_after": pl.Float64,
    "mean_difference": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
    "t": pl.Float64, "df": pl.Int64, "p_t": pl.Float64, "p_t_text": pl.String,
    "wilcoxon_statistic": pl.Float64, "p_wilcoxon": pl.Float64, "note": pl.String,
    "d_z": pl.Float64, "d_z_ci_low": pl.Float64, "d_z_ci_high": pl.Float64,
    "role": pl.String, "p_holm": pl.Float64,
}


def paired_row(name: str, before: pl.Series, after: pl.Series) -> dict[str, object]:
    """One row of :data:`TEST_SCHEMA`: the paired comparison of after - before."""
    r: Paired = paired(before, after)
    both = before.is_not_null() & after.is_not_null()
    eff = d_z((after.filter(both) - before.filter(both)).cast(pl.Float64))
    return {"measure": name, "n": r.n, "mean_before": r.mean_before,
            "mean_after": r.mean_after, "mean_difference": r.mean_difference,
            "ci_low": r.ci_low, "ci_high": r.ci_high, "t": r.t, "df": r.df, "p_t": r.p_t,
            "p_t_text": format_p(r.p_t), "wilcoxon_statistic": r.wilcoxon_statistic,
            "p_wilcoxon": r.p_wilcoxon, "note": r.note, "d_z": eff.d,
            "d_z_ci_low": eff.ci_low, "d_z_ci_high": eff.ci_high, "role": "exploratory",
            "p_holm": None}


def relapse_table(outcomes: pl.DataFrame, d: StudyDefinition) -> pl.DataFrame:
    """ARR before vs during follow-up, for all patients in the relapse analysis and each
    subgroup: mean of per-patient rates (the seed's figure), pooled rates with exact
    Poisson intervals, and the rate ratio with patient-clustered robust errors."""
    from mscohort.analyse.rates import pooled_rate, rate_ratio, relapse_population
    from mscohort.stratify.splits import by_conditions

    # every patient with relapse follow-up and time at risk before counts in the pooled
    # rates; per-patient rates exist only from min_followup_days on (derive.relapse_outcomes)
    base = outcomes.select(relapse_population()).to_series()
    groups = {"all": base} | {n: base & m for n, m in
                              by_conditions(outcomes, d.subgroups).groups.items()}
    rows = []
    for name, mask in groups.items():
        g = outcomes.filter(mask)
        pre_years = g["years_before"].cast(pl.Float64).to_numpy()
        fu_years = g["years_during"].cast(pl.Float64).to_numpy()
        before = Describe.of(g["arr_before"])
        during = Describe.of(g["arr_during"])
        pb = pooled_rate(g["relapses_before"].to_numpy(), pre_years)
        pd_ = pooled_rate(g["relapses_during"].to_numpy(), fu_years)
        rr = rate_ratio(g["relapses_before"].to_numpy(), pre_years,
                        g["relapses_during"].to_numpy(), fu_years)
        test = paired(g["arr_before"], g["arr_during"])
        change = (None if not before.mean or during.mean is None
                  else 100 * (during.mean - before.mean) / before.mean)
        rows.append({
            "group": name, "n": g.height,
            "arr_before": before.mean_sd_range(2), "arr_during": during.mean_sd_range(2),
            "median_before": before.median, "median_during": during.median,
            "percent_change_of_means": change, "p_paired_t": format_p(test.p_t),
            "pooled_before": pb.rate, "pooled_before_ci": F.bounds(pb.ci_low, pb.ci_high),
            "pooled_during": pd_.rate, "pooled_during_ci": F.bounds(pd_.ci_low, pd_.ci_high),
            "rate_ratio": rr.ratio, "rate_ratio_ci": F.bounds(rr.ci_low, rr.ci_high),
            "p_rate_ratio": format_p(rr.p), "note": rr.note or test.note,
            **_numbers("before", before), **_numbers("during", during),
            "p_paired_t_value": test.p_t, "pooled_before_ci_low": pb.ci_low,
            "pooled_before_ci_high": pb.ci_high, "pooled_during_ci_low": pd_.ci_low,
            "pooled_during_ci_high": pd_.ci_high, "rate_ratio_ci_low": rr.ci_low,
            "rate_ratio_ci_high": rr.ci_high, "p_rate_ratio_value": rr.p,
        })
    return pl.DataFrame(rows, schema=RELAPSE_SCHEMA)


#: Columns of the relapse table. The text columns (``arr_before``, ``arr_during``,
#: ``p_paired_t``, ``*_ci``, ``p_rate_ratio``) render the numeric ones that follow them
#: (:mod:`mscohort.analyse.formatting`) and are kept for the results files' readers.
RELAPSE_SCHEMA = {
    "group": pl.String, "n": pl.Int64, "arr_before": pl.String, "arr_during": pl.String,
    "median_before": pl.Float64, "median_during": pl.Float64,
    "percent_change_of_means": pl.Float64, "p_paired_t": pl.String,
    "pooled_before": pl.Float64, "pooled_before_ci": pl.String, "pooled_during": pl.Float64,
    "pooled_during_ci": pl.String, "rate_ratio": pl.Float64, "rate_ratio_ci": pl.String,
    "p_rate_ratio": pl.String, "note": pl.String,
    **{f"{stat}_{when}": (pl.Int64 if stat == "n" else pl.Float64)
       for when in ("before", "during") for stat in ("n", "mean", "sd", "min", "max")},
    "p_paired_t_value": pl.Float64, "pooled_before_ci_low": pl.Float64,
    "pooled_before_ci_high": pl.Float64, "pooled_during_ci_low": pl.Float64,
    "pooled_during_ci_high": pl.Float64, "rate_ratio_ci_low": pl.Float64,
    "rate_ratio_ci_high": pl.Float64, "p_rate_ratio_value": pl.Float64,
}


def _numbers(when: str, d: Describe) -> dict[str, float | int | None]:
    return {f"n_{when}": d.n, f"mean_{when}": d.mean, f"sd_{when}": d.sd,
            f"min_{when}": d.minimum, f"max_{when}": d.maximum}


class CdwSurvival(NamedTuple):
    """The result of :func:`cdw_survival`."""

    curves: pl.DataFrame  #: Kaplan-Meier curves stacked with a ``group`` column
    logrank: LogRank | None  #: the log-rank test across the groups (None: no group)


def cdw_survival(outcomes: pl.DataFrame, split: Split) -> CdwSurvival:
    """Kaplan-Meier time to first confirmed worsening per group of a split (curves stacked
    with a ``group`` column), and the log-rank test across the groups."""
    from mscohort.analyse.survival import kaplan_meier, log_rank

    curves, times, events, labels = [], [], [], []
    for name, mask in split.groups.items():
        g = outcomes.filter(mask & outcomes["time_to_cdw_days"].is_not_null())
        if g.height == 0:
            continue
        t = g["time_to_cdw_days"].cast(pl.Float64).to_numpy()
        e = g["cdw_observed"].to_numpy()
        curves.append(kaplan_meier(t, e).with_columns(pl.lit(name).alias("group")))
        times.append(t)
        events.append(e)
        labels += [name] * g.height
    if not curves:
        return CdwSurvival(pl.DataFrame(), None)
    test = log_rank(np.concatenate(times), np.concatenate(events), np.array(labels))
    return CdwSurvival(pl.concat(curves), test)
