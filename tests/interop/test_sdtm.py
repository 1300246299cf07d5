"""CDISC SDTM: hand-written SDTM datasets import into the same study as the canonical files;
export then import gives the same study (toy, seed); unknown test codes are refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from mscohort.calibrate.seed import SEED
from mscohort.cli.main import app
from mscohort.errors import UsageError
from mscohort.ingest import read_study
from mscohort.interop.sdtm_export import sdtm_datasets, write_sdtm
from mscohort.interop.sdtm_import import read_sdtm
from mscohort.interop.sdtm_terms import load_terms
from mscohort.validate import check_study
from tests.conftest import AS_OF
from tests.interop.conftest import DATA, assert_same_study
from tests.test_store import snapshot


def test_hand_written_sdtm_imports_into_the_canonical_study(canonical) -> None:
    study, report = check_study(read_sdtm(DATA / "sdtm"), as_of=AS_OF)
    assert report.ok
    assert_same_study(study, canonical)


@pytest.mark.parametrize("source", [SEED, SEED.parent / "toy", DATA / "canonical"],
                         ids=["seed", "toy", "small"])
def test_export_then_import_gives_the_same_study(source: Path, tmp_path: Path) -> None:
    study, _ = check_study(read_study(source), as_of=AS_OF)
    write_sdtm(study, tmp_path)
    back, report = check_study(read_sdtm(tmp_path), as_of=AS_OF)
    assert report.errors.height == 0
    assert_same_study(back, study)


def test_exported_domains_by_hand(canonical) -> None:
    d = sdtm_datasets(canonical)
    dm = d["DM"].row(0, named=True)
    assert dm["USUBJID"] == "MSCOHORT-A01" and dm["BRTHDTC"] == "1980-03"  # month precision
    assert dm["SEX"] == "F" and dm["ARM"] == "ALE-naive"
    rs = d["RS"].filter((pl.col("USUBJID") == "MSCOHORT-A02") & (pl.col("RSDTC") == "2013-06-01"))
    assert dict(zip(rs["RSTESTCD"], rs["RSORRES"], strict=True)) == {
        "EDSB101": "6.5", "KFSS103": "4", "KFSS104": "2"}
    ft = d["FT"].filter(pl.col("FTTESTCD") == "T25FW1")
    assert ft.select("FTREPNUM", "FTORRES").rows()[:2] == [(1, "5.2"), (2, "5.4")]
    oe = d["OE"].filter(pl.col("OELAT") == "LEFT")
    assert oe["OEORRES"].to_list() == ["80.1"]
    assert d["SUPPOE"].filter(pl.col("QVAL") == "Y").height == 1
    assert set(d) >= {"DM", "SUPPDM", "MH", "RS", "CE", "SUPPCE", "CM", "SUPPCM", "EX", "FT",
                      "OE", "SUPPOE", "XM", "LB", "AE"}


def test_an_unknown_test_code_is_named_and_nothing_is_imported(tmp_path: Path) -> None:
    folder = tmp_path / "sdtm"
    shutil.copytree(DATA / "sdtm", folder)
    rs = (folder / "rs.csv").read_text().replace("KFSS104,KFSS1-Cerebellar", "KFSS199,Other", 1)
    (folder / "rs.csv").write_text(rs)
    _, report = check_study(read_sdtm(folder), as_of=AS_OF)
    bad = report.errors.filter(pl.col("rule") == "unknown_test_code").row(0, named=True)
    assert (bad["file"], bad["row"], bad["column"], bad["value"]) == (
        "rs.csv", 4, "RSTESTCD", "KFSS199")
    db = tmp_path / "s.duckdb"
    result = CliRunner().invoke(app, ["sdtm-import", str(folder), "--db", str(db)])
    assert result.exit_code == 1 and "KFSS199" in result.output
    assert "Nothing was imported" in result.output
    assert not db.exists() or all(not rows for name, rows in snapshot(db).items()
                                  if name in ("patients", "edss"))


def test_cli_round_trip_through_a_store(tmp_path: Path) -> None:
    db, back = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(DATA / "canonical"), "--db", str(db)]).exit_code == 0
    r = runner.invoke(app, ["sdtm-export", "--db", str(db), "--out", str(tmp_path / "sdtm")])
    assert r.exit_code == 0 and "dm.csv" in r.output
    r = runner.invoke(app, ["sdtm-import", str(tmp_path / "sdtm"), "--db", str(back)])
    assert r.exit_code == 0, r.output
    a, b = snapshot(db), snapshot(back)
    for table in ("patients", "edss", "relapses", "treatments", "infusions", "msfc", "oct",
                  "mri", "labs", "adverse_events"):
        assert [row[:-1] for row in a[table]] == [row[:-1] for row in b[table]], table


def test_bad_terms_are_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "terms.toml"
    bad.write_text('[[test]]\ntable = "edss"\ncolumn = "nonsense"\ndomain = "RS"\n'
                   'category = "X"\ntestcd = "X"\ntest = "X"\n')
    with pytest.raises(UsageError, match=r"edss\.nonsense is not a canonical column"):
        load_terms(bad)


@pytest.mark.parametrize("source", [SEED.parent / "toy", DATA / "canonical"],
                         ids=["toy", "small"])
def test_dataset_json_round_trip(source: Path, tmp_path: Path) -> None:
    import json

    study, _ = check_study(read_study(source), as_of=AS_OF)
    written = write_sdtm(study, tmp_path, fmt="json")
    doc = json.loads((tmp_path / "dm.json").read_text())
    assert doc["datasetJSONVersion"] == "1.1.0" and doc["itemGroupOID"] == "IG.DM"
    assert doc["records"] == len(doc["rows"]) == study.patients.height
    usubjid = next(c for c in doc["columns"] if c["name"] == "USUBJID")
    assert usubjid["label"] == "Unique Subject Identifier" and usubjid["dataType"] == "string"
    assert {p.suffix for p in written} == {".json"}
    back, report = check_study(read_sdtm(tmp_path), as_of=AS_OF)
    assert report.errors.height == 0
    assert_same_study(back, study)


def test_a_domain_in_two_files_is_a_usage_error(tmp_path: Path) -> None:
    shutil.copytree(DATA / "sdtm", tmp_path / "sdtm")
    (tmp_path / "sdtm" / "dm.json").write_text("{}")
    with pytest.raises(UsageError, match=r"dm\.csv and dm\.json"):
        read_sdtm(tmp_path / "sdtm")


def test_a_file_that_is_not_dataset_json_is_reported(tmp_path: Path) -> None:
    shutil.copytree(DATA / "sdtm", tmp_path / "sdtm")
    (tmp_path / "sdtm" / "ae.csv").unlink()
    (tmp_path / "sdtm" / "ae.json").write_text('{"rows": []}')
    _, report = check_study(read_sdtm(tmp_path / "sdtm"), as_of=AS_OF)
    bad = report.errors.filter(pl.col("rule") == "unreadable_file").row(0, named=True)
    assert bad["file"] == "ae.json" and "Dataset-JSON 1.1" in bad["message"]
