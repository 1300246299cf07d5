"""Relapse end dates (``EventSettings.relapse_end_dates``): a relapse's own span bounds the
"after onset" part of ``relapse_to_bl``, ``relapse_to_event`` and ``relapse_to_conf``.

Definition (``docs/events/definitions.md``). With ``relapse_end_dates=True``, a visit on day t
is within the influence of a relapse with onset o and end date e when o <= t <= e, for each
of the three options whose "after" value is above 0; a relapse without an end date keeps
the day window (t - o < after). The "before" values (days before a relapse onset), the RAW
window (``relapse_assoc``), the PIRA windows (``relapse_indep``) and post-relapse
re-baselining (``relapse_rebl``) stay anchored to onsets.
"""

from __future__ import annotations

import numba
import numpy as np

#: Value of a visit inside an end-dated relapse: below every "after" window above 0.
INSIDE = 0.0


@numba.njit(cache=True)
def window_distance(offsets: np.ndarray, t: np.ndarray, roffsets: np.ndarray,
                    rt: np.ndarray, rend: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Per visit: 0 inside an end-dated relapse (onset to end, both included), else the days
    since the last onset, on or before the visit, of a relapse without an end date (inf
    when there is none). The scan compares it with the "after" windows."""
    out = np.empty(t.size)
    for p in range(offsets.size - 1):
        ro, nrel = roffsets[p], roffsets[p + 1] - roffsets[p]
        for i in range(offsets[p], offsets[p + 1]):
            day = t[i]
            dist = np.inf
            for r in range(ro, ro + nrel):
                if rt[r] > day:
                    continue
                if np.isnan(rend[r]):
                    dist = min(dist, day - rt[r])
                elif day <= rend[r]:
                    dist = INSIDE
            out[i] = dist
    return out
