"""Derived columns of every assessment of a study: the scores as one table per source table.

``derived_edss`` (one row per EDSS assessment):

=====================  ===================================================================
column                 definition
=====================  ===================================================================
age_years              completed years from birth to the assessment
duration_years         completed years from disease onset to the assessment
msss                   global MSSS, Roxburgh 2005 table, standard convention
msss_reason            why ``msss`` is missing (``severity.Missing`` codes)
msss_updated           global MSSS, updated table of Manouchehrinia 2017, standard convention
msss_updated_reason    why ``msss_updated`` is missing
armss                  global ARMSS, Manouchehrinia 2017
armss_reason           why ``armss`` is missing
local_msss             local MSSS, ranked within this study's assessments
local_armss            local ARMSS, ranked within this study's assessments
irreversible_edss      lowest EDSS at this or any later assessment of the patient
edss_fs                EDSS derived from the FS and ambulation scores
edss_fs_reason         why ``edss_fs`` is missing
edss_fs_check          recorded EDSS vs ``edss_fs``: consistent, inconsistent, not_checked
=====================  ===================================================================

``derived_msfc``: the ``msfc`` table with the component means, z-scores and composite of
:func:`mscohort.derive.msfc.msfc_scores`.

Dates given to the month are used as the 15th (see the data model).
"""

from __future__ import annotations

import polars as pl

from mscohort.derive.edss_fs import edss_from_fs
from mscohort.derive.irreversible import irreversible_expr
from mscohort.derive.msfc import msfc_scores
from mscohort.derive.severity import (
    Convention,
    local_armss,
    local_msss,
    severity_detail,
)
from mscohort.derive.timing import completed_years_expr
from mscohort.study import Study

DERIVED_EDSS_COLUMNS = (
    "patient_id", "date", "edss", "age_years", "duration_years", "msss", "msss_reason",
    "msss_updated", "msss_updated_reason", "armss", "armss_reason", "local_msss",
    "local_armss", "irreversible_edss", "edss_fs", "edss_fs_reason", "edss_fs_check",
)


def msss_detail(study: Study, table: str = "roxburgh2005",
                convention: Convention = "standard") -> pl.DataFrame:
    """Each EDSS assessment (in the order of ``study.edss``) with its global MSSS and, where
    there is none, the reason: ``patient_id``, ``date``, ``edss``, ``msss``, ``msss_reason``.

    The one place an assessment's MSSS is computed: the store's ``derived_edss`` (Roxburgh
    2005 and Manouchehrinia 2017, standard convention) and the analysis (the study
    definition's ``[msss]`` table and convention) both call it.

    Notes
    -----
    Disease duration is completed years from onset to the assessment; the score is read
    from ``table`` by :func:`mscohort.derive.severity.severity_detail`.

    References
    ----------
    Roxburgh RHSR et al. Neurology 2005;64:1144-1151. Manouchehrinia A et al. Mult Scler
    2017;23:1938-1946.
    """
    edss = study.edss.select("patient_id", "date", "edss").join(
        study.patients.select("patient_id", "onset_date"), on="patient_id", how="left")
    years = edss.select(completed_years_expr(pl.col("onset_date"), pl.col("date"))).to_series()
    detail = severity_detail(edss["edss"], duration_years=years, table=table,
                             convention=convention)
    return edss.select("patient_id", "date", "edss").with_columns(
        detail["score"].alias("msss"), detail["missing_reason"].alias("msss_reason"))


def derive_edss(study: Study) -> pl.DataFrame:
    """One row per EDSS assessment with every derived score (see module docstring)."""
    edss = study.edss.join(
        study.patients.select("patient_id", "birth_date", "onset_date"), on="patient_id",
        how="left",
    ).with_columns(
        completed_years_expr(pl.col("birth_date"), pl.col("date")).alias("age_years"),
        completed_years_expr(pl.col("onset_date"), pl.col("date")).alias("duration_years"),
        irreversible_expr("edss"),
    )
    e, d, a = edss["edss"], edss["duration_years"], edss["age_years"]
    rox = msss_detail(study)
    upd = msss_detail(study, table="manouchehrinia2017")
    arm = severity_detail(e, age_years=a, table="armss2017")
    edss = edss.with_columns(
        rox["msss"], rox["msss_reason"],
        upd["msss"].alias("msss_updated"), upd["msss_reason"].alias("msss_updated_reason"),
        arm["score"].alias("armss"), arm["missing_reason"].alias("armss_reason"),
        pl.Series("local_msss", local_msss(e, d)).fill_nan(None),
        pl.Series("local_armss", local_armss(e, a)).fill_nan(None),
    )
    return edss_from_fs(edss).select(DERIVED_EDSS_COLUMNS).sort("patient_id", "date")


def derive_msfc(study: Study) -> pl.DataFrame:
    """The ``msfc`` table with its component means, z-scores and composite."""
    return msfc_scores(study.table("msfc"))


__all__ = ["DERIVED_EDSS_COLUMNS", "derive_edss", "derive_msfc", "msss_detail"]
