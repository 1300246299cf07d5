"""Follow-up of each episode of a comparison cohort, with pairwise censoring, and the
relapses counted in it.

Notes
-----
* An episode is followed from ``start_date`` (day 0) to its end of follow-up: ``end_date``
  of the cohort, or the ``stop_date`` when it comes first and follow-up is censored at
  treatment stop or switch (``censor_at_stop``).
* **Pairwise censoring** (matched designs): every episode of a matched set (one treated
  episode and its ``k`` controls, ``pair_id``) is followed for the shortest follow-up of
  the set, in days from each episode's own start (Kalincik et al. 2017: "each pair was
  censored at the end of the shorter follow-up"). For 1:k sets the convention is the same
  shortest follow-up over all ``k + 1`` members, so that the treated episode and every one
  of its controls have equal observation time. A weighted design (``pair_id`` null) is
  not pairwise censored.
* **Relapses** of the patient (``relapses.onset_date``) are counted in the half-open
  interval (start, end]: a relapse on the start day belongs to the time before treatment.
* Years are days / 365.25 (:data:`mscohort.units.DAYS_PER_YEAR`).
* **Row key**: a control reused across matched sets (matching with replacement) has one
  row per set, all with its ``episode_id``; each row is therefore keyed by ``row_key``,
  the episode and its matched set (``"<episode_id>#<pair_id>"``, or the ``episode_id``
  when weighted), and every count and join of the outcome stage is by that key, so that
  each row counts its episode's relapses once.

References
----------
Kalincik T, Brown JWL, Robertson N, et al. Treatment effectiveness of alemtuzumab compared
with natalizumab, fingolimod, and interferon beta in relapsing-remitting multiple sclerosis:
a cohort study. Lancet Neurol 2017;16:271-281.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mscohort.analyse.comparative.cohort import ComparisonCohort
from mscohort.errors import bad_argument
from mscohort.units import DAYS_PER_YEAR

#: The columns of :attr:`FollowUp.table`, beyond the cohort's own.
FOLLOWUP_COLUMNS = ("row_key", "fu_end", "fu_days", "fu_years", "relapses")


def row_key(table: pl.DataFrame) -> pl.Expr:
    """The key of each row of a cohort or follow-up table (module Notes): ``row_key``
    when the table has it, else the episode and its matched set."""
    if "row_key" in table.columns:
        return pl.col("row_key")
    if "pair_id" not in table.columns:
        return pl.col("episode_id").alias("row_key")
    return pl.concat_str([pl.col("episode_id"), pl.col("pair_id").cast(pl.String)],
                         separator="#", ignore_nulls=True).alias("row_key")


@dataclass(frozen=True)
class FollowUp:
    """One row per episode: the cohort's columns, ``fu_end`` (Date), ``fu_days``,
    ``fu_years`` (Float64) and ``relapses`` (Int64, counted in (start, fu_end])."""

    table: pl.DataFrame
    pairwise: bool  #: whether matched sets were censored at their shortest follow-up
    censor_at_stop: bool  #: whether follow-up ended at a treatment stop or switch

    def methods(self) -> str:
        """The follow-up sentence of the methods paragraph."""
        parts = ["Follow-up started on the first day of the drug"]
        parts.append("and ended at treatment stop or switch or at the end of data, whichever "
                     "came first" if self.censor_at_stop else "and ended at the end of data")
        text = " ".join(parts) + "."
        if self.pairwise:
            text += (" Follow-up was pairwise censored: every episode of a matched set "
                     "(a treated episode and its controls) was followed for the shortest "
                     "follow-up in the set (Kalincik et al. 2017).")
        return text + " Relapses were counted from the day after the start to the end of " \
            "follow-up."


def follow_up(cohort: ComparisonCohort, relapses: pl.DataFrame, *,
              censor_at_stop: bool = False, pairwise: bool | None = None) -> FollowUp:
    """Follow-up and relapse counts of every episode of ``cohort`` (module Notes).

    Parameters
    ----------
    cohort
        The matched or weighted episodes.
    relapses
        The study's ``relapses`` table (``patient_id``, ``onset_date``).
    censor_at_stop
        End follow-up at ``stop_date`` when it comes before ``end_date``.
    pairwise
        Censor each matched set at its shortest follow-up; by default when the design is
        ``"match"``.
    """
    for col in ("patient_id", "onset_date"):
        if col not in relapses.columns:
            raise bad_argument("relapses", "a table with patient_id and onset_date", col,
                               shown=f"a table without {col}")
    pairwise = cohort.design == "match" if pairwise is None else pairwise
    ep = cohort.episodes
    if pairwise and ep["pair_id"].null_count():
        raise bad_argument("pairwise", "False when an episode has no pair_id",
                           pairwise, shown=f"True with {ep['pair_id'].null_count()} "
                           "episode(s) without pair_id")
    end = (pl.min_horizontal("end_date", "stop_date") if censor_at_stop
           else pl.col("end_date"))
    ep = ep.with_columns(row_key(ep),
                         (end - pl.col("start_date")).dt.total_days().alias("fu_days"))
    twice = ep.filter(pl.col("row_key").is_duplicated())
    if twice.height:
        raise bad_argument("episodes", "one row per episode and matched set",
                           twice["row_key"].to_list()[:5],
                           shown=f"{twice.height} rows sharing an episode and matched set, "
                           f"e.g. {', '.join(twice['row_key'].unique().to_list()[:5])}")
    bad = ep.filter(pl.col("fu_days") < 0)
    if bad.height:
        raise bad_argument("episodes", "episodes whose follow-up ends on or after the start",
                           bad["episode_id"].to_list()[:5],
                           shown=f"{bad.height} episode(s) ending before their start, e.g. "
                           f"{', '.join(bad['episode_id'].to_list()[:5])}")
    if pairwise:
        ep = ep.with_columns(pl.col("fu_days").min().over("pair_id"))
    ep = ep.with_columns(
        (pl.col("start_date") + pl.duration(days=pl.col("fu_days"))).alias("fu_end"),
        pl.col("fu_days").cast(pl.Float64),
        (pl.col("fu_days").cast(pl.Float64) / DAYS_PER_YEAR).alias("fu_years"))
    rel = relapses.select("patient_id", "onset_date").drop_nulls()
    counted = (ep.select("row_key", "patient_id", "start_date", "fu_end")
               .join(rel, on="patient_id", how="inner")
               .filter((pl.col("onset_date") > pl.col("start_date"))
                       & (pl.col("onset_date") <= pl.col("fu_end")))
               .group_by("row_key").agg(pl.len().cast(pl.Int64).alias("relapses")))
    table = (ep.join(counted, on="row_key", how="left")
             .with_columns(pl.col("relapses").fill_null(0))
             .select(*cohort.episodes.columns, *FOLLOWUP_COLUMNS))
    return FollowUp(table, pairwise, censor_at_stop)


def first_relapse(cohort_followup: FollowUp, relapses: pl.DataFrame) -> pl.DataFrame:
    """Time to the first relapse in (start, fu_end] of each row of the follow-up:
    ``episode_id``, ``time_days`` (to the relapse, or to the end of follow-up), ``event``
    (bool) and ``row_key`` (module Notes)."""
    t = cohort_followup.table.with_columns(row_key(cohort_followup.table))
    first = (t.select("row_key", "patient_id", "start_date", "fu_end")
             .join(relapses.select("patient_id", "onset_date").drop_nulls(), on="patient_id")
             .filter((pl.col("onset_date") > pl.col("start_date"))
                     & (pl.col("onset_date") <= pl.col("fu_end")))
             .group_by("row_key").agg(pl.col("onset_date").min().alias("first")))
    return (t.join(first, on="row_key", how="left")
            .select("episode_id",
                    pl.when(pl.col("first").is_null()).then(pl.col("fu_days"))
                    .otherwise((pl.col("first") - pl.col("start_date")).dt.total_days()
                               .cast(pl.Float64)).alias("time_days"),
                    pl.col("first").is_not_null().alias("event"), "row_key"))
