"""Disclosure control at the centre: the minimum cell size and the node's policy.

* A **cell** is any count a partial result carries (a group's patients, a measure's values,
  a category, events in a relapse group). A count ``n`` with ``0 < n < k`` is returned as
  ``{"suppressed": True}`` instead of the count and everything computed from the same
  patients (Statistics Netherlands' and the ONS's threshold rule; a common k is 5 or 10).
* ``k`` is the larger of the task's ``min_cell_size`` and the node's own
  ``MSCOHORT_MIN_CELL_SIZE`` (an environment variable the node gives its algorithm
  containers, read as vantage6 encodes them): a researcher
  may ask for more protection, never for less than the centre set.
* Ranges (minimum, maximum) name single patients' values: they leave a centre only when the
  node sets ``MSCOHORT_ALLOW_RANGES=1``.
* Count queries for the exact median (:mod:`mscohort_federated.bisection`) can be turned off
  by a node with ``MSCOHORT_MEDIAN_QUERIES=0``; medians are then "suppressed".
"""

from __future__ import annotations

from vantage6.algorithm.tools.util import get_env_var

DEFAULT_MIN_CELL_SIZE = 5
SUPPRESSED = {"suppressed": True}


def node_policy(requested: int = DEFAULT_MIN_CELL_SIZE) -> dict[str, object]:
    """The effective policy of this node for a task asking for ``requested``."""
    if isinstance(requested, bool) or not isinstance(requested, int) or requested < 1:
        raise ValueError(f"`min_cell_size` must be an integer >= 1; got {requested!r}.")
    node = get_env_var("MSCOHORT_MIN_CELL_SIZE", str(DEFAULT_MIN_CELL_SIZE))
    try:
        node_k = int(node)
    except ValueError:
        raise ValueError(f"`MSCOHORT_MIN_CELL_SIZE` must be an integer >= 1; got {node!r}."
                         ) from None
    return {"min_cell_size": max(requested, node_k),
            "ranges": get_env_var("MSCOHORT_ALLOW_RANGES", "0") == "1",
            "median_queries": get_env_var("MSCOHORT_MEDIAN_QUERIES", "1") != "0"}


def small(n: int, k: int) -> bool:
    """True when a count must not leave the centre: ``0 < n < k``."""
    return 0 < n < k


def is_suppressed(cell: object) -> bool:
    return isinstance(cell, dict) and cell.get("suppressed") is True
