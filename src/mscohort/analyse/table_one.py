"""Baseline characteristics as a "Table 1" (the layout of R gtsummary's ``tbl_summary`` and
tableone's ``CreateTableOne``): each variable summarised overall and by group, its unknowns
counted, with the standardised mean difference between groups and a test.

Notes
-----
* Categorical variables: n (%) of each level among the patients whose level is known; the
  patients with no value are counted in an "Unknown" row (n only).
* Continuous variables: mean ± SD (``kind="mean"``) or median (IQR) (``kind="median"``) of
  the known values; quartiles are numpy's linear interpolation (R ``quantile`` type 7).
* SMD (Yang and Dalton 2012; tableone's ``smd``): continuous |m1 - m2| / sqrt((s1² + s2²)
  / 2); categorical sqrt(T' S⁻¹ T) with T the differences of the level proportions (first
  level dropped) and S the mean of the two groups' multinomial covariance matrices (a
  pseudo-inverse when singular). With more than two groups, the mean of the pairwise SMDs
  (as tableone). Unknowns are left out.
* Tests (gtsummary's defaults): Wilcoxon rank-sum test for two groups and Kruskal-Wallis
  for more (continuous; ``scipy.stats.mannwhitneyu`` two-sided with continuity correction,
  R ``wilcox.test(correct = TRUE, exact = FALSE)``); Pearson's chi-squared test without
  continuity correction (categorical; R ``chisq.test(correct = FALSE)``). Unknowns are left
  out. Baseline tests between groups are descriptive (groups defined by follow-up length).

References
----------
Yang D, Dalton JE. A unified approach to measuring the effect size between two groups using
SAS. SAS Global Forum 2012, paper 335.
Sjoberg DD et al. Reproducible summary tables with the gtsummary package. R J 2021;13:570-80.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats

from mscohort.schema import PHENOTYPES, SEXES

OVERALL = "Overall"
KINDS = ("categorical", "mean", "median")
TESTS = {"categorical": "Pearson's chi-squared test",
         "continuous2": "Wilcoxon rank-sum test",
         "continuous": "Kruskal-Wallis rank-sum test"}


@dataclass(frozen=True)
class Variable:
    """One row block of the table: an outcome column, summarised as ``kind``."""

    column: str
    kind: str
    levels: tuple[str, ...] = ()


#: The variables of the cohort's Table 1, in printing order.
VARIABLES: tuple[Variable, ...] = (
    Variable("sex", "categorical", SEXES),
    Variable("age_at_index", "mean"),
    Variable("duration_at_index_years", "median"),
    Variable("phenotype", "categorical", PHENOTYPES),
    Variable("baseline_edss", "median"),
    Variable("arr_before", "mean"),
    Variable("followup", "median"),
    Variable("n_courses", "median"),
)

CELL_SCHEMA = {"variable": pl.String, "kind": pl.String, "level": pl.String,
               "group": pl.String, "n": pl.Int64, "of": pl.Int64, "mean": pl.Float64,
               "sd": pl.Float64, "median": pl.Float64, "q1": pl.Float64, "q3": pl.Float64}
TEST_SCHEMA = {"variable": pl.String, "kind": pl.String, "smd": pl.Float64,
               "p": pl.Float64, "test": pl.String}


@dataclass(frozen=True)
class TableOne:
    """``cells``: one row per variable, level ("" for a continuous summary, "Unknown") and
    group (:data:`OVERALL` first); ``tests``: SMD and p per variable."""

    cells: pl.DataFrame
    tests: pl.DataFrame
    groups: tuple[str, ...]


def _continuous(values: np.ndarray) -> dict[str, float | None]:
    if values.size == 0:
        return {"mean": None, "sd": None, "median": None, "q1": None, "q3": None}
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return {"mean": float(values.mean()), "sd": float(values.std(ddof=1)) if values.size > 1
            else None, "median": float(median), "q1": float(q1), "q3": float(q3)}


def _levels(v: Variable, known: pl.Series) -> list[str]:
    seen = set(known.cast(pl.String).to_list())
    return [lv for lv in v.levels if lv in seen] + sorted(seen - set(v.levels))


def smd_continuous(a: np.ndarray, b: np.ndarray) -> float | None:
    """|mean a - mean b| / sqrt((var a + var b) / 2) (Yang and Dalton 2012)."""
    if a.size < 2 or b.size < 2:
        return None
    pooled = np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    return float(abs(a.mean() - b.mean()) / pooled) if pooled > 0 else None


def smd_categorical(a: np.ndarray, b: np.ndarray) -> float | None:
    """sqrt(T' S⁻¹ T) over the level proportions ``a``, ``b`` (Yang and Dalton 2012)."""
    if a.size < 2:
        return None
    t = (a - b)[1:]
    cov = [np.diag(p[1:]) - np.outer(p[1:], p[1:]) for p in (a, b)]
    s = (cov[0] + cov[1]) / 2
    return float(np.sqrt(t @ np.linalg.pinv(s) @ t))


def _mean_pairwise(values: list[float | None]) -> float | None:
    ok = [v for v in values if v is not None]
    return float(np.mean(ok)) if ok else None


def table_one(outcomes: pl.DataFrame, groups: pl.DataFrame,
              variables: tuple[Variable, ...] = VARIABLES) -> TableOne:
    """Table 1 of the analysed patients ``outcomes`` (rows without ``excluded_reason``) by
    ``groups`` (``patient_id`` -> ``group``), module Notes."""
    ok = outcomes.filter(pl.col("excluded_reason").is_null())
    with_group = ok.join(groups.select("patient_id", "group"), on="patient_id", how="left")
    names = groups["group"].unique(maintain_order=True).to_list() if groups.height else []
    parts = {OVERALL: ok, **{g: with_group.filter(pl.col("group") == g) for g in names}}
    cells: list[dict] = []
    tests: list[dict] = []
    for v in variables:
        if v.column not in ok.columns:
            continue
        known_all = ok[v.column].drop_nulls()
        levels = _levels(v, known_all) if v.kind == "categorical" else []
        for g, frame in parts.items():
            col = frame[v.column]
            known = col.drop_nulls()
            base = {"variable": v.column, "kind": v.kind, "group": g, "of": frame.height}
            if v.kind == "categorical":
                text = known.cast(pl.String)
                cells += [base | {"level": lv, "n": int((text == lv).sum()),
                                  "of": known.len()} for lv in levels]
            else:
                cells.append(base | {"level": "", "n": known.len()}
                             | _continuous(known.cast(pl.Float64).to_numpy()))
            cells.append(base | {"level": "Unknown", "n": col.null_count()})
        tests.append(_test(v, [parts[g] for g in names], levels))
    return TableOne(pl.DataFrame(cells, schema=CELL_SCHEMA),
                    pl.DataFrame(tests, schema=TEST_SCHEMA), tuple(names))


def _test(v: Variable, frames: list[pl.DataFrame], levels: list[str]) -> dict[str, object]:
    out: dict[str, object] = {"variable": v.column, "kind": v.kind, "smd": None, "p": None,
                              "test": None}
    if len(frames) < 2:
        return out
    if v.kind == "categorical":
        counts = np.array([[int((f[v.column].cast(pl.String) == lv).sum()) for lv in levels]
                           for f in frames], dtype=float)
        props = [c / c.sum() if c.sum() else None for c in counts]
        out["smd"] = _mean_pairwise([smd_categorical(a, b) if a is not None and b is not None
                                     else None for a, b in itertools.combinations(props, 2)])
        table = counts[:, counts.sum(axis=0) > 0]
        table = table[table.sum(axis=1) > 0]
        if table.shape[0] >= 2 and table.shape[1] >= 2:
            out["p"] = float(stats.chi2_contingency(table, correction=False).pvalue)
            out["test"] = TESTS["categorical"]
        return out
    values = [f[v.column].drop_nulls().cast(pl.Float64).to_numpy() for f in frames]
    out["smd"] = _mean_pairwise([smd_continuous(a, b)
                                 for a, b in itertools.combinations(values, 2)])
    filled = [x for x in values if x.size]
    if len(filled) == 2 and len(np.unique(np.concatenate(filled))) > 1:
        out["p"] = float(stats.mannwhitneyu(*filled, alternative="two-sided",
                                            use_continuity=True, method="asymptotic").pvalue)
        out["test"] = TESTS["continuous2"]
    elif len(filled) > 2 and len(np.unique(np.concatenate(filled))) > 1:
        out["p"] = float(stats.kruskal(*filled).pvalue)
        out["test"] = TESTS["continuous"]
    return out
