"""MSFC outcomes per patient: baseline, follow-up, change and meaningful worsening.

Each assessment is scored by :func:`mscohort.derive.msfc.msfc_scores` (z-scores against the
NMSS Task Force reference population, Fischer et al. 1999). Baseline and follow-up
assessments follow the study's EDSS rules (:mod:`mscohort.derive.anchors`).

* **Change** = follow-up - baseline, for the composite z-score, each component z-score
  (T25FW, 9-HPT, PASAT-3; higher is better) and the raw PASAT-3 score.
* **Times**: T25FW = mean of its two trials (s); 9-HPT = mean of the two hands' mean times
  (s). **Percent change** = 100 x (follow-up / baseline - 1).
* **Meaningful worsening** (``t25fw_worsened``, ``nhpt_worsened``): a time at least
  ``worsening_percent`` (default 20%) longer than at baseline, or a test that could no longer
  be completed because of disability when it was at baseline. The 20% thresholds: Kaufman et
  al. 2000 (T25FW) and Feys et al. 2017 (9-HPT); both as used in trials (Cohen et al. 2012).
  ``msfc_worsened``: either worsened (true), both not (false), otherwise unknown.

References
----------
Kaufman M, Moyer D, Norton J. The significant change for the Timed 25-foot Walk in the
multiple sclerosis functional composite. Mult Scler 2000;6:286-290.
Feys P et al. The Nine-Hole Peg Test as a manual dexterity performance measure for multiple
sclerosis. Mult Scler 2017;23:711-720.
Cohen JA, Reingold SC, Polman CH, Wolinsky JS. Disability outcome measures in multiple
sclerosis clinical trials: current status and future prospects. Lancet Neurol
2012;11:467-476.
"""

from __future__ import annotations

import polars as pl

from mscohort.definition import StudyDefinition
from mscohort.derive.anchors import at_timepoint, baseline_followup
from mscohort.derive.msfc import msfc_scores

#: Scores with a baseline, follow-up and change column each.
MSFC_SCORES = ("msfc_z", "z_t25fw", "z_9hpt", "z_pasat", "pasat3")
#: Times (s) with a baseline, follow-up and percent change.
MSFC_TIMES = ("t25fw_s", "nhpt_s")


def _worsened(time: str, failed: str, percent: float) -> pl.Expr:
    bl, fu = pl.col(f"{time}_baseline"), pl.col(f"{time}_followup")
    fu_failed = pl.col(f"{failed}_followup").fill_null(False)
    slower = fu / bl - 1 >= percent / 100 - 1e-12
    return (pl.when(bl.is_null()).then(None).when(fu_failed).then(True)
            .when(fu.is_null()).then(None).otherwise(slower))


def msfc_outcomes(msfc: pl.DataFrame, index: pl.DataFrame, d: StudyDefinition) -> pl.DataFrame:
    """One row per patient with an index date and an MSFC record (module docstring)."""
    scored = msfc_scores(msfc).with_columns(
        ((pl.col("nhpt_dom_s") + pl.col("nhpt_nondom_s")) / 2).alias("nhpt_s"),
        (pl.col("msfc_missing_reason") == "t25fw_not_completed").fill_null(False)
        .alias("t25fw_failed"),
        (pl.col("nhpt_inverse").is_not_null()
         & (pl.col("nhpt_dom_s").is_null() | pl.col("nhpt_nondom_s").is_null()))
        .alias("nhpt_failed"))
    values = [*MSFC_SCORES, *MSFC_TIMES, "t25fw_failed", "nhpt_failed"]
    out = baseline_followup(scored, index, d, values)
    pct = d.secondary.worsening_percent
    out = out.with_columns(
        *((pl.col(f"{v}_followup") - pl.col(f"{v}_baseline")).alias(f"{v}_change")
          for v in MSFC_SCORES),
        *((100 * (pl.col(f"{v}_followup") / pl.col(f"{v}_baseline") - 1))
          .alias(f"{v.removesuffix('_s')}_percent_change") for v in MSFC_TIMES),
        _worsened("t25fw_s", "t25fw_failed", pct).alias("t25fw_worsened"),
        _worsened("nhpt_s", "nhpt_failed", pct).alias("nhpt_worsened"),
    ).with_columns(
        pl.when(pl.col("t25fw_worsened") | pl.col("nhpt_worsened")).then(True)
        .when(~pl.col("t25fw_worsened") & ~pl.col("nhpt_worsened")).then(False)
        .alias("msfc_worsened"))
    out = out.rename({"date_baseline": "msfc_date_baseline",
                      "date_followup": "msfc_date_followup"})
    for tp in d.timepoints:
        at = at_timepoint(scored, index, tp, ["msfc_z"]).drop(f"date_{tp.slug}")
        out = out.join(at, on="patient_id", how="left").with_columns(
            (pl.col(f"msfc_z_{tp.slug}") - pl.col("msfc_z_baseline"))
            .alias(f"msfc_z_change_{tp.slug}"))
    return out.drop([c for c in out.columns if "_failed_" in c])
