"""The one label dictionary of the derived columns (definition/labels.py) and how a value of
each column is printed (analyse/formatting.column_value), read by the report, the web app
and the terminal."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from mscohort.analyse.formatting import column_value
from mscohort.analyse.secondary import oct_measures
from mscohort.definition import OUTCOME_COLUMNS
from mscohort.definition.labels import LABELS, column_label, heading
from mscohort.stratify.splits import by_band


def test_every_outcome_column_has_its_own_label() -> None:
    missing = [c for c in OUTCOME_COLUMNS if c not in LABELS]
    assert missing == []
    # no label is the internal name itself
    assert all(LABELS[c].label != c for c in OUTCOME_COLUMNS)


def test_headings_carry_the_typeset_unit() -> None:
    assert heading("arr_before") == "ARR before index (relapses/year)"
    assert heading("age_at_index") == "Age at index (years)"
    assert heading("baseline_edss") == "Baseline EDSS"
    # a column outside the dictionary is labelled from its name, µm typeset (U+00B5)
    assert heading("rnfl_um_change") == "RNFL change (\u00b5m)"
    assert column_label("gcipl_um_baseline").unit == "\u00b5m"


@pytest.mark.parametrize(("column", "value", "printed"), [
    ("baseline_edss", 5.5, "5.5"),          # EDSS one decimal, never "5.50"
    ("followup_edss", 6.0, "6.0"),
    ("edss_change", 0.5, "+0.5"),           # a change signed
    ("edss_change", -1.0, "-1.0"),
    ("edss_change", 0.0, "0.0"),            # no sign on zero
    ("baseline_msss", 6.49123, "6.49"),     # MSSS two decimals
    ("arr_before", 1.0, "1.00"),            # ARR two decimals
    ("age_at_index", 34.56, "34.6"),
    ("n_courses", 3, "3"),
    ("in_relapse_analysis", True, "yes"),
    ("index_date", dt.date(2012, 3, 4), "2012-03-04"),
    ("prior_window_drugs", ["FTY", "NAT"], "FTY; NAT"),
    ("excluded_reason", None, ""),
])
def test_column_values_print_at_the_measure_precision(column, value, printed) -> None:
    assert column_value(column, value) == printed


def test_band_split_rule_names_the_label_not_the_column() -> None:
    outcomes = pl.DataFrame({"patient_id": ["a", "b"], "baseline_edss": [2.0, 6.5],
                             "excluded_reason": [None, None], "edss_change": [0.0, 0.5]})
    split = by_band(outcomes, "baseline_edss", (0, 3, 6, 10))
    assert "baseline_edss" not in split.rule
    assert split.rule == "Baseline EDSS in bands 0 to <3, 3 to <6, 6 to 10"


def test_oct_measures_print_micrometres() -> None:
    names = [m.label for m in oct_measures(("rnfl_um",))]
    assert names == ["baseline RNFL (\u00b5m)", "change RNFL (\u00b5m)",
                     "annualised change RNFL (\u00b5m/year)"]
