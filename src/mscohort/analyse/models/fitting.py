"""Shared machinery of the models: warnings captured while fitting, Wald intervals of
linear combinations of coefficients, and the tidy table of estimates.

A Wald interval of c'b is c'b +/- z(0.975) sqrt(c' V c), V the covariance of b, and its
two-sided p-value 2 (1 - Phi(|c'b| / sqrt(c' V c))).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import numpy as np
import polars as pl
from scipy import stats

T = TypeVar("T")
Z = float(stats.norm.ppf(0.975))
ESTIMATE_SCHEMA = {"term": pl.String, "estimate": pl.Float64, "se": pl.Float64,
                   "ci_low": pl.Float64, "ci_high": pl.Float64, "p": pl.Float64}


@contextmanager
def captured(into: list[str]) -> Iterator[None]:
    """Collect every warning raised inside (as "Category: message", once each)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        text = f"{w.category.__name__}: {str(w.message).strip()}"
        if text not in into:
            into.append(text)


def run_captured(fn: Callable[[], T], into: list[str]) -> T | None:
    """``fn()`` with its warnings collected; an exception of the numerical engine becomes a
    message (the model is then reported as not fitted)."""
    with captured(into):
        try:
            return fn()
        except (np.linalg.LinAlgError, ValueError, FloatingPointError,
                ZeroDivisionError) as exc:
            into.append(f"{type(exc).__name__}: {exc}")
            return None


def wald_row(term: str, c: np.ndarray, b: np.ndarray, cov: np.ndarray,
             transform: Callable[[float], float] = float) -> dict[str, object]:
    """The estimate, SE, 95% interval and p of ``c'b`` (``transform``: e.g. ``math.exp``
    for a rate ratio; the SE stays on the model's scale)."""
    est = float(c @ b)
    var = float(c @ cov @ c)
    se = math.sqrt(var) if var >= 0 else float("nan")
    p = float(2 * stats.norm.sf(abs(est / se))) if se > 0 else None

    def safe(x: float) -> float:
        try:
            return transform(x)
        except OverflowError:  # exp of a diverging estimate: the bound is infinite
            return math.inf

    return {"term": term, "estimate": safe(est), "se": se,
            "ci_low": safe(est - Z * se), "ci_high": safe(est + Z * se), "p": p}


def estimate_table(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=ESTIMATE_SCHEMA, orient="row") if rows else \
        pl.DataFrame(schema=ESTIMATE_SCHEMA)
