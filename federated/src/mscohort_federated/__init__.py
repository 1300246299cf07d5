"""mscohort's study analysis as a vantage6 algorithm (docs/federated.md).

vantage6 finds the algorithm's functions at the top level of this package.
"""

from mscohort_federated.algorithm import (
    central_analysis,
    extract_outcomes,
    partial_contrasts,
    partial_counts,
    partial_cpoisson,
    partial_flow,
    partial_followup,
    partial_nbgroups,
    partial_negbin,
    partial_poisson,
    partial_secondary,
    partial_summary,
    partial_timepoints,
)

__all__ = ["central_analysis", "extract_outcomes", "partial_contrasts", "partial_counts",
           "partial_cpoisson",
           "partial_flow", "partial_followup", "partial_nbgroups", "partial_negbin",
           "partial_poisson",
           "partial_secondary", "partial_summary", "partial_timepoints"]
