"""Wording of date issues: messages read cleanly (no parentheses inside parentheses) and the
``month_precision_date`` warning shows the value as the file has it and the day it was read as
(docs/data-model.md, "Partial dates" and "Date formats")."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from mscohort.ingest import read_study
from mscohort.ingest.mapping import load_mapping
from mscohort.validate import check_study
from tests.conftest import AS_OF

P = "patient_id,sex,birth_date,onset_date\n"
FORMAT = '[patients]\nfile = "patients.csv"\ndate_format = "DD/MM/YYYY"\n'


def _nested(text: str) -> bool:
    """Whether ``text`` has a parenthesis inside another."""
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if depth > 1:
            return True
    return False


def _report(folder: Path, mapping: str | None = None) -> pl.DataFrame:
    loaded = None
    if mapping is not None:
        (folder / "m.toml").write_text(mapping)
        loaded = load_mapping(folder / "m.toml")
    _, report = check_study(read_study(folder, loaded), as_of=AS_OF)
    return report.issues


def test_bad_date_messages_have_no_nested_parentheses(write_study) -> None:
    rows = P + "P1,F,1970/01/01,1995-01-01\nP2,M,31/02/1980,2001-03\n"
    plain = _report(write_study(patients=rows))
    declared = _report(write_study(patients=rows), FORMAT)
    messages = pl.concat([plain, declared]).filter(pl.col("rule") == "bad_date")["message"]
    assert messages.len() == 4
    assert [m for m in messages if _nested(m)] == []
    assert "'1970/01/01' is not a valid date (YYYY-MM-DD, or YYYY-MM when only the month " \
           "is known)" in messages.to_list()


def test_month_precision_warning_shows_the_value_as_written_and_as_read(write_study) -> None:
    folder = write_study(patients=P + "P1,F,1970-01-01,04/1995\nP2,M,1980-06,2001-03-01\n")
    hits = _report(folder, FORMAT).filter(pl.col("rule") == "month_precision_date").sort("row")
    assert hits.select("row", "column", "value").rows() == [
        (2, "onset_date", "04/1995"), (3, "birth_date", "1980-06")]
    assert hits["message"].to_list() == [
        "onset_date '04/1995' gives the month only; read as 1995-04-15, the middle of the month",
        "birth_date '1980-06' gives the month only; read as 1980-06-15, the middle of the month"]


def test_a_missing_column_message_lists_only_the_files_own_columns(write_study) -> None:
    folder = write_study(patients="patient_id,birth_date,onset_date\nP1,01/01/1970,04/1995\n")
    hit = _report(folder, FORMAT).filter(pl.col("rule") == "missing_column").row(0, named=True)
    found = re.search(r"columns found: ([^)]*)\)", hit["message"])
    assert found is not None
    assert found.group(1) == "patient_id, birth_date, onset_date"
