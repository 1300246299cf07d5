"""`mscohort validate`: counts by rule first, issues grouped by rule, download as CSV/XLSX."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from openpyxl import load_workbook

from tests.test_cli import run


def test_validate_counts_by_rule_first_then_groups_the_issues(broken_dir: Path) -> None:
    code, output = run("validate", broken_dir, "--as-of", "2026-01-01")
    assert code == 1
    assert output.index("Issues by rule") < output.index("invalid_edss (")
    # each group starts with its rule, count and fix; its rows follow it
    group = output.index("invalid_edss (")
    assert output.index("[invalid_edss]", group) > group
    assert output.count("[invalid_edss]") == 1 + output[:group].count("[invalid_edss]")


def test_validate_writes_every_issue_as_csv_and_xlsx(broken_dir: Path, tmp_path: Path) -> None:
    code, output = run("validate", broken_dir, "--as-of", "2026-01-01", "--json")
    import json

    issues = json.loads(output)["issues"]
    code, output = run("validate", broken_dir, "--as-of", "2026-01-01", "--out",
                       tmp_path / "issues.csv", "--limit", "2")
    assert code == 1 and f"wrote {len(issues)} issues" in output
    table = pl.read_csv(tmp_path / "issues.csv", infer_schema=False)
    assert table.columns == ["file", "row", "patient_id", "column", "rule", "value",
                             "severity", "message", "fix"]
    assert table["rule"].to_list() == [i["rule"] for i in issues]
    assert run("validate", broken_dir, "--as-of", "2026-01-01", "--out",
               tmp_path / "issues.xlsx")[0] == 1
    book = load_workbook(tmp_path / "issues.xlsx", read_only=True)
    summary = list(book["Summary"].iter_rows(values_only=True))
    rows = list(book["Issues"].iter_rows(values_only=True))
    book.close()
    assert summary[0] == ("rule", "severity", "n", "checks", "what to do")
    assert sum(r[2] for r in summary[1:]) == len(issues) == len(rows) - 1
    assert [r[4] for r in rows[1:]] == [i["rule"] for i in issues]
    code, output = run("validate", broken_dir, "--out", tmp_path / "issues.txt")
    assert code == 2 and "`--out` must be a file ending in .csv or .xlsx" in output
