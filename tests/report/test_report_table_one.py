"""The Table 1 in gtsummary's layout (analyse/table_one.py, report/table_one_table.py),
against a hand calculation on six patients."""

from __future__ import annotations

import math

import polars as pl
import pytest
from scipy.stats import chi2, norm

from mscohort.analyse.table_one import OVERALL, Variable, table_one
from mscohort.report.table_one_table import INDENT, table_one_report

# A: F, F, M, ages 30, 40, 50; B: F, M, unknown sex, ages 35, 45, 55; X is excluded
OUTCOMES = pl.DataFrame({
    "patient_id": ["a1", "a2", "a3", "b1", "b2", "b3", "x"],
    "sex": ["F", "F", "M", "F", "M", None, "M"],
    "age_at_index": [30.0, 40.0, 50.0, 35.0, 45.0, 55.0, 20.0],
    "baseline_edss": [1.0, 2.0, 3.0, 4.0, 5.5, None, 9.0],
    "excluded_reason": [None, None, None, None, None, None, "no baseline"]})
GROUPS = pl.DataFrame({"patient_id": ["a1", "a2", "a3", "b1", "b2", "b3"],
                       "group": ["A", "A", "A", "B", "B", "B"]})
VARIABLES = (Variable("sex", "categorical", ("F", "M")), Variable("age_at_index", "mean"),
             Variable("baseline_edss", "median"))


@pytest.fixture(scope="module")
def t1():  # type: ignore[no-untyped-def]
    return table_one(OUTCOMES, GROUPS, VARIABLES)


def _cell(t1, variable: str, level: str, group: str) -> dict:  # type: ignore[no-untyped-def]
    return t1.cells.filter((pl.col("variable") == variable) & (pl.col("level") == level)
                           & (pl.col("group") == group)).row(0, named=True)


def test_table_one_counts_levels_of_known_values_and_unknowns_by_hand(t1) -> None:
    assert t1.groups == ("A", "B")
    # overall: 5 known sexes, F 3, M 2; one unknown (b3); the excluded patient is left out
    assert (_cell(t1, "sex", "F", OVERALL)["n"], _cell(t1, "sex", "F", OVERALL)["of"]) == (3, 5)
    assert _cell(t1, "sex", "Unknown", OVERALL)["n"] == 1
    assert _cell(t1, "sex", "Unknown", OVERALL)["of"] == 6
    assert (_cell(t1, "sex", "M", "B")["n"], _cell(t1, "sex", "M", "B")["of"]) == (1, 2)
    age = _cell(t1, "age_at_index", "", "A")
    assert age["mean"] == pytest.approx(40.0, abs=1e-6)
    assert age["sd"] == pytest.approx(10.0, abs=1e-6)  # sqrt((100 + 0 + 100) / 2)
    # median (Q1, Q3), linear interpolation (R type 7): 1, 2, 3, 4, 5.5 -> 3 (2, 4)
    edss = _cell(t1, "baseline_edss", "", OVERALL)
    assert (edss["median"], edss["q1"], edss["q3"]) == pytest.approx((3.0, 2.0, 4.0), abs=1e-6)
    assert _cell(t1, "baseline_edss", "Unknown", "B")["n"] == 1


def test_table_one_smd_and_tests_by_hand(t1) -> None:
    tests = {r["variable"]: r for r in t1.tests.iter_rows(named=True)}
    # continuous SMD: |40 - 45| / sqrt((10^2 + 10^2) / 2) = 0.5
    assert tests["age_at_index"]["smd"] == pytest.approx(0.5, abs=1e-6)
    # two levels: |pA - pB| / sqrt((pA(1-pA) + pB(1-pB)) / 2), pA = 2/3, pB = 1/2
    pa, pb = 2 / 3, 1 / 2
    assert tests["sex"]["smd"] == pytest.approx(
        abs(pa - pb) / math.sqrt((pa * (1 - pa) + pb * (1 - pb)) / 2), abs=1e-6)
    # Wilcoxon rank-sum with continuity correction (R wilcox.test(c(30,40,50), c(35,45,55),
    # exact = FALSE)): ranks of A 1, 3, 5 -> U = 9 - 6 = 3, E[U] = 4.5,
    # SD = sqrt(3 * 3 * 7 / 12), z = (|3 - 4.5| - 0.5) / SD
    z = (abs(3 - 4.5) - 0.5) / math.sqrt(3 * 3 * 7 / 12)
    assert tests["age_at_index"]["p"] == pytest.approx(2 * norm.sf(z), abs=1e-6)
    assert tests["age_at_index"]["test"] == "Wilcoxon rank-sum test"
    # Pearson chi-squared without correction on [[2, 1], [1, 1]] (the unknown left out)
    observed = [[2, 1], [1, 1]]
    rows, cols, n = [3, 2], [3, 2], 5
    stat = sum((observed[i][j] - rows[i] * cols[j] / n) ** 2 / (rows[i] * cols[j] / n)
               for i in range(2) for j in range(2))
    assert tests["sex"]["p"] == pytest.approx(chi2.sf(stat, 1), abs=1e-6)


def test_table_one_is_printed_with_headings_indented_levels_and_footnotes(toy, t1) -> None:
    _, analysis = toy
    table = table_one_report(t1, analysis)
    assert table.columns == ("Characteristic", "Overall, N = 6", "A, N = 3", "B, N = 3",
                             "SMD", "p")
    rows = {r[0]: r for r in table.rows}
    assert rows["Sex"][1:4] == ("", "", "")  # a variable heading
    assert rows[INDENT + "Female"][1:4] == ("3 (60%)", "2 (67%)", "1 (50%)")
    assert rows[INDENT + "Unknown"][1:4] == ("1", "0", "1")
    assert rows["Age at index (years)"][1:4] == ("42.5 ± 9.4", "40.0 ± 10.0", "45.0 ± 10.0")
    assert rows["Age at index (years)"][4] == "0.50"
    assert rows["Baseline EDSS"][1:4] == ("3.0 (2.0, 4.0)", "2.0 (1.5, 2.5)",
                                          "4.8 (4.4, 5.1)")
    assert "n (%); mean ± SD; median (Q1, Q3)" in table.footnotes[0]
    assert "Pearson's chi-squared test" in table.footnotes[1]
    assert "Wilcoxon rank-sum test" in table.footnotes[1]


def test_the_report_prints_table_one_after_the_seed_cohort_table(toy_report) -> None:
    from mscohort.report.sections import table_sections

    cohort = next(s for s in table_sections(toy_report) if s.id == "cohort")
    assert [(nt.number, nt.table.key) for nt in cohort.tables] == [(1, "cohort"),
                                                                   (2, "table_one")]
