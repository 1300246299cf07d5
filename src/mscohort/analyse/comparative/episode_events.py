"""Times to confirmed disability worsening and improvement, and to treatment
discontinuation, of each episode of a comparison cohort.

Notes
-----
* **Confirmed disability worsening (CDW) and improvement (CDI)** after the episode start:
  the study's event settings (``[events]``; :func:`mscohort.derive.events.detect_events`)
  with the first event of the kind (``firstCDW`` or ``firstCDI``) and the confirmation at
  ``conf_days`` (168 days: 6-month confirmation, Kalincik et al. 2017), run on each
  episode's own visits: the episode's baseline is the last EDSS on or before the start
  and at most ``baseline_days`` before it (0 <= start - date <= ``baseline_days``, as
  every baseline window: :mod:`mscohort.definition.comparison_windows`), followed by every
  EDSS up to the end of follow-up. An event counts when both its onset and its
  confirmation fall within follow-up; its time is from the start to the onset. Episodes
  without a baseline EDSS are left out of these two outcomes (counted in the note).
* **Treatment discontinuation**: the time from the start to ``stop_date`` (a stop or a
  switch) when it falls within follow-up, else censored at the end of follow-up.

References
----------
Kalincik T, Brown JWL, Robertson N, et al. Lancet Neurol 2017;16:271-281. Montobbio N et al.
Mult Scler 2024 (msprog).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mscohort.analyse.comparative.followup import FollowUp, row_key
from mscohort.definition.comparison_windows import OUTCOME_BASELINE_EDSS_DAYS
from mscohort.derive.events import detect_events
from mscohort.derive.events.settings import EventSettings

#: The columns of every time-to-event table of this module.
#: ``row_key`` is the row of the follow-up (episode and matched set,
#: :func:`~mscohort.analyse.comparative.followup.row_key`) that the times join on.
TIME_SCHEMA = {"episode_id": pl.String, "time_days": pl.Float64, "event": pl.Boolean,
               "row_key": pl.String}


def discontinuation_times(fu: FollowUp) -> pl.DataFrame:
    """Time to ``stop_date`` within follow-up (module Notes)."""
    t = fu.table
    stopped = pl.col("stop_date").is_not_null() & (pl.col("stop_date") <= pl.col("fu_end"))
    return t.select(
        "episode_id",
        pl.when(stopped).then((pl.col("stop_date") - pl.col("start_date")).dt.total_days()
                              .cast(pl.Float64)).otherwise(pl.col("fu_days"))
        .alias("time_days"),
        stopped.alias("event"), row_key(t))


@dataclass(frozen=True)
class EpisodeVisits:
    """Each episode's own visits for the disability outcomes (module Notes), shared by CDW
    and CDI: the rows of the follow-up, their visits and relapses keyed by ``row_key`` (the
    episode and its matched set, in the ``patient_id`` column the events module reads), the
    baselines found, and the number of rows without one."""

    episodes: pl.DataFrame  #: row_key, episode_id, patient_id, start_date, fu_end, fu_days
    visits: pl.DataFrame  #: patient_id (the row key), date, edss
    relapses: pl.DataFrame | None  #: patient_id (the row key), onset_date
    with_baseline: pl.DataFrame  #: row_key of the rows with a baseline EDSS
    n_without: int


def episode_visits(fu: FollowUp, edss: pl.DataFrame, relapses: pl.DataFrame | None,
                   baseline_days: float = OUTCOME_BASELINE_EDSS_DAYS) -> EpisodeVisits:
    """The visits of every episode from its baseline EDSS to its end of follow-up (module
    Notes). ``edss``: ``patient_id``, ``date``, ``edss``."""
    ep = fu.table.select(row_key(fu.table), "episode_id", "patient_id", "start_date",
                         "fu_end", "fu_days")
    v = (ep.join(edss.select("patient_id", "date", "edss").drop_nulls(), on="patient_id")
         .filter((pl.col("date") <= pl.col("fu_end"))
                 & ((pl.col("start_date") - pl.col("date")).dt.total_days()
                    <= baseline_days)))
    base = (v.filter(pl.col("date") <= pl.col("start_date"))
            .group_by("row_key").agg(pl.col("date").max().alias("bl_date")))
    v = (v.join(base, on="row_key").filter(pl.col("date") >= pl.col("bl_date"))
         .select(pl.col("row_key").alias("patient_id"), "date", "edss")
         .sort("patient_id", "date"))
    rel = None
    if relapses is not None:
        rel = (ep.select("row_key", "patient_id")
               .join(relapses.select("patient_id", "onset_date").drop_nulls(),
                     on="patient_id")
               .select(pl.col("row_key").alias("patient_id"), "onset_date"))
    return EpisodeVisits(ep, v, rel, base.select("row_key"), ep.height - base.height)


def disability_times(fu: FollowUp, edss: pl.DataFrame, relapses: pl.DataFrame | None,
                     settings: EventSettings, kind: str = "worsening",
                     conf_days: float = 168.0, baseline_days: float = OUTCOME_BASELINE_EDSS_DAYS,
                     visits: EpisodeVisits | None = None) -> tuple[pl.DataFrame, int]:
    """Time to the first confirmed worsening (``kind="worsening"``) or improvement of
    each episode with a baseline EDSS, and the number of episodes without one (module
    Notes). ``edss``: ``patient_id``, ``date``, ``edss``; ``visits``: those of
    :func:`episode_visits` for this follow-up, edss, relapses and ``baseline_days``
    (derived when omitted)."""
    event = {"worsening": "firstCDW", "improvement": "firstCDI"}[kind]
    s = settings.with_(event=event, conf_days=(conf_days,), name=settings.name)
    if visits is None:
        visits = episode_visits(fu, edss, relapses, baseline_days)
    ep, v, rel, base = visits.episodes, visits.visits, visits.relapses, visits.with_baseline
    n_without = visits.n_without
    label = f"conf{round(conf_days)}_date"
    found = pl.DataFrame(schema={"row_key": pl.String, "onset": pl.Date})
    if v.height:
        events = detect_events(v, rel, s).events
        conf_col = next((c for c in events.columns
                         if c.startswith("conf") and c.endswith("_date")), label)
        found = (events.join(ep.select(pl.col("row_key").alias("patient_id"), "fu_end"),
                             on="patient_id")
                 .filter((pl.col("date") <= pl.col("fu_end"))
                         & (pl.col(conf_col) <= pl.col("fu_end")))
                 .group_by("patient_id").agg(pl.col("date").min().alias("onset"))
                 .rename({"patient_id": "row_key"}))
    out = (ep.join(base.select("row_key"), on="row_key")
           .join(found, on="row_key", how="left")
           .select("episode_id",
                   pl.when(pl.col("onset").is_null()).then(pl.col("fu_days"))
                   .otherwise((pl.col("onset") - pl.col("start_date")).dt.total_days()
                              .cast(pl.Float64)).alias("time_days"),
                   pl.col("onset").is_not_null().alias("event"), "row_key"))
    return out.cast(TIME_SCHEMA), n_without  # type: ignore[arg-type]
