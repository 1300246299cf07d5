"""The event scan over batches of patients in parallel threads (issue #23).

The compiled scan (:func:`.kernel.scan`) releases the GIL, so batches of whole patients run
at once on as many cores as :func:`numba.get_num_threads` allows (``NUMBA_NUM_THREADS``).
Each batch writes its own output arrays; they are joined in patient order, so the result is
the one a single scan gives. A scan that draws random numbers (``impute_last_visit``
strictly between 0 and 1) is batched too: each patient's draw is its own (:mod:`.draws`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import numba
import numpy as np

#: Fewer visits than this are scanned in one batch (threads cost more than they save).
MIN_PARALLEL_VISITS = 50_000


def batch_bounds(offsets: np.ndarray, n_batches: int) -> list[tuple[int, int]]:
    """Patient ranges ``[p0, p1)`` of about equal numbers of visits, in patient order."""
    npat = offsets.size - 1
    targets = np.linspace(0, offsets[-1], n_batches + 1)[1:-1]
    cuts = np.searchsorted(offsets, targets)
    edges = np.unique(np.r_[0, np.clip(cuts, 0, npat), npat])
    return [(int(a), int(b)) for a, b in pairwise(edges) if b > a]


def scan_in_batches(offsets: np.ndarray, roffsets: np.ndarray, draws: np.ndarray, nm: int,
                    run: Callable[..., tuple[int, int, int]]) -> tuple[np.ndarray, ...]:
    """Run ``run(offsets_slice, roffsets_slice, draws_slice, outputs...)`` per batch of
    patients and join the outputs (event and unconfirmed rows, patient numbers made global).
    ``draws``: each patient's uniform number (:mod:`.draws`), sliced with the patients.

    Returns ev_int, ev_val, ev_conf, ev_pconf, un_int, un_val (no trace rows).
    """
    threads = numba.get_num_threads()
    n_visits = int(offsets[-1]) if offsets.size else 0
    n_batches = 1 if threads < 2 or n_visits < MIN_PARALLEL_VISITS else threads
    bounds = batch_bounds(offsets, n_batches) if offsets.size > 1 else [(0, 0)]

    def one(p0: int, p1: int) -> tuple[np.ndarray, ...]:
        n = max(int(offsets[p1] - offsets[p0]), 1)
        ev_int = np.empty((n, 7), dtype=np.int64)
        ev_val = np.empty(n)
        ev_conf = np.empty((n, nm), dtype=np.int64)
        ev_pconf = np.empty((n, nm), dtype=np.int64)
        un_int = np.empty((n, 3), dtype=np.int64)
        un_val = np.empty(n)
        nev, nun, _ = run(offsets[p0:p1 + 1], roffsets[p0:p1 + 1], draws[p0:p1], ev_int,
                          ev_val, ev_conf, ev_pconf, un_int, un_val)
        ev_int, un_int = ev_int[:nev], un_int[:nun]
        ev_int[:, 0] += p0
        un_int[:, 0] += p0
        return ev_int, ev_val[:nev], ev_conf[:nev], ev_pconf[:nev], un_int, un_val[:nun]

    if len(bounds) == 1:
        return one(*bounds[0])
    with ThreadPoolExecutor(len(bounds)) as pool:
        parts = list(pool.map(lambda b: one(*b), bounds))
    return tuple(np.concatenate([part[i] for part in parts]) for i in range(6))


__all__ = ["batch_bounds", "scan_in_batches"]
