"""OCT outcomes: retinal layer thickness per eye and per patient, its change and its rate.

* Per eye, the baseline and follow-up scans follow the study's rules
  (:mod:`mscohort.derive.anchors`); **change** = follow-up - baseline (um) and the
  **annualised change** = change / (years between the two scans, days / 365.25), for the
  peripapillary RNFL and, when recorded, the GCIPL.
* **Optic-neuritis eyes**: an eye any of whose scans has ``optic_neuritis`` true. Optic
  neuritis thins the RNFL by itself (about 20 um in 3-6 months, Costello et al. 2006), so
  the study definition excludes such eyes (``exclude``, the default), analyses them apart
  (``separate``: per-eye results in their own group, never averaged with the other eyes) or
  keeps them (``include``).
* Per patient: the mean over the patient's analysed eyes (``oct_eyes``) of the baseline,
  follow-up, change and annualised change: one value per patient for the paired tests,
  since the two eyes of a patient are not independent observations.

References
----------
Costello F et al. Quantifying axonal loss after optic neuritis with optical coherence
tomography. Ann Neurol 2006;59:963-969.
Petzold A et al. Optical coherence tomography in multiple sclerosis: a systematic review and
meta-analysis. Lancet Neurol 2010;9:921-932 (RNFL thinning in MS eyes with and without
optic neuritis).
"""

from __future__ import annotations

import polars as pl

from mscohort.definition import StudyDefinition
from mscohort.derive.anchors import baseline_followup
from mscohort.units import DAYS_PER_YEAR

LAYERS = ("rnfl_um", "gcipl_um")


def oct_eyes(oct_: pl.DataFrame, index: pl.DataFrame, d: StudyDefinition) -> pl.DataFrame:
    """One row per patient and eye with an index date: ``eye_group`` ("all eyes",
    "optic-neuritis eyes" or "eyes without optic neuritis"), ``optic_neuritis``, the baseline
    and follow-up scans and, per layer, ``<layer>_change`` and ``<layer>_change_per_year``.
    Excluded optic-neuritis eyes are left out."""
    on = oct_.group_by("patient_id", "eye").agg(
        pl.col("optic_neuritis").fill_null(False).any().alias("optic_neuritis"))
    eyes = baseline_followup(oct_, index, d, list(LAYERS), by=("patient_id", "eye")).join(
        on, on=("patient_id", "eye"), how="left")
    years = (pl.col("date_followup") - pl.col("date_baseline")).dt.total_days() / DAYS_PER_YEAR
    eyes = eyes.with_columns(
        *((pl.col(f"{v}_followup") - pl.col(f"{v}_baseline")).alias(f"{v}_change")
          for v in LAYERS),
        years.alias("oct_years"),
    ).with_columns(
        (pl.col(f"{v}_change") / pl.col("oct_years")).alias(f"{v}_change_per_year")
        for v in LAYERS)
    mode = d.secondary.optic_neuritis_eyes
    if mode == "exclude":
        eyes = eyes.filter(~pl.col("optic_neuritis"))
    group = (pl.lit("all eyes") if mode == "include" else
             pl.when(pl.col("optic_neuritis")).then(pl.lit("optic-neuritis eyes"))
             .otherwise(pl.lit("eyes without optic neuritis")))
    return eyes.with_columns(group.alias("eye_group")).sort("patient_id", "eye")


def oct_outcomes(oct_: pl.DataFrame, index: pl.DataFrame, d: StudyDefinition
                 ) -> pl.DataFrame:
    """One row per patient: the mean over the analysed eyes (optic-neuritis eyes only when
    the definition includes them) with a baseline and a follow-up scan."""
    eyes = oct_eyes(oct_, index, d).filter(
        (pl.col("eye_group") != "optic-neuritis eyes") & pl.col("oct_years").is_not_null()
        & (pl.col("oct_years") > 0))
    cols = [f"{v}_{s}" for v in LAYERS
            for s in ("baseline", "followup", "change", "change_per_year")]
    return eyes.group_by("patient_id", maintain_order=True).agg(
        pl.len().alias("oct_eyes"), pl.col("oct_years").mean(), *(pl.col(c).mean()
                                                                for c in cols))
