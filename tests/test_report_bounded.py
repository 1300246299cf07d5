"""Issue #23 item 2: an import's issue list is bounded in memory: every rule counted, the
first rows of each rule kept, and every issue still in ``validate --out``."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from mscohort.errors import InvalidArgumentError
from mscohort.ingest import read_study
from mscohort.store import import_folder
from mscohort.store import importing as imp
from mscohort.validate import check_study
from tests.conftest import AS_OF


def _study(folder: Path, n: int) -> Path:
    """``n`` patients whose EDSS rows are all 4.2 (not an EDSS step: n errors) and whose
    onset is after the first EDSS (n warnings)."""
    folder.mkdir()
    ids = [f"P{i:03d}" for i in range(n)]
    pl.DataFrame({"patient_id": ids, "sex": "F", "birth_date": "1970-01-01",
                  "onset_date": "2012-01-01"}).write_csv(folder / "patients.csv")
    pl.DataFrame({"patient_id": ids, "date": "2011-01-01", "edss": "4.2"}).write_csv(
        folder / "edss.csv")
    return folder


def test_a_bounded_report_keeps_the_first_rows_of_each_rule_and_counts_them_all(
        tmp_path: Path) -> None:
    _, full = check_study(read_study(_study(tmp_path / "s", 30)), as_of=AS_OF)
    short = full.bounded(4)
    assert short.truncated and not full.truncated
    assert (short.n_errors, short.n_warnings) == (full.n_errors, full.n_warnings)
    assert short.counts_by_rule().equals(full.counts_by_rule())
    per_rule = short.issues.group_by("rule").len()
    assert per_rule["len"].max() == 4 and per_rule.height == full.issues["rule"].n_unique()
    for rule in per_rule["rule"]:  # the first rows of each rule, in report order
        assert short.issues.filter(pl.col("rule") == rule).equals(
            full.issues.filter(pl.col("rule") == rule).head(4))
    assert "issues are kept, the first of each rule" in short.format_text()
    assert short.to_dict()["counts_by_rule"] == full.counts_by_rule().to_dicts()
    assert full.bounded(10**6).issues.equals(full.issues)


def test_rows_per_rule_must_be_a_whole_number(tmp_path: Path) -> None:
    _, report = check_study(read_study(_study(tmp_path / "s", 2)), as_of=AS_OF)
    with pytest.raises(InvalidArgumentError, match=r"`rows_per_rule` must be a whole number "
                       r">= 0; got -1"):
        report.bounded(-1)


def test_a_failed_import_reports_the_count_of_every_issue_and_keeps_a_few(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mscohort.errors import DataValidationError

    monkeypatch.setattr(imp, "ISSUES_KEPT_PER_RULE", 3)
    with pytest.raises(DataValidationError) as caught:
        import_folder(_study(tmp_path / "s", 25), tmp_path / "s.duckdb", as_of=AS_OF)
    report = caught.value.report
    assert report.n_errors == 25 and report.issues.filter(
        pl.col("rule") == "invalid_edss").height == 3
