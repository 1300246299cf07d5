"""Clinical scores for scripts and notebooks: one import, vectorised functions.

>>> from mscohort import scores
>>> scores.msss([3.0, 6.5], [5, 12])              # Roxburgh 2005 global MSSS
array([5.79, 7.92])
>>> scores.armss([3.0], [40])                      # Manouchehrinia 2017 global ARMSS
array([5.78])

Each function accepts lists, numpy arrays, pandas or polars series and returns floats with
NaN where the score is undefined; :func:`severity_detail` says why. Definitions, sources and
conventions: ``docs/scores/``.
"""

from mscohort.derive.edss_fs import edss_from_fs, fs_step
from mscohort.derive.irreversible import irreversible
from mscohort.derive.msfc import TASK_FORCE, MsfcReference, msfc_scores
from mscohort.derive.severity import (
    Missing,
    armss,
    local_armss,
    local_msss,
    local_score,
    msss,
    severity_detail,
)
from mscohort.derive.timing import completed_years

__all__ = [
    "TASK_FORCE",
    "Missing",
    "MsfcReference",
    "armss",
    "completed_years",
    "edss_from_fs",
    "fs_step",
    "irreversible",
    "local_armss",
    "local_msss",
    "local_score",
    "msfc_scores",
    "msss",
    "severity_detail",
]
