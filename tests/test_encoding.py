"""CSV encodings: UTF-8 (with or without BOM), UTF-16 and Windows-1252/Latin-1 are read,
and anything but UTF-8 is reported as the warning ``assumed_encoding``."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from mscohort.errors import UnreadableFileError
from mscohort.ingest import read_study
from mscohort.ingest.encoding import decode_bytes
from mscohort.validate import check_study
from tests.conftest import AS_OF

PATIENTS = ("patient_id;sex;birth_date;onset_date;site\n"
            "P1;F;1970-01-01;1995-01-01;Zürich – St John’s €\n"
            "P2;M;1980-06-15;2001-03-01;Hôpital Saint-Éloi\n")
SITES = ["Zürich – St John’s €", "Hôpital Saint-Éloi"]


def _load(folder: Path, encoding: str, text: str = PATIENTS, bom: bytes = b""):
    (folder / "patients.csv").write_bytes(bom + text.encode(encoding))
    study, report = check_study(read_study(folder), as_of=AS_OF)
    return study, report.issues.filter(report.issues["rule"] == "assumed_encoding")


@pytest.mark.parametrize(("encoding", "bom", "named"), [
    ("utf-8", b"", None),
    ("utf-8", codecs.BOM_UTF8, None),
    ("utf-16", b"", "UTF-16"),  # Python writes a byte-order mark
    ("utf-16-le", b"", "UTF-16 (little-endian, no byte-order mark)"),
    ("utf-16-be", b"", "UTF-16 (big-endian, no byte-order mark)"),
    ("cp1252", b"", "Windows-1252"),
])
def test_each_encoding_is_read_and_any_but_utf8_is_a_warning(
        write_study, encoding: str, bom: bytes, named: str | None) -> None:
    study, warnings = _load(write_study(patients=None), encoding, bom=bom)
    assert study.patients["site"].to_list() == SITES
    if named is None:
        assert warnings.height == 0
    else:
        hit = warnings.row(0, named=True)
        assert (hit["file"], hit["value"], hit["severity"]) == ("patients.csv", named, "warning")
        assert hit["message"] == f"patients.csv is not UTF-8; it was read as {named}"


def test_latin1_is_assumed_when_a_byte_is_undefined_in_windows_1252(write_study) -> None:
    # 0x81 is undefined in Windows-1252; Latin-1 reads it as a (control) character
    text = PATIENTS.replace("Zürich – St John’s €", "Zürich\x81").replace("Hôpital Saint-Éloi",
                                                                         "Genève")
    study, warnings = _load(write_study(patients=None), "latin-1", text=text)
    assert study.patients["site"].to_list() == ["Zürich\x81", "Genève"]
    assert warnings["value"].to_list() == ["Latin-1 (ISO 8859-1)"]


def test_a_windows_1252_semicolon_file_with_decimal_commas_keeps_its_messages(
        write_study) -> None:
    folder = write_study(edss=None)
    (folder / "edss.csv").write_bytes("patient_id;date;edss\nP1;2010-01-01;3,5\n"
                                      "P2;2012-05-05;2.0\n".encode("cp1252"))
    _, report = check_study(read_study(folder), as_of=AS_OF)
    bad = report.errors.row(0, named=True)
    assert (bad["rule"], bad["row"], bad["value"]) == ("bad_number", 2, "3,5")
    assert "decimal comma" in bad["message"]
    # pure ASCII is UTF-8: no encoding warning
    assert "assumed_encoding" not in report.issues["rule"].to_list()


def test_decoding_rules_by_bytes() -> None:
    assert decode_bytes(b"a,b\n1,2\n", "x.csv").encoding == "utf-8"
    assert decode_bytes(codecs.BOM_UTF8 + b"a\n", "x.csv").encoding == "utf-8-sig"
    assert decode_bytes("é".encode("cp1252"), "x.csv").encoding == "cp1252"
    assert decode_bytes("€".encode("cp1252"), "x.csv").text == "€"
    with pytest.raises(UnreadableFileError, match="byte-order mark but is not valid UTF-8"):
        decode_bytes(codecs.BOM_UTF8 + b"\xff\xfe\xfd", "x.csv")
    with pytest.raises(UnreadableFileError, match="not text in UTF-8, UTF-16, Windows-1252"):
        decode_bytes(bytes(range(256)) + b"\x00", "x.csv")
