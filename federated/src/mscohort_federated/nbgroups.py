"""The adjusted between-group negative binomial rate ratio, federated
(:func:`mscohort.analyse.models.counts.between_groups`).

The pooled model: on-treatment relapses (``relapses_during``) of the relapse population
with a known group (``[models] group``), NB2 with offset log ``years_during``, the first
group (alphabetical) as reference, adjusted for ``[models] group_adjust``; patients
without an adjustment value left out (and counted in a note); model-based errors (the
inverse expected information, as ``MASS::glm.nb``). Every sum of the fit is a sum over
patients (:func:`mscohort_federated.negbin.nb_sums`), so the central function runs the
same profile search as the before/after model (:func:`~mscohort_federated.negbin.
profile_search`: Fisher scoring of b at each alpha, Newton on the profile of log alpha) on
the centres' sums and writes the rows with the pooled analysis' own ``wald_row``,
``dispersion_row`` and row layout.

Rounds: 0. each centre's groups (category labels) with their patients, the patients left
out, events and person-years (the pooled start of the coefficients); 1. X'X of the
design (the pooled rank check: rank X = rank X'X); then the profile search.

At extraction the centre adds ``bg|group`` (the group's label) and ``bg|<column>`` (each
adjustment column) to its analysis frame.

Disclosure: a centre with 1 to ``min_cell_size`` - 1 patients in the model or in any group
suppresses the model (and the pooled rows with it); a count of 1 to 4 patients left out is
not released (the note says so).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import polars as pl

from mscohort.analyse.models.counts import NegBinFit, dispersion_row
from mscohort.analyse.models.fitting import wald_row
from mscohort.definition.models import ADJUST_COLUMNS
from mscohort_federated.combine import SUPPRESSED_TEXT
from mscohort_federated.disclosure import SUPPRESSED, is_suppressed, small
from mscohort_federated.model_rows import model_row
from mscohort_federated.negbin import _total, nb_sums, profile_search

MODEL = "negative binomial (adjusted)"
GROUP = "bg|group"

Ask = Callable[[dict[str, object]], list[dict[str, object]]]


def nbgroups_columns(outcomes: pl.DataFrame, group: str) -> dict[str, pl.Series]:
    """The per-patient columns of the module notes, in the order of ``outcomes``."""
    cols = {GROUP: (outcomes[group].cast(pl.String) if group
                    else pl.Series([None] * outcomes.height, dtype=pl.String))}
    for c in ADJUST_COLUMNS:
        if c in outcomes.columns:
            cols[f"bg|{c}"] = outcomes[c].cast(pl.Float64)
    return cols


def _complete(frame: pl.DataFrame, adjust: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    base = frame.filter(pl.col("relapse_population") & pl.col(GROUP).is_not_null())
    return base, base.drop_nulls([f"bg|{a}" for a in adjust])


def _design(complete: pl.DataFrame, levels: list[str], adjust: list[str]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    g = complete[GROUP].to_numpy()
    x = np.column_stack([np.ones(complete.height),
                         *((g == lev).astype(float) for lev in levels[1:]),
                         *(complete[f"bg|{a}"].to_numpy() for a in adjust)])
    y = complete["relapses_during"].cast(pl.Float64).to_numpy()
    return y, x, np.log(complete["years_during"].cast(pl.Float64).to_numpy())


def nbgroups_terms(frame: pl.DataFrame, adjust: list[str], levels: list[str] | None,
                   b: list[float] | None, log_alpha: float | None, k: int
                   ) -> dict[str, object]:
    """A centre's answer to one round (module notes)."""
    if GROUP not in frame.columns:
        return {"levels": [], "n": 0, "n_group": 0, "left_out": 0, "events": 0,
                "person_years": 0.0}
    base, complete = _complete(frame, adjust)
    sizes = [int(n) for n in base.group_by(GROUP).len()["len"]]
    complete_sizes = [int(n) for n in complete.group_by(GROUP).len()["len"]]
    if any(small(n, k) for n in [base.height, complete.height, *sizes, *complete_sizes]):
        return dict(SUPPRESSED)
    if levels is None:
        left = base.height - complete.height
        return {"levels": sorted(base[GROUP].unique().to_list()), "n": complete.height,
                "n_group": base.height,
                "left_out": dict(SUPPRESSED) if small(left, k) else left,
                "events": int(complete["relapses_during"].sum()),
                "person_years": float(complete["years_during"].sum())}
    y, x, offset = _design(complete, levels, adjust)
    if b is None:
        return {"n": complete.height, "xtx": (x.T @ x).tolist()}
    if complete.height == 0:
        return {"n": 0}
    return {"n": complete.height, "rows": int(y.size)} | nb_sums(y, x, offset, b, log_alpha)


def nbgroups_rounds(ask: Ask, group: str, adjust: list[str]) -> dict[str, object]:
    """The pooled rows: ``models_between_groups`` (rate ratio rows), ``models_between_
    groups_dispersion`` and ``models_between_groups_terms``, and ``rounds``."""
    rounds = {"n": 0}

    def counted(arguments: dict[str, object]) -> list[dict[str, object]]:
        rounds["n"] += 1
        return ask(arguments)

    def out(rows: list[dict[str, object]], disp: list[dict[str, object]] | None = None,
            terms: list[dict[str, object]] | None = None) -> dict[str, object]:
        return {"models_between_groups": rows, "models_between_groups_dispersion": disp or [],
                "models_between_groups_terms": terms or [], "rounds": rounds["n"]}

    first = counted({"levels": None, "b": None, "log_alpha": None})
    if any(is_suppressed(p) for p in first):
        return out([{"model": MODEL, "comparison": f"groups of {group or 'none'}",
                     "status": SUPPRESSED_TEXT}])
    levels = sorted({str(v) for p in first for v in p["levels"]})  # type: ignore[attr-defined]
    n = sum(int(p["n"]) for p in first)  # type: ignore[call-overload]
    events = sum(int(p["events"]) for p in first)  # type: ignore[call-overload]
    if len(levels) < 2:
        n_group = sum(int(p["n_group"]) for p in first)  # type: ignore[call-overload]
        return out([model_row(MODEL, f"groups of {group or 'none'}", n_group, 0,
                              "fewer than 2 groups: no comparison")])
    lefts = [p["left_out"] for p in first]
    note = None
    if any(is_suppressed(x) for x in lefts):
        note = f"patient(s) without {', '.join(adjust)} left out (number suppressed)"
    elif sum(int(x) for x in lefts):  # type: ignore[call-overload]
        note = f"{sum(int(x) for x in lefts)} patient(s) without {', '.join(adjust)} left out"  # type: ignore[call-overload]
    comps = [f"{lev} / {levels[0]}, on treatment" for lev in levels[1:]]
    names = ["(intercept)", *levels[1:], *adjust]
    xtx = _total(counted({"levels": levels, "b": None, "log_alpha": None}), "xtx")
    if np.linalg.matrix_rank(xtx) < len(names) or events == 0:
        return out([model_row(MODEL, c, n, events,
                              "no relapse or collinear covariates: no model") for c in comps])
    start = np.zeros(len(names))
    start[0] = math.log(max(events, 0.5) / sum(float(p["person_years"]) for p in first))  # type: ignore[arg-type]

    def fit_round(arguments: dict[str, object]) -> list[dict[str, object]]:
        return counted({"levels": levels} | arguments)

    found = profile_search(fit_round, start, n)
    cov = np.linalg.inv(_total(found.parts, "fisher"))
    alpha = math.exp(found.theta)
    fit = NegBinFit(names, found.b, cov, alpha, alpha * found.se_log, found.llf,
                    found.llf_poisson, found.pearson, n - len(names))
    k = len(names)
    rows = [model_row(MODEL, c, n, events, note,
                      wald_row(lev, np.eye(k)[i + 1], fit.params, fit.cov, math.exp))
            for i, (c, lev) in enumerate(zip(comps, levels[1:], strict=True))]
    terms = [wald_row(nm, np.eye(k)[i], fit.params, fit.cov, math.exp)
             for i, nm in enumerate(names)]
    return out(rows, [dispersion_row("negative binomial (between groups)", fit)], terms)
