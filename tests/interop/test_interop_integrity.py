"""Issue #16 items 10 and 13 for the other formats: a repeated SDTM record is never dropped
silently (the shared rule on repeated keys applies, as to a CSV file), and incomplete or
malformed SDTM datasets are clear errors, not tracebacks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from mscohort.cli.main import app
from mscohort.errors import UnreadableFileError
from mscohort.interop.dataset_json import read_dataset_json
from mscohort.interop.sdtm_export import write_sdtm
from mscohort.interop.sdtm_import import read_sdtm
from mscohort.interop.wide import read_wide
from mscohort.validate import check_study
from tests.conftest import AS_OF
from tests.interop.conftest import DATA
from tests.test_store import snapshot

#: A second RS record for subject A01's EDSS of 2012-04-20 (stored as 3.5), at row 14.
SECOND_EDSS = "TRMS,RS,TRMS-A01,99,EDSB101,EDSB1-EDSS Score,EDSS,{v},{v},2012-04-20\n"


def _sdtm(tmp_path: Path) -> Path:
    folder = tmp_path / "sdtm"
    shutil.copytree(DATA / "sdtm", folder)
    return folder


def test_an_sdtm_record_repeating_a_key_with_another_value_is_a_conflict(tmp_path) -> None:
    folder = _sdtm(tmp_path)
    with (folder / "rs.csv").open("a") as fh:
        fh.write(SECOND_EDSS.format(v="9.5"))
    assert len((folder / "rs.csv").read_text().splitlines()) == 14
    _, report = check_study(read_sdtm(folder), as_of=AS_OF)
    bad = report.errors.filter(pl.col("rule") == "conflicting_record")
    assert bad.select("file", "row", "patient_id", "column", "value").rows() == [
        ("rs.csv", 14, "A01", "edss", "9.5")]
    assert "same patient_id and date (A01 / 2012-04-20) as row 2" in bad["message"][0]
    # the CLI refuses it and stores nothing (it used to import with exit 0, keeping 3.5)
    db = tmp_path / "s.duckdb"
    result = CliRunner().invoke(app, ["sdtm-import", str(folder), "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert "conflicting_record" in result.output and "Nothing was imported" in result.output
    assert not db.exists() or not snapshot(db)["edss"]


def test_an_sdtm_record_repeated_exactly_is_stored_once_with_a_warning(tmp_path) -> None:
    folder = _sdtm(tmp_path)
    with (folder / "rs.csv").open("a") as fh:
        fh.write(SECOND_EDSS.format(v="3.5"))
    study, report = check_study(read_sdtm(folder), as_of=AS_OF)
    assert report.ok
    repeat = report.warnings.filter(pl.col("rule") == "duplicate_row")
    assert repeat.select("file", "row").rows() == [("rs.csv", 14)]
    edss = study.table("edss").filter((pl.col("patient_id") == "A01")
                                      & (pl.col("date").cast(pl.String) == "2012-04-20"))
    assert edss.select("edss", "fs_pyramidal", "fs_cerebellar").rows() == [(3.5, 2, 1)]


def test_a_repeated_record_in_dataset_json_is_a_conflict_too(canonical, tmp_path) -> None:
    folder = tmp_path / "json"
    write_sdtm(canonical, folder, fmt="json")
    doc = json.loads((folder / "rs.json").read_text())
    names = [c["name"] for c in doc["columns"]]
    first = dict(zip(names, doc["rows"][0], strict=True))
    assert first["RSTESTCD"] == "EDSB101"
    doc["rows"].append([{"RSORRES": "9.5", "RSSEQ": 99}.get(n, first[n]) for n in names])
    (folder / "rs.json").write_text(json.dumps(doc))
    _, report = check_study(read_sdtm(folder), as_of=AS_OF)
    bad = report.errors.filter(pl.col("rule") == "conflicting_record")
    assert bad.select("file", "row", "column", "value").rows() == [
        ("rs.json", len(doc["rows"]), "edss", "9.5")]


def test_a_wide_sheet_repeating_a_visit_goes_through_the_same_rule(tmp_path: Path) -> None:
    sheet = (DATA / "wide" / "registry.csv").read_text()
    # patient A01's third visit repeats the date of the first with another EDSS
    sheet = sheet.replace("2013-05-02,3.0,,,", "2012-04-20,5.0,,,")
    (tmp_path / "registry.csv").write_text(sheet)
    (tmp_path / "mapping.toml").write_text((DATA / "wide" / "mapping.toml").read_text())
    _, report = check_study(read_wide(tmp_path / "mapping.toml"), as_of=AS_OF)
    bad = report.errors.filter(pl.col("rule") == "conflicting_record")
    assert bad.select("file", "patient_id", "column", "value").rows() == [
        ("registry.csv", "A01", "edss, fs_pyramidal, fs_cerebellar", "5.0, empty, empty")]


def test_a_wide_sheet_repeating_a_visit_exactly_keeps_the_other_visits(tmp_path) -> None:
    # the rows of a wide sheet share their sheet row: a repeat used to drop every visit of
    # that row (the shared rule removed repeats by row number)
    sheet = (DATA / "wide" / "registry.csv").read_text()
    sheet = sheet.replace("2013-05-02,3.0,,,", "2012-04-20,3.5,2,1,")
    (tmp_path / "registry.csv").write_text(sheet)
    (tmp_path / "mapping.toml").write_text((DATA / "wide" / "mapping.toml").read_text())
    study, report = check_study(read_wide(tmp_path / "mapping.toml"), as_of=AS_OF)
    assert report.ok
    assert report.warnings.filter(pl.col("rule") == "duplicate_row").height == 1
    a01 = study.table("edss").filter(pl.col("patient_id") == "A01")
    assert a01.select(pl.col("date").cast(pl.String), "edss").rows() == [
        ("2012-04-20", 3.5), ("2012-10-22", 3.0)]


def test_a_redcap_visit_repeated_with_another_value_goes_through_the_same_rule(
        tmp_path: Path) -> None:
    from mscohort.interop.redcap import read_redcap

    redcap = DATA / "redcap"
    lines = (redcap / "export_raw.csv").read_text().splitlines()
    (first,) = [x for x in lines if x.startswith("A01,baseline_arm_1,edss_visit,1,")]
    assert ",2012-04-20,3.5,2,1," in first
    # a third follow-up instance repeats the baseline visit's date with EDSS 9.5
    repeat = first.replace("baseline_arm_1,edss_visit,1,", "followup_arm_1,edss_visit,3,")
    lines.insert(lines.index(first) + 1, repeat.replace(",2012-04-20,3.5,2,1,",
                                                        ",2012-04-20,9.5,,,"))
    (tmp_path / "export.csv").write_text("\n".join(lines) + "\n")
    mapping = Path(__file__).parents[2] / "src/mscohort/datasets/interop/redcap_ms.toml"
    _, report = check_study(read_redcap(tmp_path / "export.csv", redcap / "dictionary.csv",
                                        mapping), as_of=AS_OF)
    bad = report.errors.filter(pl.col("rule") == "conflicting_record")
    assert bad.select("file", "patient_id", "column", "value").rows() == [
        ("export.csv (edss_visit)", "A01", "edss, fs_pyramidal, fs_cerebellar",
         "9.5, empty, empty")]


@pytest.mark.parametrize(("domain", "column"), [("dm", "SUBJID"), ("dm", "SEX"),
                                                ("rs", "RSCAT"), ("ft", "FTTESTCD"),
                                                ("suppdm", "QNAM"), ("ce", "CESEQ")])
def test_an_sdtm_dataset_without_a_needed_column_is_a_missing_column(
        tmp_path: Path, domain: str, column: str) -> None:
    folder = _sdtm(tmp_path)
    path = folder / f"{domain}.csv"
    pl.read_csv(path, infer_schema=False).drop(column).write_csv(path)
    _, report = check_study(read_sdtm(folder), as_of=AS_OF)
    missing = report.errors.filter(pl.col("rule") == "missing_column")
    assert (f"{domain}.csv", column) in missing.select("file", "column").rows()
    assert not report.ok
    db = tmp_path / "s.duckdb"
    result = CliRunner().invoke(app, ["sdtm-import", str(folder), "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"has no column {column}" in result.output


def _dataset(tmp_path: Path, **changes: object) -> Path:
    doc = {"datasetJSONVersion": "1.1.0", "name": "DM", "records": 1,
           "columns": [{"itemOID": "IT.DM.USUBJID", "name": "USUBJID", "dataType": "string"},
                       {"itemOID": "IT.DM.SEX", "name": "SEX", "dataType": "string"}],
           "rows": [["S1", "F"]]} | changes
    path = tmp_path / "dm.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(("changes", "message"), [
    ({"columns": [1, 2]}, r"dm\.json: column 1 is not an object with a name; got '1'"),
    ({"rows": [5]}, r"dm\.json: row 1 is not an array of one value per column \(2\); got '5'"),
    ({"rows": [["S1"]]}, r"row 1 is not an array of one value per column"),
    ({"rows": [["S1", {"a": 1}]]}, r"row 1 holds .* not a single value"),
    ({"columns": [{"name": "USUBJID"}, {"name": "USUBJID"}]},
     r"column 'USUBJID' appears twice \(columns 1 and 2\)"),
], ids=["columns-not-objects", "row-not-array", "short-row", "nested-value", "duplicate-name"])
def test_malformed_dataset_json_is_a_clear_error(tmp_path: Path, changes: dict,
                                                 message: str) -> None:
    with pytest.raises(UnreadableFileError, match=message):
        read_dataset_json(_dataset(tmp_path, **changes))


def test_malformed_dataset_json_in_an_import_is_reported_not_a_traceback(tmp_path) -> None:
    folder = tmp_path / "sdtm"
    folder.mkdir()
    _dataset(folder, columns=[1, 2])
    result = CliRunner().invoke(app, ["sdtm-import", str(folder), "--db",
                                      str(tmp_path / "s.duckdb")])
    assert result.exit_code == 1, result.output
    assert "unreadable_file" in result.output and "column 1 is not an object" in result.output
