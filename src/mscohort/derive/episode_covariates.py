"""Baseline covariates at the start of each treatment episode (issue #25).

Notes
-----
Definitions (``docs/comparative.md``), all at the episode start (``start_date``):

* ``age``: (start - birth_date) in days / 365.25; ``disease_duration``: (start - onset_date)
  in days / 365.25;
* ``edss``: the last EDSS at most ``edss_window_days`` before the start, the start day
  included;
* ``relapses_12m``, ``relapses_24m``: relapse onsets within 365.25 and 730.5 days before the
  start, the start day included (it belongs to the baseline; outcome relapses start the day
  after: :mod:`mscohort.definition.comparison_windows`);
* ``prior_drugs``: distinct drugs started before the start day; ``last_prior_drug``: the drug
  of the last start before the start day (``"none"`` when there is none);
* ``sex``, ``phenotype``, ``site``: from ``patients``; ``year``: the calendar year of the start.

Missing values are counted per covariate and arm (:attr:`Covariates.missing`). With
``missing = "exclude"`` an episode missing any covariate of the design is excluded (criterion
``missing_covariate``, one row per covariate missing); with ``"indicator"`` a numeric
covariate gets a ``<name>_missing`` column (1 when missing) and its missing values are set to
the mean of the observed ones, and a categorical one gets the level ``"missing"``
(the missing-indicator method; Groenwold et al., CMAJ 2012;184:1265-1269).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mscohort.definition.comparison import (
    CATEGORICAL_COVARIATES,
    ComparisonSettings,
)
from mscohort.definition.comparison_windows import (
    BASELINE_EDSS_DAYS,
    RELAPSES_12M_DAYS,
    RELAPSES_24M_DAYS,
)
from mscohort.derive.episodes import (
    EXCLUSION_SCHEMA,
    Episodes,
    count_before,
    drug_starts,
    last_before,
)
from mscohort.study import Study
from mscohort.units import DAYS_PER_YEAR


@dataclass(frozen=True)
class Covariates:
    """The analysed episodes with their baseline covariates (module Notes)."""

    table: pl.DataFrame  #: the episodes' columns, the covariates, missing indicators
    terms: tuple[str, ...]  #: the covariates of the design, then the missing indicators
    missing: pl.DataFrame  #: covariate, n_missing, n_missing_treated, n_missing_control
    exclusions: pl.DataFrame  #: episodes excluded for a missing covariate

    @property
    def categorical(self) -> tuple[str, ...]:
        return tuple(t for t in self.terms if t in CATEGORICAL_COVARIATES)


def baseline_covariates(study: Study, episodes: pl.DataFrame, course_gap_days: float = 30,
                        edss_window_days: float = BASELINE_EDSS_DAYS,
                        derived: Episodes | None = None) -> pl.DataFrame:
    """``episodes`` with every covariate of the module Notes (nulls where unknown).
    ``derived``: the :class:`~mscohort.derive.episodes.Episodes` the episodes come from
    (same study, ``course_gap_days`` and ``edss_window_days``), whose drug starts and
    baseline EDSS are then taken instead of derived again."""
    relapses = study.lineage("relapses").select("patient_id", "onset_date")
    ep = count_before(episodes, relapses, "onset_date", RELAPSES_12M_DAYS, "relapses_12m")
    ep = count_before(ep, relapses, "onset_date", RELAPSES_24M_DAYS, "relapses_24m")
    if derived is not None and derived.baseline_edss is not None:
        ep = ep.join(derived.baseline_edss, on="episode_id", how="left")
    else:
        ep = last_before(ep, study.lineage("edss").select("patient_id", "date", "edss"),
                         "date", "edss", edss_window_days, "edss")
    starts = (derived.starts if derived is not None and derived.starts is not None
              else drug_starts(study, course_gap_days)).select("patient_id", "drug",
                                                               "start_date")
    prior = ep.select("episode_id", "patient_id", "start_date").join(
        starts.rename({"start_date": "_s", "drug": "_drug"}), on="patient_id").filter(
        pl.col("_s") < pl.col("start_date"))
    n_prior = prior.group_by("episode_id").agg(pl.col("_drug").n_unique().cast(pl.Int64)
                                               .alias("prior_drugs"))
    last = prior.sort("_s", "_drug").group_by("episode_id").agg(
        pl.col("_drug").last().alias("last_prior_drug"))
    years = DAYS_PER_YEAR
    pat = study.lineage("patients").select("patient_id", "sex", "birth_date", "onset_date",
                                "phenotype", "site")
    return ep.join(n_prior, on="episode_id", how="left").join(
        last, on="episode_id", how="left").join(pat, on="patient_id", how="left") \
        .with_columns(
            ((pl.col("start_date") - pl.col("birth_date")).dt.total_days() / years)
            .alias("age"),
            ((pl.col("start_date") - pl.col("onset_date")).dt.total_days() / years)
            .alias("disease_duration"),
            pl.col("prior_drugs").fill_null(0),
            pl.col("last_prior_drug").fill_null("none"),
            pl.col("start_date").dt.year().cast(pl.Int64).alias("year"),
            pl.col("edss").cast(pl.Float64),
        ).drop("birth_date", "onset_date").sort("patient_id", "start_date")


def episode_covariates(study: Study, episodes: pl.DataFrame, settings: ComparisonSettings,
                       course_gap_days: float = 30, derived: Episodes | None = None
                       ) -> Covariates:
    """Baseline covariates of the analysed ``episodes``, missing values handled as
    ``settings.missing`` says (module Notes); ``derived``: as in
    :func:`baseline_covariates`."""
    table = baseline_covariates(study, episodes, course_gap_days, settings.edss_window_days,
                                derived)
    covs = settings.covariates
    missing = pl.DataFrame({
        "covariate": list(covs),
        "n_missing": [int(table[c].null_count()) for c in covs],
        "n_missing_treated": [int(table.filter(pl.col("treatment") == 1)[c].null_count())
                              for c in covs],
        "n_missing_control": [int(table.filter(pl.col("treatment") == 0)[c].null_count())
                              for c in covs],
    }, schema={"covariate": pl.String, "n_missing": pl.Int64, "n_missing_treated": pl.Int64,
               "n_missing_control": pl.Int64})
    terms = list(covs)
    if settings.missing == "exclude":
        rows = [table.filter(pl.col(c).is_null()).select(
            "episode_id", "patient_id", "drug", pl.lit("missing_covariate").alias("criterion"),
            pl.lit(f"{c} missing").alias("detail")) for c in covs]
        exclusions = pl.concat(rows).cast(EXCLUSION_SCHEMA).sort("episode_id", "detail")
        table = table.drop_nulls(list(covs))
    else:
        exclusions = pl.DataFrame(schema=EXCLUSION_SCHEMA)
        fills = []
        for c in covs:
            if table[c].null_count() == 0:
                continue
            if c in CATEGORICAL_COVARIATES:
                fills.append(pl.col(c).fill_null("missing"))
            else:
                fills += [pl.col(c).is_null().cast(pl.Int8).alias(f"{c}_missing"),
                          pl.col(c).cast(pl.Float64).fill_null(pl.col(c).cast(
                              pl.Float64).mean())]
                terms.append(f"{c}_missing")
        table = table.with_columns(fills)
    return Covariates(table, tuple(terms), missing, exclusions)
