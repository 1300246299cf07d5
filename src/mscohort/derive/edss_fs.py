"""EDSS from functional-system (FS) scores and the ambulation score.

Follows the definitions of Kurtzke (1983) as operationalised by the Neurostatus scoring
definitions (version 04/10.2):

1. **Conversions.** Visual FS 6, 5, 4, 3, 2, 1 count as 4, 3, 3, 2, 2, 1; bowel/bladder FS 6,
   5, 4, 3, 2, 1 count as 5, 4, 3, 3, 2, 1. A cerebral FS of 1 (mood change only) counts as 0.
2. **Step from the FS** (fully ambulatory), with g the highest converted grade and n_k the
   number of FS at grade k:

   ====  ==========================================================  ====
   g     grades                                                      EDSS
   ====  ==========================================================  ====
   0     all 0                                                       0
   1     one FS 1 / more than one FS 1                               1.0 / 1.5
   2     one / two / three or four / five / six or more FS 2         2.0 / 2.5 / 3.0 / 3.5 / 4.0
   3     one FS 3 (others <= 1)                                      3.0
   3     one FS 3 + one or two FS 2; or two FS 3 (others <= 1)       3.5
   3     any other combination with FS 3 (exceeds 3.5)               4.0
   4     one FS 4 (others <= 1)                                      4.0
   4     one FS 4 with FS 2 or 3, or two or more FS 4 (exceeds 4.0)  5.0
   >= 5  any FS 5 or 6                                               5.0
   ====  ==========================================================  ====

3. **Ambulation** (Neurostatus ambulation score 0-12): scores 0-1 (fully ambulatory) keep the
   FS step; otherwise the EDSS is the higher of the FS step and 4.5 (score 2: >= 300 m),
   5.0 (3: >= 200 m), 5.5 (4: >= 100 m), 6.0 (5-7: < 100 m unaided, or with one or two aids
   over longer distances), 6.5 (8-9), 7.0 (10: wheelchair, transfers alone), 7.5 (11:
   wheelchair with help) or 8.0 (12: restricted to bed or chair). Steps 8.5 to 10 need
   information beyond the FS and ambulation scores: with score 12 the EDSS is "8.0 or more".

The check of a recorded EDSS (:func:`edss_from_fs`, column ``edss_fs_check``) is
``consistent`` when it equals the derived step (or is >= 8.0 with ambulation score 12),
``inconsistent`` otherwise, and ``not_checked`` when an FS is missing. Without an ambulation
score a recorded EDSS <= 4.0 (which implies full ambulation) is checked against the FS step;
a higher one is ``not_checked``.

References
----------
Kurtzke JF. Neurology 1983;33:1444-1452. Kappos L. Neurostatus scoring definitions,
version 04/10.2 (neurostatus.net).
"""

from __future__ import annotations

import numpy as np
import polars as pl

FS_COLUMNS = ("fs_pyramidal", "fs_cerebellar", "fs_brainstem", "fs_sensory",
              "fs_bowel_bladder", "fs_visual", "fs_cerebral")
VISUAL_CONVERSION = np.array([0, 1, 2, 2, 3, 3, 4])
BOWEL_BLADDER_CONVERSION = np.array([0, 1, 2, 3, 3, 4, 5])
#: EDSS floor set by each ambulation score (0 and 1: fully ambulatory, no floor)
AMBULATION_EDSS = np.array([0.0, 0.0, 4.5, 5.0, 5.5, 6.0, 6.0, 6.0, 6.5, 6.5, 7.0, 7.5, 8.0])


def fs_step(grades: np.ndarray) -> np.ndarray:
    """EDSS step implied by converted FS grades (rows: assessments, 7 columns)."""
    n = np.stack([(grades == k).sum(axis=1) for k in range(7)], axis=1)
    g = grades.max(axis=1)
    n1, n2, n3, n4 = n[:, 1], n[:, 2], n[:, 3], n[:, 4]
    two = np.select([n2 == 1, n2 == 2, n2 <= 4, n2 == 5], [2.0, 2.5, 3.0, 3.5], 4.0)
    three = np.select(
        [(n3 == 1) & (n2 == 0), (n3 == 1) & (n2 <= 2), (n3 == 2) & (n2 == 0)],
        [3.0, 3.5, 3.5], 4.0)
    four = np.where((n4 == 1) & (n3 == 0) & (n2 == 0), 4.0, 5.0)
    return np.select(
        [g == 0, g == 1, g == 2, g == 3, g == 4],
        [0.0, np.where(n1 == 1, 1.0, 1.5), two, three, four], 5.0)


def edss_from_fs(edss: pl.DataFrame) -> pl.DataFrame:
    """Add ``edss_fs`` (derived step), ``edss_fs_reason`` (why it is missing) and
    ``edss_fs_check`` (recorded vs derived) to a frame with the ``edss`` table's columns."""
    fs = np.column_stack([
        edss[c].cast(pl.Float64).fill_null(np.nan).to_numpy() if c in edss.columns
        else np.full(edss.height, np.nan) for c in FS_COLUMNS
    ])
    amb = (edss["fs_ambulation"].cast(pl.Float64).fill_null(np.nan).to_numpy()
           if "fs_ambulation" in edss.columns else np.full(edss.height, np.nan))
    recorded = edss["edss"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    fs_ok = np.isfinite(fs).all(axis=1)
    grades = np.where(np.isfinite(fs), fs, 0).astype(np.int64)
    grades[:, 4] = BOWEL_BLADDER_CONVERSION[np.clip(grades[:, 4], 0, 6)]
    grades[:, 5] = VISUAL_CONVERSION[np.clip(grades[:, 5], 0, 6)]
    grades[:, 6] = np.where(grades[:, 6] == 1, 0, grades[:, 6])
    step = fs_step(grades)
    amb_ok = np.isfinite(amb)
    amb_i = np.clip(np.where(amb_ok, amb, 0), 0, 12).astype(np.int64)
    derived = np.where(fs_ok & amb_ok, np.maximum(step, AMBULATION_EDSS[amb_i]), np.nan)
    reason = np.where(~fs_ok, 1, np.where(~amb_ok, 2, 0)).astype(np.int8)
    at_least_8 = amb_ok & (amb_i == 12)
    with np.errstate(invalid="ignore"):
        same = np.where(at_least_8, recorded >= 8.0, recorded == derived)
        no_amb_check = ~amb_ok & (recorded <= 4.0)
        same = np.where(no_amb_check, recorded == step, same)
    checkable = fs_ok & np.isfinite(recorded) & (amb_ok | no_amb_check)
    check = np.where(~checkable, 0, np.where(same, 1, 2)).astype(np.int8)
    return edss.with_columns(
        pl.Series("edss_fs", derived).fill_nan(None),
        pl.Series("edss_fs_reason", reason).replace_strict(
            {0: None, 1: "fs_missing", 2: "ambulation_missing"}, return_dtype=pl.String),
        pl.Series("edss_fs_check", check).replace_strict(
            {0: "not_checked", 1: "consistent", 2: "inconsistent"}, return_dtype=pl.String),
    )
