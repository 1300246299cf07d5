"""The cohort description ("Table 1"): who was analysed, overall and by the groups of a split.

Rows are tidy: ``characteristic``, ``group``, ``n_group``, ``n`` (patients with a value),
``text`` (the cell as printed, by :mod:`mscohort.analyse.formatting`), and its numbers:
``count`` and ``percent`` for counts; ``mean``, ``sd``, ``median``, ``min``, ``max`` for
measures. Definitions (``docs/analysis.md``):

* Counts are n (% of the patients in the group with a recorded value).
* Age at index and baseline EDSS: Mean ± SD (range); disease duration at index (years from
  onset) and follow-up: median (range), as the seed prints them.
* Prior ARR: the annualised relapse rate over the pre-index window, among the patients in the
  relapse analysis (regular corticosteroid users excluded when the definition says so):
  Mean ± SD (range), and the median.
* Courses: index-drug courses per patient (infusions at most ``course_gap_days`` apart are
  one course), counted as 1, 2, ... up to the largest.
"""

from __future__ import annotations

from typing import cast

import polars as pl

from mscohort.analyse import formatting as F
from mscohort.analyse.stats import Describe
from mscohort.stratify.splits import Split, analysed

COHORT_SCHEMA = {"characteristic": pl.String, "group": pl.String, "n_group": pl.Int64,
                 "n": pl.Int64, "text": pl.String, "count": pl.Int64, "percent": pl.Float64,
                 "mean": pl.Float64, "sd": pl.Float64, "median": pl.Float64,
                 "min": pl.Float64, "max": pl.Float64}


def _count(sub: pl.DataFrame, column: str, value: object) -> dict[str, object]:
    known = sub[column].drop_nulls()
    k = int((known == value).sum())
    pct = 100 * k / known.len() if known.len() else None
    return {"n": known.len(), "text": f"{k}" + ("" if pct is None else f" ({pct:.0f}%)"),
            "count": k, "percent": pct}


def _numbers(d: Describe) -> dict[str, object]:
    return {"n": d.n, "mean": d.mean, "sd": d.sd, "median": d.median, "min": d.minimum,
            "max": d.maximum}


def cohort_description(outcomes: pl.DataFrame, split: Split, unit_label: str) -> pl.DataFrame:
    """Table 1 for all analysed patients and each group of ``split``."""
    ok = analysed(outcomes)
    groups = {"all": ok} | split.groups
    phenotypes = outcomes.filter(ok)["phenotype"].drop_nulls().unique().sort().to_list()
    max_courses = cast("int | None", outcomes.filter(ok)["n_courses"].max()) or 0
    rows = []
    for group, mask in groups.items():
        sub = outcomes.filter(mask)

        def add(characteristic: str, values: dict[str, object], group: str = group,
                sub: pl.DataFrame = sub) -> None:
            rows.append({"characteristic": characteristic, "group": group,
                         "n_group": sub.height} | values)

        add("patients", {"n": sub.height, "text": str(sub.height), "count": sub.height})
        add("female, n (%)", _count(sub, "sex", "F"))
        for column, label, decimals in (("age_at_index", "age at index, years", 0),
                                        ("baseline_edss", "baseline EDSS", 1)):
            d = Describe.of(sub[column])
            add(label + ", mean ± SD (range)", _numbers(d) | {"text": F.mean_sd_range(
                d.mean, d.sd, d.minimum, d.maximum, decimals)})
        for column, label, decimals in (
                ("duration_at_index_years", "disease duration at index, years", 1),
                ("followup", f"follow-up, {unit_label}", 0)):
            d = Describe.of(sub[column])
            add(label + ", median (range)", _numbers(d) | {"text": F.median_range(
                d.median, d.minimum, d.maximum, decimals)})
        for p in phenotypes:
            add(f"phenotype {p}, n (%)", _count(sub, "phenotype", p))
        rel = sub.filter(pl.col("in_relapse_analysis").fill_null(False))
        d = Describe.of(rel["arr_before"])
        median = "" if d.median is None else f"; median {F.number(d.median, 2)}"
        add("prior ARR, mean ± SD (range)", _numbers(d) | {"text": F.mean_sd_range(
            d.mean, d.sd, d.minimum, d.maximum, 2) + median
            + (f"; n={d.n}" if d.n != sub.height else "")})
        for c in range(1, int(max_courses) + 1):
            add(f"{c} course{'s' if c > 1 else ''}, n (%)", _count(sub, "n_courses", c))
    return pl.DataFrame(rows, schema=COHORT_SCHEMA)
