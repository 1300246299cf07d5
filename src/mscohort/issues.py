"""Validation rules as data: one reason code per rule, its severity and what to do.

Shared by ingest (file-level problems) and validate (row-level problems). Every issue is a
row of one table with fixed columns (:data:`ISSUE_SCHEMA`), so a clinician can fix the
source in one pass and a program can read the report as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import polars as pl


class Severity(StrEnum):
    ERROR = "error"  #: blocks import
    WARNING = "warning"  #: reported; the data are imported as documented
    NOTE = "note"  #: for information: something recognised and handled as documented


class Rule(StrEnum):
    """Reason codes of every validation rule (documented in ``docs/validation.md``)."""

    # files and columns
    MISSING_FILE = "missing_file"
    UNREADABLE_FILE = "unreadable_file"
    AMBIGUOUS_FILE = "ambiguous_file"
    UNUSED_FILE = "unused_file"
    MAPPING_FILE_RENAMED = "mapping_file_renamed"
    MISSING_COLUMN = "missing_column"
    DUPLICATE_COLUMN = "duplicate_column"
    UNKNOWN_COLUMN = "unknown_column"
    # values
    MISSING_VALUE = "missing_value"
    BAD_DATE = "bad_date"
    BAD_NUMBER = "bad_number"
    BAD_BOOL = "bad_bool"
    BAD_CATEGORY = "bad_category"
    UNKNOWN_DRUG = "unknown_drug"
    INVALID_EDSS = "invalid_edss"
    OUT_OF_RANGE = "out_of_range"
    FUTURE_DATE = "future_date"
    DATE_TOO_EARLY = "date_too_early"
    IMPLAUSIBLE_VALUE = "implausible_value"
    MONTH_PRECISION_DATE = "month_precision_date"
    # records
    DUPLICATE_PATIENT = "duplicate_patient"
    CONFLICTING_RECORD = "conflicting_record"
    DUPLICATE_ROW = "duplicate_row"
    UNKNOWN_PATIENT = "unknown_patient"
    STOP_BEFORE_START = "stop_before_start"
    BEFORE_BIRTH = "before_birth"
    CONFLICTS_WITH_STORE = "conflicts_with_store"
    DUPLICATE_KEY = "duplicate_key"
    UNKNOWN_TEST_CODE = "unknown_test_code"
    # clinical plausibility
    RELAPSES_TOO_CLOSE = "relapses_too_close"
    EDSS_DURING_RELAPSE = "edss_during_relapse"
    ONSET_AFTER_FIRST_EDSS = "onset_after_first_edss"
    # other formats (REDCap, wide sheets, mscohort exports): docs/interoperability.md
    MISSING_CODE = "missing_code"
    UNKNOWN_STOP_DATE = "unknown_stop_date"
    INCOMPLETE_FORM = "incomplete_form"
    CHECKBOX_CONFLICT = "checkbox_conflict"
    NUMBERING_GAP = "numbering_gap"
    EXCEL_SERIAL_DATE = "excel_serial_date"
    DERIVED_FILE = "derived_file"
    ASSUMED_ENCODING = "assumed_encoding"


@dataclass(frozen=True)
class RuleInfo:
    severity: Severity
    summary: str  #: what the rule checks
    fix: str  #: what the user should do


E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTE

RULES: dict[Rule, RuleInfo] = {
    Rule.MISSING_FILE: RuleInfo(E, "a required table (patients, edss) has no file",
                                "add the file, or name it in the mapping file"),
    Rule.UNREADABLE_FILE: RuleInfo(E, "a file cannot be read as CSV, XLSX or Parquet",
                                   "save it as UTF-8 CSV, XLSX or Parquet"),
    Rule.AMBIGUOUS_FILE: RuleInfo(E, "more than one file could hold the same table",
                                  "keep one, or name the file in the mapping"),
    Rule.UNUSED_FILE: RuleInfo(W, "a data file in the folder matches no table; not imported",
                               "rename it after its table or map it"),
    Rule.MISSING_COLUMN: RuleInfo(E, "a required column is absent",
                                  "add the column or map your column name onto it"),
    Rule.DUPLICATE_COLUMN: RuleInfo(E, "two columns map to the same canonical column",
                                    "keep one of them"),
    Rule.UNKNOWN_COLUMN: RuleInfo(W, "a column is not a canonical column; not imported",
                                  "map it onto a canonical column, or ignore this warning"),
    Rule.MISSING_VALUE: RuleInfo(E, "a required value is empty", "fill in the value"),
    Rule.BAD_DATE: RuleInfo(E, "a date is not an ISO 8601 date (YYYY-MM-DD)",
                            "write the date as YYYY-MM-DD"),
    Rule.BAD_NUMBER: RuleInfo(E, "a number cannot be read", "write a plain number, e.g. 3.5"),
    Rule.BAD_BOOL: RuleInfo(E, "a yes/no value cannot be read",
                            "write true/false, yes/no, y/n or 1/0"),
    Rule.BAD_CATEGORY: RuleInfo(E, "a value is not one of the allowed values",
                                "use one of the allowed values"),
    Rule.UNKNOWN_DRUG: RuleInfo(E, "a drug name is not in the vocabulary",
                                "use the suggested name or a known synonym"),
    Rule.INVALID_EDSS: RuleInfo(E, "EDSS is not a step of 0, 1.0, 1.5, ..., 9.5, 10",
                                "use an EDSS step: 0, 1.0, 1.5, ..., 9.5, 10"),
    Rule.OUT_OF_RANGE: RuleInfo(E, "a number is outside its allowed range",
                                "correct the value"),
    Rule.FUTURE_DATE: RuleInfo(E, "a date lies after the validation date",
                               "correct the date"),
    Rule.DATE_TOO_EARLY: RuleInfo(E, "a date lies before 1900-01-01, earlier than any patient "
                                  "or record of an MS study", "correct the date"),
    Rule.IMPLAUSIBLE_VALUE: RuleInfo(W, "a number is possible but outside its plausible range "
                                     "(docs/validation.md lists the bounds and sources)",
                                     "check the value against the source record"),
    Rule.MONTH_PRECISION_DATE: RuleInfo(W, "a date is given to the month (YYYY-MM)",
                                        "give the full date if it is known"),
    Rule.DUPLICATE_PATIENT: RuleInfo(E, "a patient_id appears twice in patients",
                                     "keep one row per patient"),
    Rule.CONFLICTING_RECORD: RuleInfo(E, "two rows share a key (e.g. patient and date) but "
                                      "differ", "keep the correct row"),
    Rule.DUPLICATE_ROW: RuleInfo(W, "a row repeats an earlier row exactly; stored once",
                                 "delete the repeated row"),
    Rule.UNKNOWN_PATIENT: RuleInfo(E, "a patient_id is not in patients (nor in the store)",
                                   "add the patient or correct the id"),
    Rule.STOP_BEFORE_START: RuleInfo(E, "an end date lies before its start date",
                                     "correct either date"),
    Rule.UNKNOWN_TEST_CODE: RuleInfo(E, "an SDTM record has a domain, category and test code "
                                      "that the SDTM terms do not map",
                                      "add the test to the terms file, or remove the record"),
    Rule.BEFORE_BIRTH: RuleInfo(E, "an event is dated before the patient's birth",
                                "correct the date or the birth date"),
    Rule.CONFLICTS_WITH_STORE: RuleInfo(E, "a row differs from the stored row with the same key",
                                        "if the new value is a correction, import again with "
                                        "--accept-changes --reason ... --by NAME (the stored "
                                        "value is kept in the history); else correct the new "
                                        "row"),
    Rule.DUPLICATE_KEY: RuleInfo(E, "a record's key would be stored twice (the store's own "
                                 "key check, after validation)",
                                 "keep one row per key; report the case if validation "
                                 "passed it"),
    Rule.RELAPSES_TOO_CLOSE: RuleInfo(W, "two relapse onsets are less than 30 days apart",
                                      "check: a relapse is usually defined as >= 30 days "
                                      "after the previous one"),
    Rule.EDSS_DURING_RELAPSE: RuleInfo(W, "an EDSS was assessed within 30 days after a relapse "
                                       "onset", "check: such an EDSS may not reflect stable "
                                       "disability"),
    Rule.ONSET_AFTER_FIRST_EDSS: RuleInfo(W, "disease onset is after the first EDSS assessment",
                                          "check the onset date"),
    Rule.MISSING_CODE: RuleInfo(W, "a value is a missing-data code (the project's, or NA, "
                                "N/A, NaN, NULL); imported as empty",
                                "nothing, if the value is unknown; declare the project's "
                                "codes in the mapping ([redcap] missing_codes)"),
    Rule.UNKNOWN_STOP_DATE: RuleInfo(E, "a treatment's stop date is coded as missing; empty "
                                     "would mean the drug is ongoing",
                                     "enter the stop date, or set [redcap] unknown_stop_date "
                                     "= \"ongoing\" to import it as ongoing"),
    Rule.INCOMPLETE_FORM: RuleInfo(W, "a REDCap form is marked Incomplete or Unverified",
                                   "complete and verify the form in REDCap, or set [redcap] "
                                   "incomplete_forms = \"exclude\""),
    Rule.CHECKBOX_CONFLICT: RuleInfo(E, "a checkbox choice that excludes the others (e.g. "
                                     "None) is ticked together with another choice",
                                     "untick the wrong choice in REDCap"),
    Rule.NUMBERING_GAP: RuleInfo(W, "a wide sheet's numbered blocks skip a number (EDSS_6, "
                                 "EDSS_8); every block present is read",
                                 "check that no block was deleted by mistake"),
    Rule.EXCEL_SERIAL_DATE: RuleInfo(W, "a date is an Excel serial day number (41275); read "
                                     "as the date Excel shows", "format the column as dates"),
    Rule.DERIVED_FILE: RuleInfo(N, "a derived table of an mscohort export (derived_edss, "
                                "derived_msfc); recomputed at import, not read",
                                "nothing to do"),
    Rule.MAPPING_FILE_RENAMED: RuleInfo(N, "the mapping names a file the study does not "
                                        "hold; it is applied to the one file meant (the "
                                        "only one, or the only one with its sheets or "
                                        "columns)", "nothing to do if that is the file; "
                                        "otherwise correct the mapping's file"),
    Rule.ASSUMED_ENCODING: RuleInfo(W, "a CSV file is not UTF-8; its encoding was detected "
                                    "(UTF-16, Windows-1252 or Latin-1)",
                                    "check that accented names read right, or save the file "
                                    "as UTF-8 CSV"),
}

#: Fix texts of ``invalid_edss`` by cause (the rule's fix when none applies): the scale is
#: 0, then 1.0 to 10 in half points (Kurtzke 1983). ``{lower}``/``{upper}`` are the two
#: nearest steps of a value between steps.
EDSS_FIXES: dict[str, str] = {
    "outside_scale": "EDSS runs from 0 to 10: correct the value (a typo, or a score of "
                     "another scale?)",
    "half_point": "0.5 is not an EDSS step: use 0 (normal examination) or 1.0 (no "
                  "disability, minimal signs in one functional system)",
    "between_steps": "EDSS moves in half points: use {lower} or {upper}",
}

#: Columns of every issue table, in order.
ISSUE_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String(),
    "row": pl.Int64(),
    "patient_id": pl.String(),
    "column": pl.String(),
    "rule": pl.String(),
    "value": pl.String(),
    "severity": pl.String(),
    "message": pl.String(),
}


def empty_issues() -> pl.DataFrame:
    return pl.DataFrame(schema=ISSUE_SCHEMA)


def file_issue(
    rule: Rule, file: str, message: str, column: str | None = None, value: str | None = None
) -> pl.DataFrame:
    """One issue about a whole file or column (no row)."""
    return pl.DataFrame(
        [{
            "file": file, "row": None, "patient_id": None, "column": column, "rule": str(rule),
            "value": value, "severity": str(RULES[rule].severity), "message": message,
        }],
        schema=ISSUE_SCHEMA,
    )


#: Prefix of an optional column of a raw table holding, per row, the name a value's column
#: had in its source (a wide sheet's ``EDSS_3``, a REDCap field): issues then name both.
SOURCE_COLUMN = "_source_column:"
#: Prefix of an optional column of a raw table holding, per row, a value as its source wrote
#: it when ingest rewrote it (a date in a declared format, ``04/1995``, read as ISO 8601
#: ``1995-04``): issues then show what was in the file.
WRITTEN_COLUMN = "_as_written:"


def row_issues(
    rows: pl.DataFrame,
    rule: Rule,
    *,
    file: str,
    column: str | pl.Expr | None,
    value: pl.Expr,
    message: pl.Expr | str,
    fix: pl.Expr | None = None,
) -> pl.DataFrame:
    """One issue per row of ``rows`` (which carries ``_row`` and ``patient_id`` columns).

    ``fix``: what to do for these rows when it is more specific than the rule's fix (an
    extra ``fix`` column, which the report prefers to the rule's)."""
    if rows.height == 0:
        return empty_issues()
    if fix is not None:
        return row_issues(rows, rule, file=file, column=column, value=value,
                          message=message).with_columns(
            rows.with_columns(fix.cast(pl.String).alias("_fix"))["_fix"].alias("fix"))
    pid = pl.col("patient_id") if "patient_id" in rows.columns else pl.lit(None)
    msg = pl.lit(message) if isinstance(message, str) else message
    named = column if isinstance(column, pl.Expr) else pl.lit(column, dtype=pl.String)
    if isinstance(column, str) and SOURCE_COLUMN + column in rows.columns:
        source = pl.col(SOURCE_COLUMN + column)
        named = (pl.when(source.is_null() | (source == column)).then(named)
                 .otherwise(pl.format("{} ({})", source, named)))
    return rows.select(
        pl.lit(file).alias("file"),
        pl.col("_row").cast(pl.Int64).alias("row"),
        pid.cast(pl.String).alias("patient_id"),
        named.cast(pl.String).alias("column"),
        pl.lit(str(rule)).alias("rule"),
        value.cast(pl.String).alias("value"),
        pl.lit(str(RULES[rule].severity)).alias("severity"),
        msg.cast(pl.String).alias("message"),
    )
