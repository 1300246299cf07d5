"""Wide registry sheets: the hand-written sheet imports into the canonical study's patients,
EDSS and relapses; mapping mistakes are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from mscohort.errors import UsageError
from mscohort.interop.wide import read_wide
from mscohort.validate import check_study
from tests.conftest import AS_OF
from tests.interop.conftest import DATA

MAPPING = (DATA / "wide" / "mapping.toml").read_text()


def test_the_wide_sheet_gives_the_canonical_patients_edss_and_relapses(canonical) -> None:
    study, report = check_study(read_wide(DATA / "wide" / "mapping.toml"), as_of=AS_OF)
    assert report.ok
    for table in ("patients", "edss", "relapses"):
        assert study.table(table).equals(canonical.table(table)), table
    # messages point at the patient's row of the sheet
    rows = report.issues.select("file", "row").rows()
    assert ("registry.csv", 2) in rows and ("registry.csv", 3) in rows


def _mapping(tmp_path: Path, text: str) -> Path:
    (tmp_path / "registry.csv").write_text((DATA / "wide" / "registry.csv").read_text())
    path = tmp_path / "mapping.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("old", "new", "message"), [
    ('sex = "SEX"', 'sex = "GENDER"', r"\[patients\] sex names column 'GENDER'"),
    ('table = "edss"', 'table = "visits"', r"`table` must be a canonical table.*; got 'visits'"),
    ('edss = "EDSS_{n}"', 'edss = "EDSS"', r"patterns that each contain \{n\}"),
    ('fs_pyramidal = "PYR_{n}"', 'fs_pyr = "PYR_{n}"', r"'fs_pyr' is not a column of edss"),
    ('edss = "EDSS_{n}"', 'edss = "SCORE_{n}"', r"has some columns of repeat 1 but not SCORE_1"),
])
def test_mapping_mistakes_are_named(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in MAPPING
    with pytest.raises(UsageError, match=message):
        read_wide(_mapping(tmp_path, MAPPING.replace(old, new)))


def test_wide_import_command_adds_the_sheet_to_a_store(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mscohort.cli.main import app

    db = tmp_path / "s.duckdb"
    r = CliRunner().invoke(app, ["wide-import", str(DATA / "wide" / "mapping.toml"),
                                 "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert "patients +2, edss +5, relapses +2" in r.output
