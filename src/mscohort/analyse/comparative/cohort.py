"""The comparison cohort: what the design stage (episodes, propensity score, matching or
weighting) hands to the outcome stage. One row per analysed treatment episode.

Columns of :attr:`ComparisonCohort.episodes`:

* ``episode_id`` (String), ``patient_id`` (String);
* ``treatment`` (Int8): 1 for an episode of the treatment of interest, 0 for the comparator;
* ``drug`` (String): the vocabulary name of the drug started;
* ``start_date`` (Date): the episode's index date (the first day of the drug);
* ``stop_date`` (Date, null when ongoing): the day the drug was stopped or switched;
* ``end_date`` (Date): the last day of follow-up of the episode as the definition asks
  (the end of data, or the stop/switch when follow-up is censored there), before any
  pairwise censoring, which the outcome stage applies from ``pair_id``;
* ``pair_id`` (Int64, null when weighted): the matched set (one treated episode and its
  controls);
* ``weight`` (Float64): 1 in a 1:1 match without replacement; the matching weight
  (MatchIt's convention) with replacement or 1:k; the IPT or overlap weight when weighted;
* ``ps`` (Float64): the propensity score (probability of ``treatment = 1``);
* then one column per baseline covariate named in :attr:`ComparisonCohort.covariates`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mscohort.errors import bad_argument

#: How the groups were made comparable.
DESIGNS = ("match", "iptw", "overlap", "none")
#: The columns every cohort carries, with their types (module docstring).
COHORT_SCHEMA: dict[str, pl.DataType] = {
    "episode_id": pl.String(), "patient_id": pl.String(), "treatment": pl.Int8(),
    "drug": pl.String(), "start_date": pl.Date(), "stop_date": pl.Date(),
    "end_date": pl.Date(), "pair_id": pl.Int64(), "weight": pl.Float64(), "ps": pl.Float64(),
}


@dataclass(frozen=True)
class ComparisonCohort:
    """The episodes of the compared treatments, matched or weighted (module docstring)."""

    episodes: pl.DataFrame
    design: str  #: one of :data:`DESIGNS`
    treated: str  #: label of the treatment of interest, e.g. "alemtuzumab"
    control: str  #: label of the comparator, e.g. "natalizumab"
    covariates: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        missing = [c for c in (*COHORT_SCHEMA, *self.covariates)
                   if c not in self.episodes.columns]
        if missing:
            raise bad_argument("episodes", "a table with the columns of a comparison cohort",
                               missing, shown=f"a table without {', '.join(missing)}")
        if self.design not in DESIGNS:
            raise bad_argument("design", "one of " + ", ".join(DESIGNS), self.design)
