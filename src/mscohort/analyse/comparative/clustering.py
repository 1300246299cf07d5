"""The clusters of the robust errors of a comparison: matched set, patient, or both.

Notes
-----
* **Weighted designs** (IPT or overlap weights): one cluster per patient, since a patient
  may contribute several episodes (``episodes = "all"``).
* **Matched designs in which every patient appears once**: one cluster per matched set
  (Austin 2009; MatchIt's "Estimating Effects After Matching", the standard case).
* **Matched designs in which a patient appears more than once** (matching with
  replacement, a control episode reused across matched sets, or a patient with episodes of
  both drugs or several episodes of one): two-way clustering by matched set and by patient
  (Cameron, Gelbach and Miller 2011), as MatchIt's guide recommends after matching with
  replacement (following Austin and Cafri 2020, with ``get_matches()``' unit id: here the
  patient, so that every row of one patient is one cluster):
  V = V_set + V_patient - V_set*patient, each term the one-way sandwich of its clustering
  with its own small-sample factor G/(G-1):

  - rate models: ``sandwich::vcovCL(fit, cluster = ~set + patient, type = "HC1")`` (the
    HC1 factor (N-1)/(N-K) once on the whole);
  - Cox models: Austin and Cafri's estimator, (ks/(ks-1)) V_s + (ki/(ki-1)) V_i -
    (kc/(kc-1)) V_c, the V the ``coxph(cluster = )`` robust variances by set, by patient
    and by set and patient together (each row of ``get_matches()`` data).

  t intervals of the rate ratios use min(G_set, G_patient) - 1 degrees of freedom
  (Cameron, Gelbach and Miller 2011). Checked against R on a committed fixture
  (``tests/data/r_comparative/twoway.R``).

References
----------
Austin PC, Cafri G. Variance estimation when using propensity-score matching with
replacement with survival or time-to-event outcomes. Stat Med 2020;39:1623-1640.
Cameron AC, Gelbach JB, Miller DL. Robust inference with multiway clustering. J Bus Econ
Stat 2011;29:238-249.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from mscohort.analyse.comparative.cohort import ComparisonCohort


def codes(*keys: np.ndarray) -> np.ndarray:
    """Integer codes 0..G-1 of the distinct values (or combinations) of ``keys``."""
    code = np.unique(np.asarray(keys[0]), return_inverse=True)[1].reshape(-1)
    for key in keys[1:]:
        other = codes(key)
        code = np.unique(code.astype(np.int64) * (int(other.max()) + 1) + other,
                         return_inverse=True)[1].reshape(-1)
    return code


@dataclass(frozen=True)
class Clusters:
    """One or two clusterings of the rows of an outcome model (module Notes)."""

    ways: tuple[tuple[np.ndarray, int], ...]  #: (integer codes, sign +1/-1) of each term
    label: str  #: e.g. "matched set", "patient", "matched set and patient (two-way)"

    @property
    def n_clusters(self) -> int:
        """The smallest number of clusters among the positive terms (degrees of freedom
        G - 1 of the t intervals)."""
        return min(int(c.max()) + 1 if c.size else 0 for c, s in self.ways if s > 0)

    @classmethod
    def one_way(cls, key: np.ndarray, label: str) -> Clusters:
        return cls(((codes(key), 1),), label)

    @classmethod
    def two_way(cls, first: np.ndarray, second: np.ndarray, label: str) -> Clusters:
        return cls(((codes(first), 1), (codes(second), 1), (codes(first, second), -1)),
                   label)


def repeats_patients(cohort: ComparisonCohort) -> bool:
    """Whether a patient has more than one row in the cohort."""
    ids = cohort.episodes["patient_id"]
    return ids.n_unique() < ids.len()


def clusters_of(cohort: ComparisonCohort, table: pl.DataFrame) -> Clusters:
    """The clusters of the rows of ``table`` (rows of ``cohort``; module Notes)."""
    patients = table["patient_id"].cast(pl.Categorical).to_physical().to_numpy()
    if cohort.design == "match" and table["pair_id"].null_count() == 0:
        sets = table["pair_id"].to_numpy()
        if repeats_patients(cohort):
            return Clusters.two_way(sets, patients, "matched set and patient (two-way)")
        return Clusters.one_way(sets, "matched set")
    return Clusters.one_way(patients, "patient")


def summed(scores: np.ndarray, clusters: Clusters, adjust: bool = True) -> np.ndarray:
    """sum over the clusterings of sign c U'U, U the rows of ``scores`` summed by cluster
    and c = G/(G-1) (``adjust``) or 1: the meat of a (multiway) sandwich."""
    p = scores.shape[1]
    meat = np.zeros((p, p))
    for code, sign in clusters.ways:
        g = int(code.max()) + 1 if code.size else 0
        u = np.zeros((g, p))
        np.add.at(u, code, scores)
        c = (g / (g - 1) if g > 1 else float("nan")) if adjust else 1.0
        meat += sign * c * (u.T @ u)
    return meat
