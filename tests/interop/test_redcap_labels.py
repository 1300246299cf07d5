"""REDCap label exports lose nothing (issue #27, case 1): raw and label exports of a
longitudinal and a classic project with repeating instruments, checkboxes and status columns,
written by the test (tests/interop/redcap_exports.py), import into exactly the study the test
wrote; labels that cannot be resolved are refused with a message, never dropped."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from mscohort.errors import UsageError
from mscohort.ingest import read_study
from mscohort.interop.redcap import read_redcap
from mscohort.interop.redcap_dictionary import event_of, instrument_of
from mscohort.validate import check_study
from tests.conftest import AS_OF
from tests.interop.redcap_exports import DICTIONARY, MISSING_CODES, build

READY = DICTIONARY.parent / "redcap_ms.toml"
TABLES = ("patients", "edss", "relapses", "treatments", "infusions")
RENDERINGS = [("raw", "raw"), ("label", "raw"), ("label", "label")]


def mapping(tmp_path: Path, longitudinal: bool, extra: str = "") -> Path:
    text = READY.read_text()
    if not longitudinal:  # a classic project has no events
        text = text.replace('event = "baseline_arm_1"\n', "")
    for line in extra.splitlines():  # a setting given here replaces the ready one
        key = line.split("=")[0].strip()
        text = "\n".join(t for t in text.splitlines() if not t.startswith(key + " ")) + "\n"
    text = text.replace("[redcap]\n", "[redcap]\n" + extra, 1)
    path = tmp_path / "mapping.toml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module", params=[True, False], ids=["longitudinal", "classic"])
def project(request, tmp_path_factory):
    p = build(n=30, seed=27, longitudinal=request.param, coded=True)
    assert p.coded >= 10 and p.unfinished >= 5
    folder = tmp_path_factory.mktemp("truth")
    truth, report = check_study(read_study(p.write_truth(folder)), as_of=AS_OF)
    assert report.ok, report.format_text()
    return p, truth


@pytest.mark.parametrize(("values", "headers"), RENDERINGS,
                         ids=["raw", "label-values", "label-headers"])
def test_every_export_gives_exactly_the_study_written(project, values: str, headers: str,
                                                      tmp_path: Path) -> None:
    p, truth = project
    export = p.write(tmp_path / "export.csv", values, headers)
    codes = f'missing_codes = "{MISSING_CODES}"\n'
    study, report = check_study(read_redcap(export, DICTIONARY, mapping(
        tmp_path, p.longitudinal, codes)), as_of=AS_OF)
    assert report.ok, report.format_text()
    # every coded cell and every unfinished form is reported, one issue each
    counts = dict(report.counts_by_rule().select("rule", "n").iter_rows())
    assert (counts["missing_code"], counts["incomplete_form"]) == (p.coded, p.unfinished)
    for table in TABLES:
        assert study.table(table).height == len(p.truth[table]), table
        assert study.table(table).equals(truth.table(table)), table
    # the repeating instruments are all there (the label export used to drop them)
    assert study.table("edss").height > 100 and study.table("infusions").height > 100


def test_the_label_export_really_carries_labels(project, tmp_path: Path) -> None:
    p, _ = project
    head, first = p.write(tmp_path / "e.csv", "label", "label").read_text().splitlines()[:2]
    assert head.startswith("Patient ID,")
    assert "Treatment (choice=Corticosteroids)" in head and "Complete?" in head
    rows = (tmp_path / "e.csv").read_text()
    assert ",Edss Visit," in rows and ",Checked," in rows and "Complete" in rows
    if p.longitudinal:
        assert "Baseline (Arm 1: Arm 1)" in first


def test_labels_resolve_as_redcap_derives_them() -> None:
    names = ["demographics", "edss_visit", "relapse"]
    assert instrument_of("Edss Visit", names, {}) == "edss_visit"
    assert instrument_of("EDSS visit", names, {}) == "edss_visit"
    assert instrument_of("EDSS assessment", names, {}) is None
    assert instrument_of("EDSS assessment", names, {"EDSS assessment": "edss_visit"}) == (
        "edss_visit")
    assert event_of("Baseline (Arm 1: Arm 1)", {}) == "baseline_arm_1"
    assert event_of("Follow-up (Arm 2: Treated)", {}) == "followup_arm_2"
    assert event_of("baseline_arm_1", {}) == "baseline_arm_1"


def test_an_unknown_instrument_label_is_refused_not_dropped(tmp_path: Path) -> None:
    p = build(n=5, seed=3)
    text = p.write(tmp_path / "e.csv", "label").read_text().replace(",Edss Visit,",
                                                                      ",EDSS assessment,")
    (tmp_path / "e.csv").write_text(text)
    with pytest.raises(UsageError, match=r"redcap_repeat_instrument 'EDSS assessment' \(rows "
                                         r"\d+.*is neither an instrument.*instruments = "):
        read_redcap(tmp_path / "e.csv", DICTIONARY, mapping(tmp_path, True))
    # declared in the mapping, it is read
    declared = mapping(tmp_path, True, 'instruments = { "EDSS assessment" = "edss_visit" }\n')
    raw = read_redcap(tmp_path / "e.csv", DICTIONARY, declared)
    assert raw.tables["edss"].frame.height == len(p.truth["edss"])


def test_an_event_label_redcap_shortened_is_declared(tmp_path: Path) -> None:
    p = build(n=4, seed=5)
    text = p.write(tmp_path / "e.csv", "label").read_text().replace(
        "Baseline (Arm 1: Arm 1)", "Baseline visit at the centre (Arm 1: Arm 1)")
    (tmp_path / "e.csv").write_text(text)
    with pytest.raises(UsageError, match=r"event 'baseline_arm_1' is not in the export"):
        read_redcap(tmp_path / "e.csv", DICTIONARY, mapping(tmp_path, True))
    declared = mapping(tmp_path, True, 'events = { "Baseline visit at the centre (Arm 1: Arm 1)"'
                                       ' = "baseline_arm_1" }\n')
    raw = read_redcap(tmp_path / "e.csv", DICTIONARY, declared)
    assert raw.tables["patients"].frame.height == 4


def test_label_headers_of_another_dictionary_are_refused_with_the_reason(tmp_path: Path
                                                                          ) -> None:
    p = build(n=3, seed=1)
    text = p.write(tmp_path / "e.csv", "label", "label").read_text().replace(
        "Date of birth", "Birth date", 1)
    (tmp_path / "e.csv").write_text(text)
    with pytest.raises(UsageError, match=r"label headers, and the header 'Birth date' \(after "
                                         r"'Sex'\) is not the label of a field.*export with "
                                         r"raw headers"):
        read_redcap(tmp_path / "e.csv", DICTIONARY, mapping(tmp_path, True))


def test_messages_of_a_label_export_name_the_export_row_and_field(tmp_path: Path) -> None:
    p = build(n=3, seed=1)
    p.rows[2]["edss"] = "3.2"  # an EDSS visit of the first patient
    export = p.write(tmp_path / "e.csv", "label", "label")
    _, report = check_study(read_redcap(export, DICTIONARY, mapping(tmp_path, True)),
                            as_of=AS_OF)
    bad = report.errors.filter(pl.col("rule") == "invalid_edss").row(0, named=True)
    assert (bad["file"], bad["row"], bad["column"], bad["value"]) == (
        "e.csv (edss_visit)", 4, "edss", "3.2")
