"""Which covariates separate the arms of a propensity model that cannot be fitted, and what
to do: the message of :class:`~mscohort.analyse.comparative.propensity.SeparationError`.

Notes
-----
Logistic regression has no maximum-likelihood estimate when a linear combination of the
terms separates the arms completely (every treated episode on one side of a hyperplane) or
quasi-completely (ties on it) (Albert & Anderson 1984). A fit then drifts towards fitted
probabilities of 0 or 1 (near-separation) or does not converge. The covariates named:

1. **one covariate alone** separates when the arms' ranges of its values do not overlap, or
   touch in one value: max(x | arm a) <= min(x | arm b) (a level indicator: all episodes
   with the level, or without it, in one arm, found before the fit);
2. else each covariate whose removal lets the model be fitted (no fitted probability within
   1e-10 of 0 or 1, convergence within the iteration limit): the separation needs it;
3. else none alone: the terms with the largest coefficients are named as the likely
   combination.

What to do: leave the covariate out of ``[comparison] covariates``, or narrow the
eligibility so that both arms share its values, or merge rare levels of a categorical one.

References
----------
Albert A, Anderson JA. On the existence of maximum likelihood estimates in logistic
regression models. Biometrika 1984;71:1-10.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mscohort.analyse.comparative.propensity import Design

ARMS = {1: "arm 1 (treated)", 0: "arm 0 (comparator)"}
WHAT_TO_DO = ("Leave {names} out of [comparison] covariates, or narrow the eligibility so "
              "that both arms share its values (merge rare levels of a categorical "
              "covariate).")


def _range_split(name: str, x: np.ndarray, y: np.ndarray) -> str | None:
    """How ``x`` alone separates the arms (rule 1 of the module Notes), or None."""
    for high in (1, 0):
        above, below = x[y == high], x[y != high]
        if above.min() >= below.max():
            tie = above.min() == below.max()
            return (f"every episode with {name} above {below.max():g} is in {ARMS[high]}, "
                    f"every one with {name} below {above.min():g} in {ARMS[1 - high]}"
                    + (f"; only episodes with {above.min():g} are in both" if tie else ""))
    return None


def univariate_separation(design: Design, y: np.ndarray) -> list[tuple[str, str]]:
    """(term, how) of each numeric term that alone separates the arms (module Notes, 1)."""
    found = []
    for j, name in enumerate(design.columns):
        if j == 0 or design.term_of[j] != name:  # the intercept, a level indicator
            continue
        how = _range_split(name, design.matrix[:, j], y)
        if how is not None:
            found.append((name, how))
    return found


def needed_terms(design: Design, y: np.ndarray,
                 fits: Callable[[np.ndarray, np.ndarray], bool]) -> list[str]:
    """Terms whose removal lets ``fits`` (the model without the term) succeed (module Notes,
    2)."""
    terms = list(dict.fromkeys(design.term_of[1:]))
    if len(terms) < 2:
        return []
    out = []
    for term in terms:
        keep = [j for j, t in enumerate(design.term_of) if t != term]
        if fits(design.matrix[:, keep], y):
            out.append(term)
    return out


def separation_message(problem: str, design: Design, y: np.ndarray, beta: np.ndarray,
                       fits: Callable[[np.ndarray, np.ndarray], bool]) -> str:
    """The error of a model that cannot be fitted: ``problem`` (the rule broken), the
    covariate(s) that separate and what to do (module Notes)."""
    head = (f"The propensity model cannot be fitted: {problem} (separation of the arms; "
            "Albert & Anderson 1984: the maximum-likelihood estimate does not exist). ")
    alone = univariate_separation(design, y)
    if alone:
        names = ", ".join(f"`{t}`" for t, _ in alone)
        return (head + "; ".join(f"`{t}` separates the arms alone: {how}" for t, how in alone)
                + ". " + WHAT_TO_DO.format(names=names))
    needed = needed_terms(design, y, fits)
    if needed:
        names = ", ".join(f"`{t}`" for t in needed)
        return (head + "The model can be fitted without "
                + " or without ".join(f"`{t}`" for t in needed) + ": "
                f"the separation needs {'it' if len(needed) == 1 else 'each of them'}. "
                + WHAT_TO_DO.format(names="one of " + names if len(needed) > 1 else names))
    big = np.argsort(-np.abs(beta[1:]))[:3] + 1
    names = ", ".join(f"`{design.columns[j]}`" for j in big)
    return (head + "No covariate alone separates the arms, nor does leaving one out end it; "
            f"the largest coefficients: {names}. " + WHAT_TO_DO.format(
                names="some of " + names))
