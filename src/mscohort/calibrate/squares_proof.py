"""Proofs by sums of squared deviations that published means and SDs of overlapping groups
cannot all be printed by one cohort (no MSSS table, no EDSS, no solver).

The patients are split into *blocks* (those who share their memberships of the groups a
proof reads); block ``b`` has ``n_b`` patients, mean ``m_b`` and within-block sum of squared
deviations ``s_b >= 0`` (0 for one patient). A group ``g`` (a union of blocks, ``N_g``
patients) has mean ``M_g = sum n_b m_b / N_g`` and sum of squared deviations

    SS_g = sum_b s_b + sum_b n_b (m_b - M_g)^2          (b in g),

and a sample SD printed as published bounds it: ``(N_g - 1) lo^2 <= SS_g <= (N_g - 1) hi^2``
(``[lo, hi]`` the SD's printed-precision interval). With weights ``w_g`` (positive: the
lower bound is used; negative: the upper one)

    K = sum_g w_g (N_g - 1) e_g^2 <= sum_g w_g SS_g = sum_b c_b s_b + Q(m),

``e_g`` the end used, ``c_b = sum_{g contains b} w_g`` and ``Q`` the weighted between-block
terms, a quadratic in the block means. When no block of two or more patients has
``c_b > 0`` the ``s_b`` terms are at most 0, or at most ``c_b n_b / (n_b - 1) (m_b - x)^2``
when the block holds a group's published minimum or maximum ``x`` (the other ``n_b - 1``
balance its distance from the block mean, Cauchy-Schwarz). So if the largest value of the
right side over every block mean allowed by the published means is below ``K``, no cohort
prints those numbers together.

The largest value is exact (:func:`largest`): the right side is maximised first over the
block means with the group means fixed (it must be concave there, checked), which leaves a
quadratic in the published means; that one need not be concave, so its maximum over the box
of their printed intervals is taken over every face of the box (the largest value of a
quadratic on a box lies in the relative interior of some face, where it is a local maximum
of the face: a negative semidefinite Hessian and a zero gradient there).

References
----------
The decomposition of a sum of squares into within- and between-group parts: Fisher RA.
Statistical Methods for Research Workers, 1925 (analysis of variance). The seed's first and
third conflicts, proved this way: dataset README, "What an exact solver says about them".
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from mscohort.errors import bad_argument


@dataclass(frozen=True)
class Extreme:
    """A published minimum or maximum of a group, held by a patient of ``block``.

    Either ``end``, the end of its printed interval nearest the block's mean (a minimum's
    upper end, a maximum's lower end), bounds the block's spread: ``s_b >= n_b / (n_b - 1)
    (m_b - end)^2``, valid while the block mean lies beyond ``end`` (the bound is then
    maximised over every block mean: a larger set, so still an upper bound); or ``box``,
    the case where the block mean lies inside the printed interval itself (the block is
    that one patient, or its mean is no further than ``end``)."""

    block: str
    end: float = 0.0
    box: tuple[float, float] | None = None


@dataclass(frozen=True)
class Bound:
    """The outcome of :func:`largest`: ``k`` (the weighted SD ends) against ``largest`` (the
    most the block means can give); the numbers conflict when ``largest < k``."""

    k: float
    largest: float
    coefficients: Mapping[str, float]  #: ``c_b`` of every block

    @property
    def margin(self) -> float:
        return self.k - self.largest


def largest(blocks: Mapping[str, int], groups: Mapping[str, Sequence[str]],
            weights: Mapping[str, float], sd: Mapping[str, tuple[float, float]],
            means: Mapping[str, tuple[float, float]],
            extremes: Sequence[Extreme] = ()) -> Bound:
    """``K`` and the largest value of the right side (module notes) for blocks of the given
    sizes, groups as lists of blocks, SD weights ``weights`` (with the SD intervals ``sd``)
    and the printed-precision intervals ``means`` of the published means.

    Raises ``ValueError`` when a block of two or more patients has ``c_b > 0`` (its
    within-block spread is unbounded above) or the right side is not concave in the block
    means left free by the published means (no finite bound this way)."""
    names = list(blocks)
    for g, members in groups.items():
        unknown = [b for b in members if b not in blocks]
        if unknown:
            raise bad_argument(f"groups[{g!r}]", "a list of blocks", unknown)
    coef = {b: sum(w for g, w in weights.items() if b in groups[g]) for b in names}
    wide = [b for b, c in coef.items() if blocks[b] > 1 and c > 1e-12]
    if wide:
        raise bad_argument("weights", "at most 0 in sum over every block of two or more "
                           "patients", wide)
    size = len(names)
    h, lin, const = np.zeros((size, size)), np.zeros(size), 0.0
    for g, w in weights.items():
        n = np.array([blocks[b] if b in groups[g] else 0 for b in names], dtype=float)
        h += w * (np.diag(n) - np.outer(n, n) / n.sum())
    rows = [[blocks[b] / sum(blocks[x] for x in groups[g]) if b in groups[g] else 0.0
             for b in names] for g in means]
    lo, hi = [means[g][0] for g in means], [means[g][1] for g in means]
    for e in extremes:
        i = names.index(e.block)
        if e.box is not None:
            rows.append([1.0 if b == e.block else 0.0 for b in names])
            lo.append(e.box[0])
            hi.append(e.box[1])
        elif coef[e.block] < -1e-12 and blocks[e.block] > 1:
            k = coef[e.block] * blocks[e.block] / (blocks[e.block] - 1)
            h[i, i] += k
            lin[i] -= 2 * k * e.end
            const += k * e.end ** 2
    k_value = sum(w * (sum(blocks[b] for b in groups[g]) - 1) * (sd[g][0] if w > 0
                                                                 else sd[g][1]) ** 2
                  for g, w in weights.items())
    hy, gy, cy = _over_free(h, lin, const, np.array(rows))
    return Bound(float(k_value), _over_box(hy, gy, cy, np.array(lo), np.array(hi)), coef)


def _over_free(h: np.ndarray, g: np.ndarray, c: float, a: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, float]:
    """The largest ``z'hz + g'z + c`` over ``z`` with ``a z = y``, as a quadratic in ``y``."""
    if np.linalg.matrix_rank(a) < a.shape[0]:
        raise ValueError("the published means and boxed blocks are not independent")
    p = np.linalg.pinv(a)
    n = scipy.linalg.null_space(a)
    eig, vec = np.linalg.eigh(n.T @ h @ n)
    if eig.size and eig.max() > 1e-9:
        raise ValueError("not concave in the free block means: no bound this way")
    bent = eig < -1e-9
    slope_y = vec.T @ (2 * n.T @ h @ p)
    slope_0 = vec.T @ (n.T @ g)
    if np.abs(slope_y[~bent]).max(initial=0.0) > 1e-9 or \
            np.abs(slope_0[~bent]).max(initial=0.0) > 1e-9:
        raise ValueError("rises without end along a free block mean: no bound this way")
    lin = vec[:, bent] @ (-slope_y[bent] / (2 * eig[bent])[:, None])
    off = vec[:, bent] @ (-slope_0[bent] / (2 * eig[bent]))
    t, t0 = p + n @ lin, n @ off
    return t.T @ h @ t, t.T @ (2 * h @ t0 + g), float(t0 @ h @ t0 + g @ t0 + c)


def _over_box(h: np.ndarray, g: np.ndarray, c: float, lo: np.ndarray,
              hi: np.ndarray) -> float:
    """An upper bound on ``m'hm + g'm + c`` over the box ``[lo, hi]``, exact where the
    stationary point of each face is unique (module notes)."""
    best = -np.inf
    for face in itertools.product((0, 1, 2), repeat=len(lo)):
        fixed = [k for k in range(len(lo)) if face[k] < 2]
        free = [k for k in range(len(lo)) if face[k] == 2]
        m = np.where(np.array(face) == 0, lo, hi).astype(float)
        if free:
            eig, vec = np.linalg.eigh(h[np.ix_(free, free)])
            if eig.max() > 1e-9:
                continue  # no local maximum inside this face
            bent = np.abs(eig) > 1e-9
            slope = vec.T @ (2 * h[np.ix_(free, fixed)] @ m[fixed] + g[free])
            if np.abs(slope[~bent]).max(initial=0.0) > 1e-9:
                continue  # rises without end along a flat direction: none inside
            m[free] = vec[:, bent] @ (-slope[bent] / (2 * eig[bent]))
            if not _meets(m[free], vec[:, ~bent], lo[free], hi[free]):
                continue
        best = max(best, float(m @ h @ m + g @ m + c))
    return best


def _meets(point: np.ndarray, flat: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> bool:
    """Whether the stationary points ``point + flat u`` (the function is constant on them)
    meet the box ``[lo, hi]``: exact for none or one flat direction; with more, True (the
    value is then kept: still an upper bound, perhaps not the least)."""
    if flat.shape[1] == 0:
        return bool((point >= lo - 1e-12).all() and (point <= hi + 1e-12).all())
    if flat.shape[1] > 1:
        return True
    v = flat[:, 0]
    low, high = -np.inf, np.inf
    for p, d, a, b in zip(point, v, lo, hi, strict=True):
        if abs(d) < 1e-12:
            if p < a - 1e-12 or p > b + 1e-12:
                return False
            continue
        ends = sorted(((a - p) / d, (b - p) / d))
        low, high = max(low, ends[0]), min(high, ends[1])
    return low <= high + 1e-12
