"""Nearest-neighbour matching on the logit of the propensity score within a caliper.

Notes
-----
The rules are MatchIt 4.5's ``matchit(method = "nearest", distance = "glm",
link = "linear.logit", estimand = "ATT")`` (Ho, Imai, King & Stuart 2011), checked against
its output on a committed fixture (tests/data/r_matchit/):

* distance: the logit of the propensity score;
* caliper: ``caliper_sd`` times the standard deviation (denominator n - 1) of the distance
  over all episodes, treated and comparator together (MatchIt's ``std.caliper = TRUE``); a
  control is eligible when |d_t - d_c| <= caliper; ``caliper_sd = 0``: no caliper. Austin
  (2011) recommends 0.2 SD of the logit; the issue's default is 0.1;
* order (``m.order``): "largest" (treated episodes by decreasing distance, MatchIt's default
  with a propensity score), "smallest", or "data" (the order of the rows);
* 1:k without replacement is done in k rounds: every treated episode gets its first control
  before any gets its second; a treated episode without an eligible control in a round gets
  no more (MatchIt's rounds). With replacement each treated episode takes its k nearest
  eligible controls. Ties in distance go to the control first in row order (as MatchIt
  does for controls with equal scores; MatchIt compares distances after scaling, so that
  controls at equal distances on either side of a treated episode may be ordered by
  rounding there);
* treated episodes without a control within the caliper are dropped for lack of overlap;
* weights (MatchIt's, ATT): a matched treated episode weighs 1; a control weighs the sum over
  its matched sets of 1 / (controls in the set), then control weights are scaled to sum to
  the number of matched controls; unmatched episodes weigh 0.

References
----------
Austin PC. Optimal caliper widths for propensity-score matching when estimating differences
in means and differences in proportions in observational studies. Pharm Stat 2011;10:150-161.
Ho DE, Imai K, King G, Stuart EA. MatchIt: nonparametric preprocessing for parametric causal
inference. J Stat Softw 2011;42(8):1-28.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from mscohort.errors import bad_argument

ORDERS = ("largest", "smallest", "data")


@dataclass(frozen=True)
class Match:
    """The matched sets of a nearest-neighbour match (module Notes)."""

    pairs: pl.DataFrame  #: set_id, treated (row), control (row): one row per matched control
    weights: np.ndarray  #: MatchIt's matching weight of every row (0: unmatched)
    caliper: float  #: in units of the distance (nan: none)
    ratio: int
    replace: bool
    order: str

    @property
    def matched(self) -> np.ndarray:
        return self.weights > 0

    def dropped_treated(self, treat: np.ndarray) -> np.ndarray:
        """Rows of treated episodes without a control within the caliper."""
        return np.flatnonzero((np.asarray(treat) == 1) & ~self.matched)


class _Free:
    """Nearest free position to the left/right of a sorted array (union-find with path
    halving; ``left`` is shifted by one so that -1 is its sentinel)."""

    def __init__(self, n: int) -> None:
        # Python lists: scalar reads and writes in the matching loop are several times
        # faster than on numpy arrays
        self.right = list(range(n + 1))  # right[n]: the sentinel "none"
        self.left = list(range(n + 1))  # left[i + 1] for position i; left[0]: "none"

    def take(self, i: int) -> None:
        self.right[i] = i + 1
        self.left[i + 1] = i

    @staticmethod
    def _find(parent: list[int], j: int) -> int:
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    def find_right(self, i: int) -> int:
        """The first free position >= i (n: none)."""
        return self._find(self.right, i)

    def find_left(self, i: int) -> int:
        """The last free position <= i (-1: none)."""
        return self._find(self.left, i + 1) - 1


def _order(d_t: np.ndarray, order: str) -> np.ndarray:
    if order == "largest":
        return np.argsort(-d_t, kind="stable")
    if order == "smallest":
        return np.argsort(d_t, kind="stable")
    return np.arange(d_t.size)


def nearest_match(distance: np.ndarray, treat: np.ndarray, *, ratio: int = 1,
                  replace: bool = False, caliper_sd: float = 0.1, order: str = "largest"
                  ) -> Match:
    """Match every treated row (``treat == 1``) to ``ratio`` control rows (module Notes).

    Parameters
    ----------
    distance
        The logit of the propensity score of every row.
    treat
        1 for the treatment of interest, 0 for the comparator.
    """
    d = np.asarray(distance, dtype=float)
    t = np.asarray(treat)
    if d.ndim != 1 or t.shape != d.shape or not np.all(np.isfinite(d)):
        raise bad_argument("distance", "finite numbers, one per row of treat", d.shape)
    if not np.all((t == 0) | (t == 1)):
        raise bad_argument("treat", "0 or 1 for every row", np.unique(t).tolist())
    if not isinstance(ratio, int) or isinstance(ratio, bool) or ratio < 1:
        raise bad_argument("ratio", "a whole number >= 1", ratio)
    if not caliper_sd >= 0:
        raise bad_argument("caliper_sd", "a number >= 0", caliper_sd)
    if order not in ORDERS:
        raise bad_argument("order", "one of " + ", ".join(ORDERS), order)
    caliper = caliper_sd * float(np.std(d, ddof=1)) if caliper_sd > 0 else np.inf
    rows_t, rows_c = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    sort_c = np.lexsort((rows_c, d[rows_c]))  # by distance, then row
    cs, dc = rows_c[sort_c], d[rows_c][sort_c]
    seq = rows_t[_order(d[rows_t], order)]
    sets: list[tuple[int, int]] = []  # (treated row, control row)
    if replace:
        for i in seq:
            sets += [(int(i), int(cs[j])) for j in _k_nearest(dc, cs, d[i], ratio, caliper)]
    else:
        free = _Free(cs.size)
        # the insertion point of each treated distance and, per control position, the
        # first position of its distance, found once for all (the search is the same)
        sorted_c = _Sorted(dc.tolist(), cs.tolist(),
                           np.searchsorted(dc, dc, side="left").tolist())
        seq_l, x_l = seq.tolist(), d[seq].tolist()
        pos_l = np.searchsorted(dc, d[seq], side="left").tolist()
        active = [True] * len(seq_l)
        for _ in range(ratio):
            for k, i in enumerate(seq_l):
                if not active[k]:
                    continue
                j = _nearest_free(free, sorted_c, x_l[k], pos_l[k], caliper)
                if j < 0:
                    active[k] = False
                    continue
                free.take(j)
                sets.append((i, sorted_c.rows[j]))
    pairs = pl.DataFrame({"treated": [s[0] for s in sets], "control": [s[1] for s in sets]},
                         schema={"treated": pl.Int64, "control": pl.Int64})
    set_no = {int(i): k + 1 for k, i in enumerate(dict.fromkeys(pairs["treated"].to_list()))}
    pairs = pairs.with_columns(pl.col("treated").replace_strict(
        set_no, return_dtype=pl.Int64).alias("set_id")).select("set_id", "treated", "control")
    return Match(pairs, matching_weights(pairs, d.size), caliper if np.isfinite(caliper)
                 else float("nan"), ratio, replace, order)


@dataclass(frozen=True)
class _Sorted:
    """The controls by distance then row: distances, rows, and for each position the first
    position with the same distance (Python lists for the scalar loop)."""

    distances: list[float]
    rows: list[int]
    first_equal: list[int]


def _nearest_free(free: _Free, c: _Sorted, x: float, pos: int, caliper: float) -> int:
    """The nearest free control position within the caliper of distance ``x`` (``pos``:
    its insertion point on the left), -1 if none; equal distances in row order."""
    n = len(c.distances)
    right = free.find_right(pos) if pos < n else n
    left = free.find_left(pos - 1) if pos > 0 else -1
    if left >= 0:  # among equal distances the first free control in row order
        left = free.find_right(c.first_equal[left])
    best, best_gap = -1, math.inf
    for j in (left, right):
        if 0 <= j < n:
            gap = abs(c.distances[j] - x)
            if gap <= caliper and (gap < best_gap
                                   or (gap == best_gap and c.rows[j] < c.rows[best])):
                best, best_gap = j, gap
    return best


def _k_nearest(dc: np.ndarray, cs: np.ndarray, x: float, k: int, caliper: float
               ) -> list[int]:
    """The k nearest positions within the caliper; equal distances in row order."""
    pos = int(np.searchsorted(dc, x, side="left"))
    lo, hi = pos - 1, pos
    gaps: list[float] = []
    while len(gaps) < k and (lo >= 0 or hi < dc.size):
        gl = x - dc[lo] if lo >= 0 else np.inf
        gh = dc[hi] - x if hi < dc.size else np.inf
        if min(gl, gh) > caliper:
            break
        gaps.append(min(gl, gh))
        if gl < gh:
            lo -= 1
        else:
            hi += 1
    if not gaps:
        return []
    edge = gaps[-1]
    gl = x - dc[lo] if lo >= 0 else np.inf
    gh = dc[hi] - x if hi < dc.size else np.inf
    if min(gl, gh) > edge:  # no tie at the edge: the walk found them
        return [*range(lo + 1, hi)]
    # every position as near as the k-th (ties at the edge), then by distance and row
    a = int(np.searchsorted(dc, x - edge, side="left"))
    b = int(np.searchsorted(dc, x + edge, side="right"))
    near = np.arange(a, b)
    near = near[np.abs(dc[near] - x) <= edge]
    order = np.lexsort((cs[near], np.abs(dc[near] - x)))
    return near[order][:k].tolist()


def matching_weights(pairs: pl.DataFrame, n: int) -> np.ndarray:
    """MatchIt's ATT matching weights of ``n`` rows from the matched sets (module Notes)."""
    w = np.zeros(n)
    if pairs.height == 0:
        return w
    size = pairs.group_by("set_id").agg(pl.len().alias("k"))
    per = pairs.join(size, on="set_id").with_columns((1.0 / pl.col("k")).alias("share"))
    contrib = per.group_by("control").agg(pl.col("share").sum())
    ctrl = contrib["control"].to_numpy()
    share = contrib["share"].to_numpy()
    w[ctrl] = share * ctrl.size / share.sum()
    w[pairs["treated"].unique().to_numpy()] = 1.0
    return w
