"""Drugs before the index treatment: the drug immediately before, and every drug within the
prior window, each with its group of the study definition.

Definitions (``docs/analysis.md``), for exposures to other drugs that started before the
index date:

* **Gap** of an exposure: days from its stop date to the index date (0 when it was ongoing
  at the index date or has no stop date). **Exposure before the index**: days from its start
  to its stop date (or the index date, whichever is earlier).
* **Drug immediately before** (``prior_drug``, ``prior_group``): among the exposures with a
  gap of at most ``immediate_gap_days`` (default: the prior window, as the seed's groupings
  both refer to the two-year epoch), the one chosen by ``immediate_rule``:
  ``stopped_last`` (smallest gap), ``longest`` (longest exposure before the index) or
  ``started_last`` (latest start); ties go to the longer exposure, then the later start, then
  the smaller gap. A patient with no exposure within the limit is in the group
  ``"none in window"`` and has no ``prior_drug``. ``prior_gap_days`` is the gap of the chosen
  exposure (for "none in window": of the most recent exposure, if any).
* **Within the window** (``prior_window_drugs``, ``prior_window_groups``): exposures that
  overlap [index - ``prior_window_days``, index), by start date; the **sequence** lists them,
  then the index drug.
"""

from __future__ import annotations

import polars as pl

from mscohort.definition import StudyDefinition
from mscohort.vocabulary import BY_NAME

#: The group of a patient with no drug within the gap limit before the index date.
NONE_IN_WINDOW = "none in window"


def abbrev(drug: str) -> str:
    return BY_NAME[drug].abbreviation if drug in BY_NAME else drug


def _order(rule: str) -> tuple[list[str], list[bool]]:
    """Sort keys (and descending flags) that put the chosen exposure first."""
    keys = {"stopped_last": ["_gap", "_exposure", "start_date"],
            "longest": ["_exposure", "start_date", "_gap"],
            "started_last": ["start_date", "_exposure", "_gap"]}[rule]
    desc = {"_gap": False, "_exposure": True, "start_date": True}
    return keys, [desc[k] for k in keys]


def prior_drugs(treatments: pl.DataFrame, index: pl.DataFrame, d: StudyDefinition
                ) -> pl.DataFrame:
    """Per patient with an index date: ``prior_drug``, ``prior_group``, ``prior_gap_days``,
    ``prior_window_drugs``, ``prior_window_groups``, ``sequence`` (module docstring)."""
    group_of = {drug: g for g, drugs in d.prior_groups.items() for drug in drugs}
    stop = pl.min_horizontal(pl.col("stop_date").fill_null(pl.col("index_date")),
                             pl.col("index_date"))
    t = (treatments.filter(pl.col("drug") != d.index_drug)
         .join(index.select("patient_id", "index_date"), on="patient_id", how="inner")
         .filter(pl.col("start_date") < pl.col("index_date"))
         .with_columns(pl.col("drug").replace_strict(group_of, default="other").alias("_g"),
                       (pl.col("index_date") - stop).dt.total_days().alias("_gap"),
                       (stop - pl.col("start_date")).dt.total_days().alias("_exposure")))
    keys, desc = _order(d.immediate_rule)
    chosen = (t.filter(pl.col("_gap") <= d.immediate_gap)
              .sort(["patient_id", *keys], descending=[False, *desc])
              .group_by("patient_id", maintain_order=True)
              .agg(pl.col("drug").first().alias("prior_drug"),
                   pl.col("_g").first().alias("prior_group"),
                   pl.col("_gap").first().alias("_chosen_gap")))
    nearest = t.group_by("patient_id").agg(pl.col("_gap").min().alias("_nearest_gap"))
    window_start = pl.col("index_date") - pl.duration(days=d.prior_window_days)
    win = t.filter(pl.col("stop_date").is_null() | (pl.col("stop_date") >= window_start))
    within = (win.sort("patient_id", "start_date").group_by("patient_id", maintain_order=True)
              .agg(pl.col("drug").alias("prior_window_drugs"),
                   pl.col("_g").unique(maintain_order=True).alias("prior_window_groups")))
    seq = pl.col("prior_window_drugs").list.eval(
        pl.element().replace_strict({k: abbrev(k) for k in BY_NAME}, default=pl.element()))
    return (index.select("patient_id").unique()
            .join(chosen, on="patient_id", how="left")
            .join(nearest, on="patient_id", how="left")
            .join(within, on="patient_id", how="left")
            .with_columns(
                pl.col("prior_group").fill_null(pl.lit(NONE_IN_WINDOW)),
                pl.coalesce("_chosen_gap", "_nearest_gap").alias("prior_gap_days"),
                pl.concat_str([seq.list.join(" -> "), pl.lit(abbrev(d.index_drug))],
                              separator=" -> ").fill_null(pl.lit(abbrev(d.index_drug)))
                .alias("sequence"))
            .select("patient_id", "prior_drug", "prior_group", "prior_gap_days",
                    "prior_window_drugs", "prior_window_groups", "sequence"))
