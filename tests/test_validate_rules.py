"""Each validation rule, pinned by a short hand-written study that breaks only that rule."""

from __future__ import annotations

import polars as pl
import pytest

from mscohort.ingest import read_study
from mscohort.issues import RULES, Rule, Severity
from mscohort.validate import check_study
from tests.conftest import AS_OF, PATIENTS

P = "patient_id,sex,birth_date,onset_date\n"
E = "patient_id,date,edss\n"

# rule -> (tables written over the clean defaults, expected (file, row, column) of the issue)
CASES: dict[Rule, tuple[dict[str, str | None], tuple[str, int | None, str | None]]] = {
    Rule.MISSING_FILE: ({"edss": None}, ("edss.csv", None, None)),
    Rule.UNREADABLE_FILE: ({"edss": ""}, ("edss.csv", None, None)),
    Rule.MISSING_COLUMN: ({"edss": "patient_id,date\nP1,2010-01-01\n"}, ("edss.csv", None, "edss")),
    Rule.DUPLICATE_COLUMN: ({"edss": "patient_id,date,edss,EDSS\nP1,2010-01-01,3.0,3.0\n"},
                            ("edss.csv", None, "edss")),
    Rule.UNKNOWN_COLUMN: ({"edss": E.strip() + ",rater\nP1,2010-01-01,3.0,Dr A\n"},
                          ("edss.csv", None, "rater")),
    Rule.MISSING_VALUE: ({"edss": E + "P1,2010-01-01,\n"}, ("edss.csv", 2, "edss")),
    Rule.BAD_DATE: ({"edss": E + "P1,01/02/2010,3.0\n"}, ("edss.csv", 2, "date")),
    Rule.BAD_NUMBER: ({"edss": E + "P1,2010-01-01,3,5\n".replace("3,5", '"3,5"')},
                      ("edss.csv", 2, "edss")),
    Rule.BAD_BOOL: ({"patients": P.strip() + ",regular_corticosteroids\n"
                     "P1,F,1970-01-01,1995-01-01,sometimes\nP2,M,1980-06-15,2001-03-01,no\n"},
                    ("patients.csv", 2, "regular_corticosteroids")),
    Rule.BAD_CATEGORY: ({"patients": P + "P1,F,1970-01-01,1995-01-01\nP2,U,1980-06-15,"
                         "2001-03-01\n"}, ("patients.csv", 3, "sex")),
    Rule.UNKNOWN_DRUG: ({"treatments": "patient_id,drug,start_date\nP1,Gilenia,2009-01-01\n"},
                        ("treatments.csv", 2, "drug")),
    Rule.INVALID_EDSS: ({"edss": E + "P1,2010-01-01,0.5\n"}, ("edss.csv", 2, "edss")),
    Rule.OUT_OF_RANGE: ({"edss": E.strip() + ",fs_cerebral\nP1,2010-01-01,3.0,6\n"},
                        ("edss.csv", 2, "fs_cerebral")),
    Rule.FUTURE_DATE: ({"edss": E + "P1,2026-01-02,3.0\n"}, ("edss.csv", 2, "date")),
    Rule.DATE_TOO_EARLY: ({"patients": P + "P1,F,1899-12-31,1995-01-01\n"
                           "P2,M,1980-06-15,2001-03-01\n"}, ("patients.csv", 2, "birth_date")),
    Rule.IMPLAUSIBLE_VALUE: ({"msfc": "patient_id,date,t25fw_1_s\nP1,2010-01-01,240\n"},
                             ("msfc.csv", 2, "t25fw_1_s")),
    Rule.MONTH_PRECISION_DATE: ({"patients": P + "P1,F,1970-01,1995-01-01\n"
                                 "P2,M,1980-06-15,2001-03-01\n"},
                                ("patients.csv", 2, "birth_date")),
    Rule.DUPLICATE_PATIENT: ({"patients": PATIENTS + "P1,F,1970-01-01,1995-01-01\n"},
                             ("patients.csv", 4, "patient_id")),
    Rule.CONFLICTING_RECORD: ({"edss": E + "P1,2010-01-01,3.0\nP1,2010-01-01,3.5\n"},
                              ("edss.csv", 3, "edss")),
    Rule.DUPLICATE_ROW: ({"edss": E + "P1,2010-01-01,3.0\nP1,2010-01-01,3.0\n"},
                         ("edss.csv", 3, None)),
    Rule.UNKNOWN_PATIENT: ({"edss": E + "P9,2010-01-01,3.0\n"}, ("edss.csv", 2, "patient_id")),
    Rule.STOP_BEFORE_START: ({"treatments": "patient_id,drug,start_date,stop_date\n"
                              "P1,GA,2009-01-01,2008-12-31\n"},
                             ("treatments.csv", 2, "stop_date")),
    Rule.BEFORE_BIRTH: ({"edss": E + "P1,1969-12-31,3.0\n"}, ("edss.csv", 2, "date")),
    Rule.RELAPSES_TOO_CLOSE: ({"relapses": "patient_id,onset_date\nP1,2009-01-01\n"
                               "P1,2009-01-30\n"}, ("relapses.csv", 3, "onset_date")),
    Rule.EDSS_DURING_RELAPSE: ({"relapses": "patient_id,onset_date\nP1,2009-12-03\n"},
                               ("edss.csv", 2, "date")),
    Rule.ONSET_AFTER_FIRST_EDSS: ({"patients": P + "P1,F,1970-01-01,2010-06-01\n"
                                   "P2,M,1980-06-15,2001-03-01\n"},
                                  ("patients.csv", 2, "onset_date")),
}
# rules checked elsewhere: ambiguous and unused files (test_ingest), store conflicts
# (test_store), unknown SDTM test codes (interop/test_sdtm).
ELSEWHERE = {Rule.AMBIGUOUS_FILE, Rule.UNUSED_FILE, Rule.CONFLICTS_WITH_STORE,
             Rule.UNKNOWN_TEST_CODE, Rule.ASSUMED_ENCODING}  # the last: test_encoding
ELSEWHERE |= {Rule.DUPLICATE_KEY}  # the store's own key check: test_store_keys
ELSEWHERE |= {Rule.MAPPING_FILE_RENAMED}  # a mapping reused on a renamed file: test_mapping_reuse
# rules of other formats (tests/interop: REDCap, wide sheets, exports read back)
ELSEWHERE |= {Rule.MISSING_CODE, Rule.UNKNOWN_STOP_DATE, Rule.INCOMPLETE_FORM,
              Rule.CHECKBOX_CONFLICT, Rule.NUMBERING_GAP, Rule.EXCEL_SERIAL_DATE,
              Rule.DERIVED_FILE}


def test_every_rule_has_a_case() -> None:
    assert set(CASES) | ELSEWHERE == set(Rule)


def test_default_study_is_clean(write_study) -> None:
    _, report = check_study(read_study(write_study()), as_of=AS_OF)
    assert report.issues.height == 0


@pytest.mark.parametrize("rule", list(CASES), ids=str)
def test_rule_reports_file_row_and_column(rule: Rule, write_study) -> None:
    tables, (file, row, column) = CASES[rule]
    _, report = check_study(read_study(write_study(**tables)), as_of=AS_OF)
    hits = report.issues.filter(pl.col("rule") == str(rule))
    assert hits.height == 1, report.format_text()
    hit = hits.row(0, named=True)
    assert (hit["file"], hit["row"], hit["column"]) == (file, row, column)
    assert hit["severity"] == str(RULES[rule].severity)
    assert hit["message"] and hit["fix"]
    assert report.ok is (RULES[rule].severity is Severity.WARNING or report.n_errors == 0)


def test_edss_conflict_names_both_rows_and_the_values(write_study) -> None:
    folder = write_study(edss=E + "P1,2010-01-01,3.0\nP1,2010-01-01,3.5\n")
    _, report = check_study(read_study(folder), as_of=AS_OF)
    hit = report.errors.row(0, named=True)
    assert hit["value"] == "3.5"
    assert "row 2" in hit["message"] and "edss" in hit["message"]


def test_month_precision_date_is_the_fifteenth_with_its_precision_kept(write_study) -> None:
    folder = write_study(patients=P + "P1,F,1970-01,1995-02\nP2,M,1980-06-15,2001-03-01\n")
    study, report = check_study(read_study(folder), as_of=AS_OF)
    p1 = study.patients.filter(pl.col("patient_id") == "P1").row(0, named=True)
    assert str(p1["birth_date"]) == "1970-01-15" and p1["birth_date_precision"] == "month"
    assert str(p1["onset_date"]) == "1995-02-15" and p1["onset_date_precision"] == "month"
    assert report.warnings["rule"].to_list() == ["month_precision_date"] * 2


def test_month_precision_is_refused_where_a_full_date_is_needed(write_study) -> None:
    _, report = check_study(read_study(write_study(edss=E + "P1,2010-01,3.0\n")), as_of=AS_OF)
    assert report.errors["rule"].to_list() == ["bad_date"]


def test_event_in_the_birth_month_of_a_month_precision_birth_is_not_before_birth(
    write_study,
) -> None:
    folder = write_study(patients=P + "P1,F,1970-01,1970-01-03\nP2,M,1980-06-15,2001-03-01\n",
                         edss=E + "P1,1970-01-02,0\n")
    _, report = check_study(read_study(folder), as_of=AS_OF)
    assert "before_birth" not in report.issues["rule"].to_list()


def test_relapses_exactly_30_days_apart_are_separate(write_study) -> None:
    folder = write_study(relapses="patient_id,onset_date\nP1,2009-01-01\nP1,2009-01-31\n")
    _, report = check_study(read_study(folder), as_of=AS_OF)
    assert report.issues.height == 0


def test_edss_30_days_after_relapse_onset_is_not_flagged(write_study) -> None:
    folder = write_study(relapses="patient_id,onset_date\nP1,2009-12-02\n")
    _, report = check_study(read_study(folder), as_of=AS_OF)
    assert report.issues.height == 0


def test_edss_on_the_relapse_onset_day_is_flagged(write_study) -> None:
    folder = write_study(relapses="patient_id,onset_date\nP1,2010-01-01\n")
    _, report = check_study(read_study(folder), as_of=AS_OF)
    assert report.issues["rule"].to_list() == ["edss_during_relapse"]


@pytest.mark.parametrize("edss", ["0", "1", "1.0", "4.5", "9.5", "10"])
def test_valid_edss_steps_pass(edss: str, write_study) -> None:
    _, report = check_study(read_study(write_study(edss=E + f"P1,2010-01-01,{edss}\n")),
                            as_of=AS_OF)
    assert report.ok


@pytest.mark.parametrize("edss", ["0.5", "-1", "10.5", "3.25", "11"])
def test_invalid_edss_values_fail(edss: str, write_study) -> None:
    _, report = check_study(read_study(write_study(edss=E + f"P1,2010-01-01,{edss}\n")),
                            as_of=AS_OF)
    assert report.errors["rule"].to_list() == ["invalid_edss"]


def test_whole_number_columns_refuse_fractions(write_study) -> None:
    folder = write_study(edss=E.strip() + ",fs_visual\nP1,2010-01-01,3.0,2.5\n")
    _, report = check_study(read_study(folder), as_of=AS_OF)
    message = report.errors.row(0, named=True)["message"]
    assert message == "fs_visual must be a whole number; got 2.5"


def test_drug_synonyms_are_normalised(write_study) -> None:
    folder = write_study(treatments="patient_id,drug,start_date\nP1,Lemtrada,2009-01-01\n"
                         "P1,tysabri,2005-01-01\nP2,Gilenya®,2010-01-01\n")
    study, report = check_study(read_study(folder), as_of=AS_OF)
    assert report.ok
    assert sorted(study.table("treatments")["drug"]) == ["alemtuzumab", "fingolimod",
                                                         "natalizumab"]


def test_unknown_drug_suggests_the_closest_name(write_study) -> None:
    folder = write_study(treatments="patient_id,drug,start_date\nP1,Tysabry,2009-01-01\n")
    _, report = check_study(read_study(folder), as_of=AS_OF)
    assert "closest: natalizumab" in report.errors.row(0, named=True)["message"]


def test_categories_accept_documented_spellings(write_study) -> None:
    folder = write_study(
        patients=P.strip() + ",phenotype\nP1,female,1970-01-01,1995-01-01,spms\n"
        "P2,Male,1980-06-15,2001-03-01,RRMS\n",
        oct="patient_id,date,eye,rnfl_um\nP1,2010-01-01,right,90\nP1,2010-01-01,OS,88\n",
    )
    study, report = check_study(read_study(folder), as_of=AS_OF)
    assert report.ok, report.format_text()
    assert study.patients["sex"].to_list() == ["F", "M"]
    assert study.patients["phenotype"].to_list() == ["SPMS", "RRMS"]
    assert sorted(study.table("oct")["eye"]) == ["OD", "OS"]


def test_missing_tokens_are_missing_values(write_study) -> None:
    folder = write_study(edss=E.strip() + ",fs_visual\nP1,2010-01-01,3.0,NA\n")
    study, report = check_study(read_study(folder), as_of=AS_OF)
    assert report.ok and study.edss["fs_visual"].null_count() == 1


def test_validation_collects_issues_from_every_file(broken_dir) -> None:
    _, report = check_study(read_study(broken_dir), as_of=AS_OF)
    assert set(report.errors["file"]) == {"patients.csv", "edss.csv", "treatments.csv",
                                          "relapses.csv", "infusions.csv"}
    assert set(report.errors["rule"]) >= {
        "bad_date", "bad_category", "duplicate_patient", "conflicting_record", "invalid_edss",
        "out_of_range", "before_birth", "future_date", "unknown_patient", "bad_number",
        "unknown_drug", "stop_before_start", "missing_value",
    }
    assert report.errors.select(pl.col("row").is_null().sum()).item() == 0


def test_report_json_lists_every_issue_with_fixed_columns(broken_dir) -> None:
    import json

    _, report = check_study(read_study(broken_dir), as_of=AS_OF)
    data = json.loads(report.to_json())
    assert data["n_errors"] == report.n_errors and not data["ok"]
    assert list(data["issues"][0]) == ["file", "row", "patient_id", "column", "rule", "value",
                                       "severity", "message", "fix"]
    assert len(data["issues"]) == report.issues.height


def test_day_counts_in_messages_agree_in_number(write_study) -> None:
    # "is 1 days after" read badly (coordinator review): 1 day, 0 days, 29 days
    folder = write_study(relapses="patient_id,onset_date\nP1,2009-01-01\nP1,2009-01-02\n"
                                  "P1,2009-01-31\nP1,2010-01-01\n")
    _, report = check_study(read_study(folder), as_of=AS_OF)
    messages = report.issues.sort("row")["message"].to_list()
    assert any("relapse onset 2009-01-02 is 1 day after the onset at row" in m
               for m in messages), messages
    assert any("relapse onset 2009-01-31 is 29 days after the onset at row" in m
               for m in messages), messages
    assert any("is 0 days after the relapse onset of 2010-01-01" in m for m in messages), \
        messages
