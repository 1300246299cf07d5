"""The row layout of a federated count model's rate ratio: the columns of the pooled
analysis' ``models_rate_ratios`` / ``models_between_groups`` rows
(:mod:`mscohort.analyse.models.counts`), shared by the conditional Poisson
(:mod:`mscohort_federated.cpoisson`) and the adjusted between-group model
(:mod:`mscohort_federated.nbgroups`)."""

from __future__ import annotations


def model_row(model: str, comparison: str, n: int, events: int, note: str | None = None,
              est: dict[str, object] | None = None) -> dict[str, object]:
    """One ratio row: the model, the comparison, its patients and events, and the estimate
    of ``est`` (a :func:`mscohort.analyse.models.fitting.wald_row`: ``estimate``,
    ``ci_low``, ``ci_high``, ``p``) or none with the ``note`` saying why."""
    out: dict[str, object] = {"model": model, "comparison": comparison, "n_patients": n,
                              "events": events, "ratio": None, "ci_low": None,
                              "ci_high": None, "p": None, "note": note, "status": "exact"}
    if est is not None:
        out |= {"ratio": est["estimate"], "ci_low": est["ci_low"], "ci_high": est["ci_high"],
                "p": est["p"]}
    return out
