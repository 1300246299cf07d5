"""Baseline and follow-up records of any dated measurement, relative to the index date.

The same rules as for EDSS (``mscohort.derive.outcomes``), for every dated table (MSFC,
OCT per eye, ...), so that all outcomes of a study use one definition:

* **Baseline**: the record closest to the index date from ``baseline_window_days`` before
  it to ``baseline_after_index_days`` after it (ties: the earlier one).
* **Follow-up**: the last record after the index date (up to the cut-off date when the
  follow-up ends at a cut-off) and after the baseline record.
* **Time point** (``[[timepoints]]``): the record closest to ``days`` after the index date
  within ``window_days`` (ties: the earlier), or the last one more than ``after_days`` after.
"""

from __future__ import annotations

import polars as pl

from mscohort.definition import StudyDefinition, TimePoint


def _offsets(frame: pl.DataFrame, index: pl.DataFrame) -> pl.DataFrame:
    return frame.join(index.select("patient_id", "index_date").drop_nulls(), on="patient_id",
                      how="inner").with_columns(
        (pl.col("date") - pl.col("index_date")).dt.total_days().alias("_off"))


def _suffixed(frame: pl.DataFrame, keys: list[str], values: list[str],
              suffix: str) -> pl.DataFrame:
    return frame.select(*keys, pl.col("date").alias(f"date_{suffix}"),
                        *(pl.col(v).alias(f"{v}_{suffix}") for v in values))


def baseline_followup(frame: pl.DataFrame, index: pl.DataFrame, d: StudyDefinition,
                      values: list[str], by: tuple[str, ...] = ("patient_id",)
                      ) -> pl.DataFrame:
    """One row per ``by`` group with an index date: ``date_baseline``, ``<value>_baseline``,
    ``date_followup``, ``<value>_followup`` (null where there is no such record)."""
    keys = list(by)
    cand = _offsets(frame, index)
    base = (cand.filter((pl.col("_off") >= -d.baseline_window_days)
                        & (pl.col("_off") <= d.baseline_after_index_days))
            .sort(*keys, pl.col("_off").abs(), "_off")
            .group_by(keys, maintain_order=True).first())
    base = _suffixed(base, keys, values, "baseline")
    after = cand.filter(pl.col("_off") > 0)
    if d.follow_up_end == "cutoff" and d.cutoff_date is not None:
        after = after.filter(pl.col("date") <= d.cutoff_date)
    after = after.join(base.select(*keys, "date_baseline"), on=keys, how="left").filter(
        pl.col("date_baseline").is_null() | (pl.col("date") > pl.col("date_baseline")))
    follow = _suffixed(after.sort(*keys, "date").group_by(keys, maintain_order=True).last(),
                       keys, values, "followup")
    groups = cand.select(keys).unique(maintain_order=True)
    return (groups.join(base, on=keys, how="left").join(follow, on=keys, how="left")
            .sort(keys))


def at_timepoint(frame: pl.DataFrame, index: pl.DataFrame, tp: TimePoint,
                 values: list[str], by: tuple[str, ...] = ("patient_id",)) -> pl.DataFrame:
    """The record at one time point per ``by`` group: ``date_<slug>``, ``<value>_<slug>``."""
    keys = list(by)
    cand = _offsets(frame, index)
    if tp.after_days is not None:
        pick = (cand.filter(pl.col("_off") > tp.after_days).sort(*keys, "date")
                .group_by(keys, maintain_order=True).last())
    else:
        pick = (cand.filter((pl.col("_off") - tp.days).abs() <= tp.window_days)
                .sort(*keys, (pl.col("_off") - tp.days).abs(), "_off")
                .group_by(keys, maintain_order=True).first())
    return _suffixed(pick, keys, values, tp.slug)
