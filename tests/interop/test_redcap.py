"""REDCap: the flat export (raw and label values) with its data dictionary imports into the
canonical study through the ready MS mapping; the same through the API (PyCap against a
stand-in server); mapping mistakes are named and nothing is imported."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from mscohort.cli.main import app
from mscohort.errors import UsageError
from mscohort.interop.redcap import parse_choices, read_dictionary, read_redcap
from mscohort.validate import check_study
from tests.conftest import AS_OF
from tests.interop.conftest import DATA
from tests.interop.redcap_server import TOKEN, redcap_server
from tests.test_store import snapshot

REDCAP = DATA / "redcap"
READY = Path(__file__).parents[2] / "src" / "mscohort" / "datasets" / "interop"
MAPPING = READY / "redcap_ms.toml"
TABLES = ("patients", "edss", "relapses", "treatments", "infusions")


def _same(study, canonical) -> None:
    for table in TABLES:
        assert study.table(table).equals(canonical.table(table)), table


def test_the_shipped_dictionary_is_the_fixtures_dictionary() -> None:
    assert (REDCAP / "dictionary.csv").read_bytes() == (
        READY / "redcap_ms_dictionary.csv").read_bytes()


def test_choices_and_dictionary_fields() -> None:
    assert parse_choices("1, Female | 2, Male") == {"1": "Female", "2": "Male"}
    assert parse_choices("1, a, b | x,y") == {"1": "a, b", "x": "y"}
    fields = read_dictionary(REDCAP / "dictionary.csv")
    assert fields["relapse_treatment"].kind == "checkbox"
    assert fields["steroids_regular"].choices == {"1": "Yes", "0": "No"}
    assert fields["edss"].form == "edss_visit"


@pytest.mark.parametrize("export", ["export_raw.csv", "export_label.csv"])
def test_raw_and_label_exports_give_the_canonical_study(export: str, canonical) -> None:
    study, report = check_study(read_redcap(REDCAP / export, REDCAP / "dictionary.csv",
                                            MAPPING), as_of=AS_OF)
    assert report.ok
    _same(study, canonical)
    # messages point at the export's rows
    rows = report.issues.select("file", "row").rows()
    assert (f"{export} (demographics)", 2) in rows


def _mapping(tmp_path: Path, old: str, new: str) -> Path:
    text = MAPPING.read_text()
    assert old in text, old
    path = tmp_path / "mapping.toml"
    path.write_text(text.replace(old, new))
    return path


@pytest.mark.parametrize(("old", "new", "message"), [
    ('birth_date = "dob"', 'birth_date = "date_of_birth"',
     r"birth_date = 'date_of_birth': the data dictionary has no such field"),
    ('form = "relapse"', 'form = "relapses"', r"form 'relapses' is not an instrument"),
    ('event = "baseline_arm_1"', 'event = "screening_arm_1"',
     r"event 'screening_arm_1' is not in the export"),
    ('"relapse_treatment___1"', '"relapse_treatment___9"',
     r"checkbox code '9' is not a choice of relapse_treatment"),
    ('"relapse_treatment___1"', '"relapse_treatment"', r"is a checkbox: name one of its choices"),
    ('sex = { "1" = "F", "2" = "M" }', 'sex = { "1" = "F" }',
     r"choice code\(s\) 2 of sex are not mapped"),
    ('[tables.infusions]', '[tables.infusion]',
     r"`\[tables.<table>\]` must be a canonical table.*; got \[tables.infusion\]"),
])
def test_mapping_mistakes_are_named(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        read_redcap(REDCAP / "export_raw.csv", REDCAP / "dictionary.csv",
                    _mapping(tmp_path, old, new))


def test_a_field_missing_from_the_export_is_named(tmp_path: Path) -> None:
    frame = pl.read_csv(REDCAP / "export_raw.csv", infer_schema=False).drop("relapse_end")
    frame.write_csv(tmp_path / "export.csv")
    with pytest.raises(UsageError, match=r"'relapse_end': the export has no such column"):
        read_redcap(tmp_path / "export.csv", REDCAP / "dictionary.csv", MAPPING)


def test_a_value_that_is_no_choice_is_an_error_on_its_row(tmp_path: Path) -> None:
    text = (REDCAP / "export_raw.csv").read_text().replace(
        "2012-12-01,,3,0,0,1", "2012-12-01,,7,0,0,1")
    (tmp_path / "export.csv").write_text(text)
    _, report = check_study(read_redcap(tmp_path / "export.csv", REDCAP / "dictionary.csv",
                                        MAPPING), as_of=AS_OF)
    bad = report.errors.filter(pl.col("rule") == "bad_category").row(0, named=True)
    assert (bad["file"], bad["row"], bad["column"], bad["value"]) == (
        "export.csv", 14, "relapse_severity", "7")
    assert "1 = mild" in bad["message"]


def test_the_api_gives_the_same_study_through_pycap(tmp_path: Path, canonical,
                                                    monkeypatch) -> None:
    db = tmp_path / "s.duckdb"
    with redcap_server(REDCAP / "export_raw.csv", REDCAP / "dictionary.csv") as (url, seen):
        monkeypatch.setenv("MSCOHORT_REDCAP_TOKEN", TOKEN)
        r = CliRunner().invoke(app, ["redcap-import", "--url", url, "--allow-http",
                                     "--mapping", str(MAPPING), "--db", str(db)])
        assert r.exit_code == 0, r.output
        assert "plain http" in r.output  # the warning of --allow-http
        assert {s["content"] for s in seen} == {"record", "metadata"}
        # a wrong token is refused by the server; the message never shows a token
        monkeypatch.setenv("MSCOHORT_REDCAP_TOKEN", "F" * 32)
        r = CliRunner().invoke(app, ["redcap-import", "--url", url, "--allow-http",
                                     "--mapping", str(MAPPING), "--db",
                                     str(tmp_path / "other.duckdb")])
        assert r.exit_code == 2 and "refused" in r.output and "F" * 32 not in r.output
    from mscohort.store import StudyStore

    with StudyStore(db, read_only=True) as store:
        study = store.study()
        log = store.imports()
    _same(study, canonical)
    assert "s-redcap" in log["source"][0]  # the fetched files are kept beside the store
    kept = list((tmp_path / "s-redcap").rglob("*.csv"))
    assert {p.name for p in kept} == {"redcap_export.csv", "redcap_dictionary.csv"}
    assert all(TOKEN not in p.read_text() for p in kept)
    # patient data: readable by their owner only
    assert {p.stat().st_mode & 0o777 for p in kept} == {0o600}
    assert kept[0].parent.stat().st_mode & 0o777 == 0o700


def test_a_token_that_is_not_one_is_refused_before_any_request(tmp_path: Path,
                                                               monkeypatch) -> None:
    monkeypatch.setenv("MSCOHORT_REDCAP_TOKEN", "not-a-token")
    r = CliRunner().invoke(app, ["redcap-import", "--url", "http://127.0.0.1:9/api/",
                                 "--mapping", str(MAPPING), "--db", str(tmp_path / "s.duckdb")])
    assert r.exit_code == 2 and "32 hexadecimal" in r.output and "not-a-token" not in r.output


def test_bad_records_import_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(DATA / "canonical"), "--db", str(db)]).exit_code == 0
    before = snapshot(db)
    folder = tmp_path / "redcap"
    shutil.copytree(REDCAP, folder)
    text = (folder / "export_raw.csv").read_text().replace("2013-05-02,3.0", "2013-05-02,3.2")
    (folder / "export_raw.csv").write_text(text)
    r = runner.invoke(app, ["redcap-import", "--export", str(folder / "export_raw.csv"),
                            "--dictionary", str(folder / "dictionary.csv"), "--mapping",
                            str(MAPPING), "--db", str(db)])
    assert r.exit_code == 1 and "invalid_edss" in r.output and "Nothing was imported" in r.output
    assert snapshot(db) == before
