"""Holm-adjusted p-values of the federated tests, over the pooled analysis' families.

The families are :mod:`mscohort.analyse.primary`'s: the paired tests other than the
primary endpoint (``tests``), the within-group tests of every group table taken together
(``tables``) and the between-group contrasts, one family per adjustment (``contrasts,
<adjustment>``); the adjustment is :func:`mscohort.analyse.multiplicity.holm` (Holm
1979). A test a centre suppressed has no p-value, so it is **out of the family**: m counts
only the tests done, and the adjusted p-values of a family with suppressed tests are
smaller than the pooled analysis' would be. ``multiplicity`` says, per family, how many
tests it holds and how many were left out as suppressed. The secondary outcomes are not
federated (docs/federated.md), nor their family.
"""

from __future__ import annotations

from mscohort.analyse.multiplicity import holm
from mscohort.analyse.primary import primary_measure
from mscohort.definition import StudyDefinition
from mscohort_federated.combine import SUPPRESSED_TEXT

#: The p-value column of each family's frame.
FAMILIES = {"tests": "paired tests", "tables": "group tables"}


def _suppressed_tests(rows: list[dict[str, object]], signed: set[str]) -> int:
    """Rows that would carry a test but were suppressed (tables: the change measures)."""
    return sum(1 for r in rows if r.get("status") == SUPPRESSED_TEXT
               and (not signed or r.get("measure") in signed))


def with_holm(result: dict[str, object], d: StudyDefinition) -> dict[str, object]:
    """``result`` with ``role`` on the paired tests, ``p_holm`` on the tests and the table
    rows, and a ``multiplicity`` frame (family, tests, suppressed, note)."""
    primary = primary_measure(d)
    tests = [dict(r) for r in result["tests"]]  # type: ignore[attr-defined]
    for r in tests:
        r["role"] = "primary" if r["measure"] == primary else "exploratory"
    p = [None if r["role"] == "primary" else r.get("p_t") for r in tests]
    for r, adjusted in zip(tests, holm(p), strict=True):
        r["p_holm"] = adjusted
    tables = [dict(r) for r in result["tables"]]  # type: ignore[attr-defined]
    for r, adjusted in zip(tables, holm([r.get("p_t") for r in tables]), strict=True):
        r["p_holm"] = adjusted
    family_rows = []
    for key, rows, signed in (("tests", [r for r in tests if r["role"] != "primary"], set()),
                              ("tables", tables, {"change EDSS", "change MSSS"})):
        done = sum(1 for r in rows if r.get("p_holm") is not None)
        left = _suppressed_tests(rows, signed)
        family_rows.append({
            "family": FAMILIES[key], "tests": done, "suppressed": left,
            "note": (f"{left} suppressed test(s) out of the family: m = {done}, adjusted "
                     "p-values smaller than a pooled analysis' would be" if left else
                     "the family of the pooled analysis")})
    contrasts = [dict(r) for r in result.get("contrasts", [])]  # type: ignore[attr-defined]
    adjustments: list[str] = []
    for r in contrasts:
        if r.get("adjustment") and r["adjustment"] not in adjustments:
            adjustments.append(r["adjustment"])
    left = sum(1 for r in contrasts if r.get("status") == SUPPRESSED_TEXT)
    for a in adjustments:
        rows = [r for r in contrasts if r.get("adjustment") == a]
        for r, adjusted in zip(rows, holm([r.get("p") for r in rows]), strict=True):
            r["p_holm"] = adjusted
        family_rows.append({
            "family": f"contrasts, {a}", "tests": sum(r["p_holm"] is not None for r in rows),
            "suppressed": left,
            "note": (f"{left} suppressed split(s) and measure(s) out of the family" if left
                     else "the family of the pooled analysis")})
    if result.get("median_followup") is None:
        family_rows[1]["note"] += ("; the follow-up cohorts' table is suppressed (no pooled "
                                   "median follow-up): its tests are out of the family")
    return result | {"tests": tests, "tables": tables, "contrasts": contrasts,
                     "multiplicity": family_rows}
