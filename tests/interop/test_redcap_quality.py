"""REDCap: what a form says about its own completeness is never lost (issue #27, cases 3-5):
form status, unanswered and contradictory checkboxes, missing-data codes; and the API path
(issue #16 item 8): https only unless allowed, the same study as the export file."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from mscohort.cli.main import app
from mscohort.errors import UsageError
from mscohort.ingest import read_study
from mscohort.interop.redcap import read_redcap
from mscohort.validate import check_study
from tests.conftest import AS_OF
from tests.interop.redcap_exports import DICTIONARY, build
from tests.interop.redcap_server import TOKEN, redcap_server
from tests.interop.test_redcap_labels import TABLES, mapping

CODES = 'missing_codes = "UNK, Unknown | NASK, Not asked | NA, Not applicable | -99, Missing"\n'


def _row(p, form: str, pid: str, instance: str = "1") -> dict[str, str]:
    return next(r for r in p.rows if r.get("redcap_repeat_instrument") == form
                and r["record_id"] == pid and r["redcap_repeat_instance"] == instance)


def _issues(report, rule: str) -> pl.DataFrame:
    return report.issues.filter(pl.col("rule") == rule)


def test_an_unknown_stop_date_is_an_error_not_ongoing(tmp_path: Path) -> None:
    p = build(n=6, seed=11)
    row = _row(p, "dmt", "MS002")
    row["dmt_stop"] = "UNK"
    export = p.write(tmp_path / "e.csv", "raw")
    study, report = check_study(read_redcap(export, DICTIONARY, mapping(tmp_path, True, CODES)),
                                as_of=AS_OF)
    hit = _issues(report, "unknown_stop_date").row(0, named=True)
    assert (hit["file"], hit["row"], hit["patient_id"], hit["column"], hit["value"]) == (
        "e.csv", p.rows.index(row) + 2, "MS002", "dmt_stop", "UNK")
    assert hit["severity"] == "error" and "Unknown" in hit["message"]
    assert "not ongoing" in hit["message"]
    # the mapping can accept it as ongoing: then it is a warning, and the stop date is empty
    accept = mapping(tmp_path, True, CODES + 'unknown_stop_date = "ongoing"\n')
    study, report = check_study(read_redcap(export, DICTIONARY, accept), as_of=AS_OF)
    assert report.ok and _issues(report, "unknown_stop_date").height == 0
    warned = _issues(report, "missing_code").row(0, named=True)
    assert warned["value"] == "UNK" and "imported as ongoing" in warned["message"]
    stop = study.table("treatments").filter(
        (pl.col("patient_id") == "MS002") & (pl.col("start_date").cast(pl.String)
                                             == row["dmt_start"]))["stop_date"]
    assert stop.to_list() == [None]


def test_na_is_never_silently_a_missing_stop_date(tmp_path: Path) -> None:
    p = build(n=4, seed=2)
    _row(p, "dmt", "MS001")["dmt_stop"] = "NA"  # not declared by the project
    export = p.write(tmp_path / "e.csv", "raw")
    _, report = check_study(read_redcap(export, DICTIONARY, mapping(tmp_path, True)),
                            as_of=AS_OF)
    hit = _issues(report, "unknown_stop_date").row(0, named=True)
    assert hit["value"] == "NA" and "read as no value" in hit["message"]


def test_missing_codes_in_text_number_and_choice_fields_are_empty_and_reported(
        tmp_path: Path) -> None:
    p = build(n=6, seed=11)
    demo = next(r for r in p.rows if r["record_id"] == "MS003" and "sex" in r)
    demo["site"] = "UNK"
    dmt = _row(p, "dmt", "MS004")
    dmt["dmt_dose"], dmt["dmt_dose_unit"] = "-99", "NASK"
    relapse = next(r for r in p.rows if r.get("redcap_repeat_instrument") == "relapse")
    relapse["relapse_severity"] = "NA"
    export = p.write(tmp_path / "e.csv", "raw")
    study, report = check_study(read_redcap(export, DICTIONARY, mapping(tmp_path, True, CODES)),
                                as_of=AS_OF)
    assert report.ok, report.format_text()
    coded = _issues(report, "missing_code").select("patient_id", "column", "value").rows()
    assert sorted(coded) == sorted([
        ("MS003", "site", "UNK"), ("MS004", "dmt_dose", "-99"),
        ("MS004", "dmt_dose_unit", "NASK"), (relapse["record_id"], "relapse_severity", "NA")])
    site = study.patients.filter(pl.col("patient_id") == "MS003")["site"]
    assert site.to_list() == [None]  # not a site called "UNK"
    units = study.table("treatments").filter(pl.col("patient_id") == "MS004").filter(
        pl.col("start_date").cast(pl.String) == dmt["dmt_start"])
    assert units.select("dose", "dose_unit").rows() == [(None, None)]


def test_an_incomplete_form_is_reported_or_excluded_as_the_mapping_says(tmp_path: Path
                                                                        ) -> None:
    p = build(n=6, seed=11)
    row = _row(p, "dmt", "MS005")
    row.update(dmt_stop="", dmt_dose="", dmt_complete="0")  # abandoned half-way
    verify = _row(p, "edss_visit", "MS001")
    verify["edss_visit_complete"] = "1"
    for values in ("raw", "label"):
        export = p.write(tmp_path / "e.csv", values)
        study, report = check_study(read_redcap(export, DICTIONARY, mapping(tmp_path, True)),
                                    as_of=AS_OF)
        hits = _issues(report, "incomplete_form").select("row", "column", "value").rows()
        code = {"raw": ("1", "0"), "label": ("Unverified", "Incomplete")}[values]
        assert sorted(hits) == sorted([
            (p.rows.index(verify) + 2, "edss_visit_complete", code[0]),
            (p.rows.index(row) + 2, "dmt_complete", code[1])]), values
        assert study.table("treatments").height == len(p.truth["treatments"])
    excluded = mapping(tmp_path, True, 'incomplete_forms = "exclude"\n')
    study, report = check_study(read_redcap(export, DICTIONARY, excluded), as_of=AS_OF)
    assert study.table("treatments").height == len(p.truth["treatments"]) - 1
    assert study.table("edss").height == len(p.truth["edss"]) - 1
    assert all("left out" in m for m in _issues(report, "incomplete_form")["message"])


def test_an_unanswered_checkbox_group_is_unknown_not_false(tmp_path: Path) -> None:
    p = build(n=8, seed=4)
    relapses = [r for r in p.rows if r.get("redcap_repeat_instrument") == "relapse"][:3]
    ticks = [("1",), ("2",), ()]  # corticosteroids; plasma exchange only; nothing ticked
    for r, t in zip(relapses, ticks, strict=True):
        r.update({f"relapse_treatment___{c}": "1" if c in t else "0" for c in "123"})
    for values in ("raw", "label"):
        study, _ = check_study(read_redcap(p.write(tmp_path / "e.csv", values), DICTIONARY,
                                           mapping(tmp_path, True)), as_of=AS_OF)
        got = {(r["patient_id"], str(r["onset_date"])): r["steroid_treated"]
               for r in study.table("relapses").iter_rows(named=True)}
        assert [got[r["record_id"], r["relapse_onset"]] for r in relapses] == [
            True, False, None], values


@pytest.mark.parametrize("declared", ["mapping", "action tag"])
def test_contradictory_checkboxes_are_an_error(tmp_path: Path, declared: str) -> None:
    p = build(n=8, seed=4)
    relapse = next(r for r in p.rows if r.get("redcap_repeat_instrument") == "relapse")
    relapse.update(relapse_treatment___1="1", relapse_treatment___2="0",
                   relapse_treatment___3="1")  # corticosteroids and None
    dictionary = DICTIONARY
    extra = 'exclusive = { relapse_treatment = ["3"] }\n'
    if declared == "action tag":  # REDCap's own way: @NONEOFTHEABOVE on the field
        extra = "exclusive = {}\n"  # nothing declared in the mapping
        dictionary = tmp_path / "dictionary.csv"
        lines = DICTIONARY.read_text().splitlines()
        lines = [line + "@NONEOFTHEABOVE='3'" if line.startswith("relapse_treatment,")
                 else line for line in lines]
        dictionary.write_text("\n".join(lines) + "\n")
    _, report = check_study(read_redcap(p.write(tmp_path / "e.csv", "label"), dictionary,
                                        mapping(tmp_path, True, extra)), as_of=AS_OF)
    hit = _issues(report, "checkbox_conflict").row(0, named=True)
    assert (hit["row"], hit["column"], hit["value"], hit["severity"]) == (
        p.rows.index(relapse) + 2, "relapse_treatment", "Corticosteroids, None", "error")
    assert "'None' excludes every other choice" in hit["message"]


def test_an_exclusive_code_that_is_no_choice_is_a_usage_error(tmp_path: Path) -> None:
    p = build(n=2, seed=4)
    with pytest.raises(UsageError, match=r"exclusive relapse_treatment: code\(s\) 9 are not "
                                         r"choices"):
        read_redcap(p.write(tmp_path / "e.csv"), DICTIONARY,
                    mapping(tmp_path, True, 'exclusive = { relapse_treatment = ["9"] }\n'))


@pytest.mark.parametrize(("values", "headers"), [("raw", "raw"), ("label", "label")])
def test_the_api_gives_the_study_of_the_export(tmp_path: Path, monkeypatch, values: str,
                                               headers: str) -> None:
    p = build(n=30, seed=27)
    export = p.write(tmp_path / "e.csv", values, headers)
    truth, _ = check_study(read_study(p.write_truth(tmp_path / "truth")), as_of=AS_OF)
    db = tmp_path / "s.duckdb"
    monkeypatch.setenv("MSCOHORT_REDCAP_TOKEN", TOKEN)
    with redcap_server(export, DICTIONARY) as (url, seen):
        r = CliRunner().invoke(app, ["redcap-import", "--url", url, "--mapping",
                                     str(mapping(tmp_path, True)), "--db", str(db)])
        assert r.exit_code == 2 and "must be an address starting with https://" in r.output
        assert seen == []  # refused before any request: the token never left
        r = CliRunner().invoke(app, ["redcap-import", "--url", url, "--allow-http",
                                     "--mapping", str(mapping(tmp_path, True)),
                                     "--db", str(db)])
        assert r.exit_code == 0, r.output
    from mscohort.store import StudyStore

    with StudyStore(db, read_only=True) as store:
        study = store.study()
    for table in TABLES:
        assert study.table(table).equals(truth.table(table)), table
    assert f"edss +{len(p.truth['edss'])}" in r.output


def test_ftp_and_other_schemes_are_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MSCOHORT_REDCAP_TOKEN", TOKEN)
    r = CliRunner().invoke(app, ["redcap-import", "--url", "ftp://example.org/api/",
                                 "--allow-http", "--mapping", str(mapping(tmp_path, True)),
                                 "--db", str(tmp_path / "s.duckdb")])
    assert r.exit_code == 2 and "must be an address starting with https://" in r.output


def test_a_missing_code_ticked_in_a_checkbox_field_is_reported(tmp_path: Path) -> None:
    p = build(n=8, seed=4)
    relapse = next(r for r in p.rows if r.get("redcap_repeat_instrument") == "relapse")
    relapse.update({f"relapse_treatment___{c}": "0" for c in "123"})
    export = p.write(tmp_path / "e.csv", "raw")
    frame = pl.read_csv(export, infer_schema=False)
    at = p.rows.index(relapse)  # the code's own box, as REDCap adds it for a checkbox field
    frame.insert_column(frame.columns.index("relapse_treatment___3") + 1, pl.Series(
        "relapse_treatment___nask", ["1" if i == at else "0" for i in range(frame.height)]))
    frame.write_csv(export)
    study, report = check_study(read_redcap(export, DICTIONARY, mapping(tmp_path, True, CODES)),
                                as_of=AS_OF)
    hit = _issues(report, "missing_code").row(0, named=True)
    assert (hit["row"], hit["column"], hit["value"]) == (at + 2, "relapse_treatment___nask",
                                                         "1")
    assert "NASK (Not asked) is ticked" in hit["message"]
    got = study.table("relapses").filter(
        (pl.col("patient_id") == relapse["record_id"])
        & (pl.col("onset_date").cast(pl.String) == relapse["relapse_onset"]))
    assert got["steroid_treated"].to_list() == [None]


def test_exclusive_must_name_a_checkbox_field(tmp_path: Path) -> None:
    p = build(n=2, seed=4)
    with pytest.raises(UsageError, match=r"exclusive relapse_severity: the data dictionary has "
                                         r"no checkbox field"):
        read_redcap(p.write(tmp_path / "e.csv"), DICTIONARY,
                    mapping(tmp_path, True, 'exclusive = { relapse_severity = ["1"] }\n'))


def test_a_validation_error_names_the_redcap_field_and_the_mscohort_column(tmp_path: Path
                                                                           ) -> None:
    p = build(n=3, seed=4)
    row = _row(p, "dmt", "MS002")
    row["dmt_stop"] = "31/12/2011"  # a DD/MM/YYYY date
    _, report = check_study(read_redcap(p.write(tmp_path / "e.csv", "label", "label"),
                                        DICTIONARY, mapping(tmp_path, True)), as_of=AS_OF)
    bad = report.errors.row(0, named=True)
    assert (bad["rule"], bad["file"], bad["row"], bad["column"], bad["value"]) == (
        "bad_date", "e.csv (dmt)", p.rows.index(row) + 2, "dmt_stop (stop_date)", "31/12/2011")


def test_a_second_fetch_never_overwrites_the_first(tmp_path: Path) -> None:
    from mscohort.interop.redcap_api import PlainHttpWarning, fetch_redcap

    p = build(n=2, seed=4)
    export = p.write(tmp_path / "e.csv")
    with redcap_server(export, DICTIONARY) as (url, _), pytest.warns(
            PlainHttpWarning, match=r"plain http: the token and the records travel"):
        first = fetch_redcap(url, TOKEN, tmp_path / "kept", allow_http=True)
        second = fetch_redcap(url, TOKEN, tmp_path / "kept", allow_http=True)
    assert first[0].name == "redcap_export.csv" and second[0].name == "redcap_export-2.csv"
    assert first[0].read_text() == second[0].read_text() == export.read_text()
