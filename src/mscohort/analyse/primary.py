"""The primary endpoint and the families of exploratory tests, with Holm's adjustment.

The study definition names one primary outcome (``[analysis] primary``, default
``edss_change``); its paired test (follow-up against baseline) is the one confirmatory test
and is not adjusted. Every other test is exploratory and gets a Holm-adjusted p
(:func:`mscohort.analyse.multiplicity.holm`) within its family:

* ``paired tests``: the other rows of the paired-test table (``tests.csv``);
* ``group tables``: the within-group tests of change in every group table;
* ``contrasts, <adjustment>``: the between-group contrasts, one family per adjustment;
* ``secondary outcomes``: the secondary paired tests and the secondary tables'
  within-group tests.
"""

from __future__ import annotations

import polars as pl

from mscohort.analyse.multiplicity import holm, holm_distinct
from mscohort.definition import StudyDefinition

_TESTS = {"edss_change": "EDSS", "msss_change": "MSSS", "arr_change": "ARR"}


def primary_measure(d: StudyDefinition) -> str:
    """The ``measure`` of the paired-test row that is the primary endpoint."""
    if d.primary in _TESTS:
        return _TESTS[d.primary]
    slug = d.primary.removeprefix("edss_change_")
    return next(f"EDSS at {tp.name}" for tp in d.timepoints if tp.slug == slug)


def label_tests(tests: pl.DataFrame, d: StudyDefinition) -> pl.DataFrame:
    """``role`` (primary / exploratory) and ``p_holm`` over the exploratory rows."""
    primary = primary_measure(d)
    tests = tests.with_columns(pl.when(pl.col("measure") == primary).then(pl.lit("primary"))
                               .otherwise(pl.lit("exploratory")).alias("role"))
    p = [None if r == "primary" else v for r, v in zip(tests["role"], tests["p_t"],
                                                        strict=True)]
    return tests.with_columns(pl.Series("p_holm", holm(p), pl.Float64))


def adjust_frames(frames: list[pl.DataFrame], column: str = "p_t") -> list[pl.DataFrame]:
    """Holm over the ``column`` of several frames taken as one family (``p_holm``)."""
    sizes = [f.height for f in frames]
    p = [v for f in frames for v in (f[column].to_list() if f.height else [])]
    adjusted = holm(p)
    out, start = [], 0
    for f, n in zip(frames, sizes, strict=True):
        if n:
            f = f.with_columns(pl.Series("p_holm", adjusted[start:start + n], pl.Float64))
        out.append(f)
        start += n
    return out


def adjust_contrasts(contrasts: pl.DataFrame) -> pl.DataFrame:
    """``p_holm`` within each adjustment's family of contrasts, each distinct test
    (``test_id``, :mod:`mscohort.analyse.same_tests`) counted once."""
    if contrasts.height == 0:
        return contrasts.with_columns(pl.lit(None, pl.Float64).alias("p_holm"))
    if "test_id" not in contrasts.columns:
        contrasts = contrasts.with_row_index("test_id")
    parts = [part.with_columns(pl.Series("p_holm", holm_distinct(part["p"].to_list(),
                                                                 part["test_id"].to_list()),
                                         pl.Float64))
             for _, part in contrasts.with_row_index("_i").group_by("adjustment",
                                                                    maintain_order=True)]
    return pl.concat(parts).sort("_i").drop("_i")


def multiplicity_methods(d: StudyDefinition) -> str:
    """The methods sentence on the primary endpoint and multiplicity."""
    return (f"The primary endpoint, named in the study definition, was the change in "
            f"{primary_measure(d)} from baseline (paired t-test of follow-up against "
            "baseline); all other tests are "
            "exploratory, with p-values adjusted by Holm's method (Holm 1979) within each "
            "family (paired tests, within-group tests of the group tables, between-group "
            "contrasts for each adjustment, secondary outcomes); a contrast that two splits "
            "give alike (the same patients in the same groups) is one test and counted "
            "once.")
