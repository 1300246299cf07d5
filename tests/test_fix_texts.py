"""Every rule's fix text, as a coordinator reads it next to the issue, and the EDSS fixes
by cause (outside 0-10, 0.5, between two steps; Kurtzke 1983)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from mscohort.ingest import read_study
from mscohort.issues import EDSS_FIXES, RULES, Rule
from mscohort.validate import check_study
from mscohort.validate.parse import DECLARE_FIX
from tests.conftest import AS_OF
from tests.test_validate_rules import CASES, E

#: What to do, per rule, written out by hand: a changed fix text must change this table.
FIXES = {
    Rule.MISSING_FILE: "add the file, or name it in the mapping file",
    Rule.UNREADABLE_FILE: "save it as UTF-8 CSV, XLSX or Parquet",
    Rule.AMBIGUOUS_FILE: "keep one, or name the file in the mapping",
    Rule.UNUSED_FILE: "rename it after its table or map it",
    Rule.MAPPING_FILE_RENAMED: "nothing to do if that is the file; otherwise correct the "
                               "mapping's file",
    Rule.MISSING_COLUMN: "add the column or map your column name onto it",
    Rule.DUPLICATE_COLUMN: "keep one of them",
    Rule.UNKNOWN_COLUMN: "map it onto a canonical column, or ignore this warning",
    Rule.MISSING_VALUE: "fill in the value",
    Rule.BAD_DATE: "write the date as YYYY-MM-DD",
    Rule.BAD_NUMBER: "write a plain number, e.g. 3.5",
    Rule.BAD_BOOL: "write true/false, yes/no, y/n or 1/0",
    Rule.BAD_CATEGORY: "use one of the allowed values",
    Rule.UNKNOWN_DRUG: "use the suggested name or a known synonym",
    Rule.INVALID_EDSS: "use an EDSS step: 0, 1.0, 1.5, ..., 9.5, 10",
    Rule.OUT_OF_RANGE: "correct the value",
    Rule.FUTURE_DATE: "correct the date",
    Rule.MONTH_PRECISION_DATE: "give the full date if it is known",
    Rule.DUPLICATE_PATIENT: "keep one row per patient",
    Rule.CONFLICTING_RECORD: "keep the correct row",
    Rule.DUPLICATE_ROW: "delete the repeated row",
    Rule.UNKNOWN_PATIENT: "add the patient or correct the id",
    Rule.STOP_BEFORE_START: "correct either date",
    Rule.UNKNOWN_TEST_CODE: "add the test to the terms file, or remove the record",
    Rule.BEFORE_BIRTH: "correct the date or the birth date",
    Rule.CONFLICTS_WITH_STORE: "if the new value is a correction, import again with "
                               "--accept-changes --reason ... --by NAME (the stored value is "
                               "kept in the history); else correct the new row",
    Rule.DUPLICATE_KEY: "keep one row per key; report the case if validation passed it",
    Rule.RELAPSES_TOO_CLOSE: "check: a relapse is usually defined as >= 30 days after the "
                             "previous one",
    Rule.EDSS_DURING_RELAPSE: "check: such an EDSS may not reflect stable disability",
    Rule.ONSET_AFTER_FIRST_EDSS: "check the onset date",
    Rule.ASSUMED_ENCODING: "check that accented names read right, or save the file as UTF-8 "
                           "CSV",
    Rule.DATE_TOO_EARLY: "correct the date",
    Rule.IMPLAUSIBLE_VALUE: "check the value against the source record",
    Rule.MISSING_CODE: "nothing, if the value is unknown; declare the project's codes in the "
                       "mapping ([redcap] missing_codes)",
    Rule.UNKNOWN_STOP_DATE: "enter the stop date, or set [redcap] unknown_stop_date = "
                            "\"ongoing\" to import it as ongoing",
    Rule.INCOMPLETE_FORM: "complete and verify the form in REDCap, or set [redcap] "
                          "incomplete_forms = \"exclude\"",
    Rule.CHECKBOX_CONFLICT: "untick the wrong choice in REDCap",
    Rule.NUMBERING_GAP: "check that no block was deleted by mistake",
    Rule.EXCEL_SERIAL_DATE: "format the column as dates",
    Rule.DERIVED_FILE: "nothing to do",
}
#: Rules whose case in test_validate_rules has a more specific fix than the rule's.
CASE_FIXES = {Rule.INVALID_EDSS: EDSS_FIXES["half_point"],  # the case is EDSS 0.5
              Rule.BAD_DATE: DECLARE_FIX}  # the case is 01/02/2010: its format can be declared


def test_every_rule_has_its_fix_text() -> None:
    assert set(FIXES) == set(Rule)
    for rule, info in RULES.items():
        assert info.fix == FIXES[rule], rule


def test_the_validation_doc_shows_every_fix_text() -> None:
    text = (Path(__file__).parents[1] / "docs" / "validation.md").read_text()
    for rule, fix in FIXES.items():
        assert f"| `{rule}` |" in text and f"| {fix} |" in text, rule


@pytest.mark.parametrize("rule", list(CASES), ids=str)
def test_each_rule_case_reports_its_fix(rule: Rule, write_study) -> None:
    tables, _ = CASES[rule]
    _, report = check_study(read_study(write_study(**tables)), as_of=AS_OF)
    hit = report.issues.filter(pl.col("rule") == str(rule)).row(0, named=True)
    assert hit["fix"] == CASE_FIXES.get(rule, FIXES[rule])


@pytest.mark.parametrize(("edss", "fix"), [
    ("11", "EDSS runs from 0 to 10: correct the value (a typo, or a score of another scale?)"),
    ("-1", "EDSS runs from 0 to 10: correct the value (a typo, or a score of another scale?)"),
    ("10.5", "EDSS runs from 0 to 10: correct the value (a typo, or a score of another "
             "scale?)"),
    ("0.5", "0.5 is not an EDSS step: use 0 (normal examination) or 1.0 (no disability, "
            "minimal signs in one functional system)"),
    ("5.25", "EDSS moves in half points: use 5.0 or 5.5"),
    ("3.2", "EDSS moves in half points: use 3.0 or 3.5"),
    ("0.25", "EDSS moves in half points: use 0 or 1.0"),
    ("9.75", "EDSS moves in half points: use 9.5 or 10"),
])
def test_invalid_edss_fix_names_the_cause(edss: str, fix: str, write_study) -> None:
    _, report = check_study(read_study(write_study(edss=E + f"P1,2010-01-01,{edss}\n")),
                            as_of=AS_OF)
    hit = report.errors.row(0, named=True)
    assert (hit["rule"], hit["value"], hit["fix"]) == ("invalid_edss", edss, fix)
