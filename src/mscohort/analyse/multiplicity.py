"""Multiplicity: Holm's step-down adjustment of a family of p-values.

Holm (1979): order the m p-values p(1) <= ... <= p(m); the adjusted p(i) is
max over j <= i of min(1, (m - j + 1) p(j)). It controls the family-wise error rate under
any dependence and is uniformly more powerful than Bonferroni. A test that was not done
(p missing) is not counted in m and stays without an adjusted p.

The families of this analysis (``docs/analysis.md``): the paired tests other than the
primary endpoint, the within-group tests of the group tables, the between-group contrasts
(one family per adjustment) and the secondary outcomes' tests. The primary endpoint is a
single pre-named test and is not adjusted.

A family counts each hypothesis once (:func:`holm_distinct`): rows that are the same test
(two splits that put the same patients in the same groups give the same contrast,
:mod:`mscohort.analyse.same_tests`) share one place in m and one adjusted p.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np


def holm(p: Sequence[float | None]) -> list[float | None]:
    """Holm-adjusted p-values, in the order given (None where p is None)."""
    idx = [i for i, x in enumerate(p) if x is not None and not np.isnan(x)]
    out: list[float | None] = [None] * len(p)
    if not idx:
        return out
    values = np.array([p[i] for i in idx], dtype=float)
    m = values.size
    order = np.argsort(values, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * values[order]))
    for rank, k in enumerate(order):
        out[idx[k]] = float(adjusted[rank])
    return out


def holm_distinct(p: Sequence[float | None], test: Sequence[Hashable]) -> list[float | None]:
    """Holm over the distinct tests: the rows with the same ``test`` are one hypothesis,
    counted once in m with the p of its first row; every row of it gets that adjusted p."""
    first: dict[Hashable, int] = {}
    for i, t in enumerate(test):
        first.setdefault(t, i)
    once = holm([p[i] if first[t] == i else None for i, t in enumerate(test)])
    return [once[first[t]] for t in test]
