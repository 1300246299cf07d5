"""Data of the models: every assessment of a score around the index date (one row per
visit), and each patient's relapse counts and person-time before and after it.

Trajectory rows (:func:`trajectory_data`), per analysed patient (``excluded_reason`` null)
with an index date:

* ``time`` = (assessment date - index date) / 365.25, in years; ``time_after`` =
  max(time, 0), so that a linear model in both has one slope before the index date and
  another after it (piecewise linear, "interrupted time series"; Naumova et al. 2001);
* the score of a visit: the EDSS step; the global MSSS of the assessment (the outcomes'
  table and convention); the MSFC z-score (Fischer et al. 1999, ``derive.msfc``); or the
  peripapillary RNFL thickness (µm), the mean of the eyes scanned that day, eyes with optic
  neuritis left out unless the definition includes them (``secondary.optic_neuritis_eyes =
  "include"``; optic neuritis thins the RNFL by itself, Costello et al. 2006);
* assessments less than ``relapse_free_days`` after a relapse onset (or on its day) are left
  out, as baselines are (a relapse raises the EDSS for weeks; Kappos et al. 2020), except OCT
  scans (a relapse's effect on the RNFL is optic neuritis, handled by the eye rule above),
  and so are those more than ``before_days`` before the index date;
* covariates: ``age`` (age at index, years), ``sex`` (1 for male), ``duration`` (disease
  duration at index, years), ``baseline`` (the baseline value), and the group.

Every row or patient left out is counted in ``dropped`` with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mscohort.definition import StudyDefinition
from mscohort.definition.models import ModelSettings
from mscohort.study import Study
from mscohort.units import DAYS_PER_YEAR

#: The per-patient column of each covariate (``derive.outcomes``).
COVARIATE_COLUMNS = {"age": "age_at_index", "sex": "sex", "duration":
                     "duration_at_index_years", "baseline": "baseline_edss"}
DROPPED_SCHEMA = {"reason": pl.String, "patients": pl.Int64, "visits": pl.Int64}


@dataclass(frozen=True)
class TrajectoryData:
    """The visits of the model and what was left out (reason, patients, visits)."""

    visits: pl.DataFrame  #: patient_id, time, time_after, value, covariates, group
    dropped: pl.DataFrame
    outcome: str
    group: str

    @property
    def n_patients(self) -> int:
        return self.visits["patient_id"].n_unique()


#: How each outcome is named in tables, figures and the summary.
OUTCOME_LABELS = {"edss": "EDSS", "msss": "MSSS", "msfc_z": "MSFC z-score",
                  "rnfl": "RNFL (µm)"}


def _rnfl(study: Study, d: StudyDefinition) -> pl.DataFrame:
    """Per visit, the mean RNFL of the eyes scanned (optic-neuritis eyes as the definition
    says: any scan of the eye flagged; kept only with ``optic_neuritis_eyes = "include"``)."""
    scans = study.table("oct")
    if d.secondary.optic_neuritis_eyes != "include":
        on = scans.group_by("patient_id", "eye").agg(
            pl.col("optic_neuritis").fill_null(False).any().alias("_on"))
        scans = scans.join(on, on=["patient_id", "eye"], how="left").filter(~pl.col("_on"))
    return scans.group_by("patient_id", "date").agg(pl.col("rnfl_um").mean().alias("value"))


def _scores(study: Study, outcome: str, d: StudyDefinition | None) -> pl.DataFrame:
    d = d or StudyDefinition()
    if outcome == "edss":
        return study.table("edss").select("patient_id", "date", pl.col("edss").alias("value"))
    if outcome == "msfc_z":
        from mscohort.derive.msfc import msfc_scores

        return msfc_scores(study.table("msfc")).select("patient_id", "date",
                                                       pl.col("msfc_z").alias("value"))
    if outcome == "rnfl":
        return _rnfl(study, d)
    from mscohort.derive.outcomes import scored_edss

    return scored_edss(study, d).select("patient_id", "date", pl.col("msss").alias("value"))


def trajectory_data(study: Study, outcomes: pl.DataFrame, settings: ModelSettings,
                    definition: StudyDefinition | None = None) -> TrajectoryData:
    """The visits of the trajectory model (module docstring); ``definition``: the MSSS
    table and convention of ``outcome = "msss"`` (the same as the outcomes' MSSS)."""
    drops: list[tuple[str, int, int]] = []
    pts = outcomes.filter(pl.col("index_date").is_not_null()
                          & pl.col("excluded_reason").is_null())
    left = outcomes.height - pts.height
    if left:
        drops.append(("not analysed (excluded_reason) or no index date", left, 0))
    covs = [COVARIATE_COLUMNS[c] for c in settings.covariates]
    if settings.outcome == "msss" and "baseline" in settings.covariates:
        covs[covs.index("baseline_edss")] = "baseline_msss"
    group = settings.group
    keep = ["patient_id", "index_date", *dict.fromkeys(covs), *([group] if group else [])]
    pts = pts.select(keep)
    missing = pts.filter(pl.any_horizontal(pl.col(c).is_null() for c in keep[2:])) \
        if len(keep) > 2 else pts.clear()
    if missing.height:
        names = ", ".join(keep[2:])
        drops.append((f"missing a covariate or the group ({names})", missing.height, 0))
        pts = pts.join(missing.select("patient_id"), on="patient_id", how="anti")
    rows = _scores(study, settings.outcome, definition).join(pts, on="patient_id", how="inner")
    blank = rows.filter(pl.col("value").is_null())
    if blank.height:
        drops.append((f"no {settings.outcome} value", 0, blank.height))
        rows = rows.filter(pl.col("value").is_not_null())
    rows = rows.with_columns(((pl.col("date") - pl.col("index_date")).dt.total_days()
                              .cast(pl.Float64)).alias("_days"))
    early = rows.filter(pl.col("_days") < -settings.before_days)
    if early.height:
        drops.append((f"more than {settings.before_days:g} days before the index date "
                      "(models.before_days)", 0, early.height))
        rows = rows.filter(pl.col("_days") >= -settings.before_days)
    if settings.relapse_free_days > 0 and rows.height and settings.outcome != "rnfl":
        onsets = study.table("relapses").select("patient_id", "onset_date")
        near = rows.select("patient_id", "date").unique().join(
            onsets, on="patient_id", how="inner").filter(
            (pl.col("date") >= pl.col("onset_date"))
            & ((pl.col("date") - pl.col("onset_date")).dt.total_days()
               < settings.relapse_free_days)).select("patient_id", "date").unique()
        n_near = rows.join(near, on=["patient_id", "date"], how="semi").height
        if n_near:
            drops.append((f"less than {settings.relapse_free_days:g} days after a relapse "
                          "onset (models.relapse_free_days)", 0, n_near))
            rows = rows.join(near, on=["patient_id", "date"], how="anti")
    no_visit = pts.join(rows.select("patient_id").unique(), on="patient_id", how="anti")
    if no_visit.height:
        drops.append(("no assessment left", no_visit.height, 0))
    visits = rows.sort("patient_id", "date").with_columns(
        (pl.col("_days") / DAYS_PER_YEAR).alias("time")).with_columns(
        pl.col("time").clip(lower_bound=0.0).alias("time_after")).select(
        "patient_id", "date", "time", "time_after", "value", *keep[2:])
    if "sex" in visits.columns:
        visits = visits.with_columns((pl.col("sex") == "M").cast(pl.Float64).alias("sex"))
    dropped = pl.DataFrame(drops, schema=DROPPED_SCHEMA, orient="row")
    return TrajectoryData(visits, dropped, settings.outcome, group)


def count_data(outcomes: pl.DataFrame) -> pl.DataFrame:
    """One row per patient of the pooled relapse rates (``analyse.rates.relapse_population``):
    ``relapses_before``, ``years_before``, ``relapses_during``, ``years_during``."""
    from mscohort.analyse.rates import relapse_population

    return outcomes.filter(relapse_population())
