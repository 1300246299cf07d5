"""Exact order statistics (medians, their intervals) by federated bisection over counts.

The r-th smallest of the pooled values is the smallest double x with C(x) >= r, where
C(x) = sum over centres of #{values <= x}. Doubles are ordered like the integers
:func:`order_key` maps them to (the IEEE 754 bit pattern, negative numbers mirrored), so
bisection over those integers finds x exactly in at most 64 halvings; each round asks the
centres for C at :data:`THRESHOLDS_PER_ROUND` points at once, cutting the interval
16-fold, so every order statistic is found in at most 16 rounds, all requests together.

The median is x_((n+1)/2) for odd n and (x_(n/2) + x_(n/2+1)) / 2 for even n (as numpy and
polars compute it); the order-statistic 95% interval takes the ranks of
:func:`mscohort.analyse.estimates.median_ci` from the binomial distribution of the pooled n.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

THRESHOLDS_PER_ROUND = 15
_LOW = -(2 ** 63)


def order_key(x: float) -> int:
    """An integer with the order of the doubles: x < y exactly when key(x) < key(y)."""
    b = struct.unpack("<q", struct.pack("<d", x))[0]
    return b if b >= 0 else _LOW - b - 1


def key_value(key: int) -> float:
    """The double of :func:`order_key` ``key``."""
    b = key if key >= 0 else _LOW - key - 1
    return struct.unpack("<d", struct.pack("<q", b))[0]


@dataclass
class _Search:
    target: dict[str, object]
    rank: int
    lo: int = order_key(-math.inf)
    hi: int = order_key(math.inf)

    def thresholds(self) -> list[int]:
        span = self.hi - self.lo
        if span <= THRESHOLDS_PER_ROUND:
            return list(range(self.lo, self.hi))
        step = span / (THRESHOLDS_PER_ROUND + 1)
        return sorted({self.lo + int(step * (i + 1)) for i in range(THRESHOLDS_PER_ROUND)})


#: ask(queries) -> one list per centre with, per query, {"n", "counts"} or suppressed
Ask = Callable[[list[dict[str, object]]], list[list[object]]]


def pooled_n(ask: Ask, targets: list[dict[str, object]]) -> list[int | None]:
    """Pooled size of each target's values (None when a centre suppressed it)."""
    answers = ask([t | {"thresholds": []} for t in targets])
    return [_total([c[i] for c in answers])[0] for i in range(len(targets))]


def _total(cells: list[object]) -> tuple[int | None, list[int]]:
    if any(isinstance(c, dict) and c.get("suppressed") for c in cells):
        return None, []
    n = sum(int(c["n"]) for c in cells)  # type: ignore[index]
    counts = np.sum([c["counts"] for c in cells], axis=0).tolist() if cells else []  # type: ignore[index]
    return n, counts


def order_statistics(ask: Ask, requests: list[tuple[dict[str, object], int]]
                     ) -> tuple[list[float], int]:
    """The ``rank``-th smallest pooled value of each (target, rank) request, and the number
    of rounds it took. Ranks must be within 1..n of the target."""
    searches = [_Search(t, r) for t, r in requests]
    rounds = 0
    while any(s.lo < s.hi for s in searches):
        active = [s for s in searches if s.lo < s.hi]
        keys = [s.thresholds() for s in active]
        queries = [s.target | {"thresholds": [key_value(k) for k in ks]}
                   for s, ks in zip(active, keys, strict=True)]
        answers = ask(queries)
        rounds += 1
        for i, (s, ks) in enumerate(zip(active, keys, strict=True)):
            _, counts = _total([c[i] for c in answers])
            for key, c in zip(ks, counts, strict=True):
                if c >= s.rank:
                    s.hi = min(s.hi, key)
                else:
                    s.lo = max(s.lo, key + 1)
    return [key_value(s.lo) for s in searches], rounds


def median_ranks(n: int) -> tuple[list[int], list[int]]:
    """The ranks of the median (one or two) and of its order-statistic 95% interval (none
    below 6 values), as :func:`mscohort.analyse.estimates.median_ci` takes them."""
    middle = [(n + 1) // 2] if n % 2 else [n // 2, n // 2 + 1]
    r = int(np.searchsorted(stats.binom.cdf(np.arange(n + 1), n, 0.5), 0.025, side="right"))
    return middle, ([r, n - r + 1] if r >= 1 else [])
