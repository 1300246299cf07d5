"""Multiple Sclerosis Functional Composite (MSFC) z-scores.

Each component is a z-score against the National MS Society Clinical Outcomes Assessment
Task Force reference population (Fischer et al. 1999), signed so that higher is better:

* Timed 25-foot walk: T25FW = mean of the two trials (s); ``z = -(T25FW - 9.5353) / 11.4058``.
* 9-hole peg test: per hand, the mean of its two trials (s); the 9-HPT score is the mean of
  the two hands' reciprocals, ``(1/dominant + 1/non-dominant) / 2``;
  ``z = (score - 0.0439) / 0.0101``.
* PASAT-3 (correct answers of 60): ``z = (PASAT - 45.0311) / 12.0771``.
* MSFC = the mean of the three z-scores; missing if any component is missing.

Tests not completed because of disability (MSFC Administration and Scoring Manual, Fischer
et al. 2001): a trial recorded at or over its time limit (T25FW 180 s, 9-HPT 300 s) or with the
manual's code 777 counts as not completed. A hand that could not complete the 9-HPT gets a
reciprocal of 0 (the worst possible) instead of a time. A T25FW that could not be completed
has no z-score (``t25fw_not_completed``), so the composite is missing, with the reason
stated. A component with one valid trial uses that trial.

References
----------
Fischer JS, Rudick RA, Cutter GR, Reingold SC. The Multiple Sclerosis Functional Composite
measure (MSFC): an integrated approach to MS clinical outcome assessment. Mult Scler
1999;5:244-250. Fischer JS et al. MSFC Administration and Scoring Manual, revised 2001.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mscohort.schema import MSFC_NOT_COMPLETED_CODE


@dataclass(frozen=True)
class MsfcReference:
    """Reference population of the z-scores and the not-completed rules."""

    t25fw_mean: float = 9.5353
    t25fw_sd: float = 11.4058
    nhpt_inverse_mean: float = 0.0439
    nhpt_inverse_sd: float = 0.0101
    pasat_mean: float = 45.0311
    pasat_sd: float = 12.0771
    t25fw_limit_s: float = 180.0
    nhpt_limit_s: float = 300.0
    not_completed_code: float = MSFC_NOT_COMPLETED_CODE
    name: str = "NMSS Task Force reference population (Fischer et al. 1999)"


TASK_FORCE = MsfcReference()


def _completed(col: str, limit: float, code: float) -> tuple[pl.Expr, pl.Expr]:
    """(valid time or null, flag: trial recorded as not completed)."""
    c = pl.col(col)
    failed = (c >= limit) | (c == code)
    return pl.when(c.is_not_null() & ~failed).then(c), failed.fill_null(False)


def _mean_of_trials(a: str, b: str, limit: float, code: float) -> tuple[pl.Expr, pl.Expr]:
    ta, fa = _completed(a, limit, code)
    tb, fb = _completed(b, limit, code)
    mean = pl.mean_horizontal(ta, tb)  # ignores nulls: one valid trial is used alone
    failed = (fa | fb) & ta.is_null() & tb.is_null()
    return mean, failed


def msfc_scores(msfc: pl.DataFrame, reference: MsfcReference = TASK_FORCE) -> pl.DataFrame:
    """Component times, z-scores and the composite for each row of the ``msfc`` table.

    Adds: ``t25fw_s``, ``nhpt_dom_s``, ``nhpt_nondom_s``, ``nhpt_inverse``, ``z_t25fw``,
    ``z_9hpt``, ``z_pasat``, ``msfc_z`` and ``msfc_missing_reason``.
    """
    r = reference
    t25, t25_failed = _mean_of_trials("t25fw_1_s", "t25fw_2_s", r.t25fw_limit_s,
                                      r.not_completed_code)
    dom, dom_failed = _mean_of_trials("nhpt_dom_1_s", "nhpt_dom_2_s", r.nhpt_limit_s,
                                      r.not_completed_code)
    non, non_failed = _mean_of_trials("nhpt_nondom_1_s", "nhpt_nondom_2_s", r.nhpt_limit_s,
                                      r.not_completed_code)
    inv_dom = pl.when(dom_failed).then(0.0).otherwise(1.0 / dom)
    inv_non = pl.when(non_failed).then(0.0).otherwise(1.0 / non)
    out = msfc.with_columns(
        t25.alias("t25fw_s"), dom.alias("nhpt_dom_s"), non.alias("nhpt_nondom_s"),
        ((inv_dom + inv_non) / 2).alias("nhpt_inverse"),
        t25_failed.alias("_t25_failed"),
    ).with_columns(
        (-(pl.col("t25fw_s") - r.t25fw_mean) / r.t25fw_sd).alias("z_t25fw"),
        ((pl.col("nhpt_inverse") - r.nhpt_inverse_mean) / r.nhpt_inverse_sd).alias("z_9hpt"),
        ((pl.col("pasat3") - r.pasat_mean) / r.pasat_sd).alias("z_pasat"),
    )
    reason = (
        pl.when(pl.col("_t25_failed")).then(pl.lit("t25fw_not_completed"))
        .when(pl.col("z_t25fw").is_null()).then(pl.lit("t25fw_missing"))
        .when(pl.col("z_9hpt").is_null()).then(pl.lit("nhpt_missing"))
        .when(pl.col("z_pasat").is_null()).then(pl.lit("pasat_missing"))
    )
    return out.with_columns(
        ((pl.col("z_t25fw") + pl.col("z_9hpt") + pl.col("z_pasat")) / 3).alias("msfc_z"),
        reason.alias("msfc_missing_reason"),
    ).drop("_t25_failed")
