"""CDISC Dataset-JSON (version 1.1) for the SDTM datasets: one ``<domain>.json`` per domain,
with the dataset's name, label, ``itemGroupOID``, ``records``, ``columns`` (``itemOID``,
``name``, ``label``, ``dataType``, ``length`` for strings) and ``rows`` (arrays of values in
column order; null for missing). Written and read without third-party code.

Reference: CDISC Dataset-JSON v1.1 specification (cdisc.org/standards/data-exchange/dataset-json).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import cast

import polars as pl

from mscohort._version import __version__
from mscohort.errors import UnreadableFileError
from mscohort.ingest import readers

VERSION = "1.1.0"
DATASET_LABELS = {
    "DM": "Demographics", "MH": "Medical History", "CE": "Clinical Events",
    "CM": "Concomitant/Prior Medications", "EX": "Exposure", "LB": "Laboratory Test Results",
    "AE": "Adverse Events", "RS": "Disease Response and Clin Classification",
    "FT": "Functional Tests", "OE": "Ophthalmic Examinations", "XM": "Brain MRI Lesion Counts",
}
LABELS = {
    "STUDYID": "Study Identifier", "DOMAIN": "Domain Abbreviation", "RDOMAIN":
    "Related Domain Abbreviation", "USUBJID": "Unique Subject Identifier", "SUBJID":
    "Subject Identifier for the Study", "RFSTDTC": "Subject Reference Start Date/Time",
    "SITEID": "Study Site Identifier", "BRTHDTC": "Date/Time of Birth", "SEX": "Sex",
    "ARM": "Description of Planned Arm", "IDVAR": "Identifying Variable", "IDVARVAL":
    "Identifying Variable Value", "QNAM": "Qualifier Variable Name", "QLABEL":
    "Qualifier Variable Label", "QVAL": "Data Value", "OELOC": "Location Used for the "
    "Measurement", "OELAT": "Laterality",
}
SUFFIX_LABELS = {
    "SEQ": "Sequence Number", "TESTCD": "Short Name of Test", "TEST": "Name of Test",
    "CAT": "Category", "ORRES": "Result or Finding in Original Units", "ORRESU":
    "Original Units", "STRESC": "Character Result/Finding in Std Format", "STRESN":
    "Numeric Result/Finding in Standard Units", "STRESU": "Standard Units", "REPNUM":
    "Repetition Number", "DTC": "Date/Time of Collection", "STDTC": "Start Date/Time",
    "ENDTC": "End Date/Time", "TERM": "Reported Term", "TRT": "Name of Treatment", "DOSE":
    "Dose", "DOSU": "Dose Units", "SEV": "Severity/Intensity", "SER": "Serious Event",
    "OUT": "Outcome",
}
TYPES = {pl.String: "string", pl.Int64: "integer", pl.Float64: "double"}


def label(name: str) -> str:
    if name in LABELS:
        return LABELS[name]
    for suffix in sorted(SUFFIX_LABELS, key=len, reverse=True):
        if name.endswith(suffix) and len(name) - len(suffix) == 2:
            return SUFFIX_LABELS[suffix]
    return name


def write_dataset_json(frame: pl.DataFrame, domain: str, study_id: str, path: Path) -> None:
    columns = []
    for name, dtype in frame.schema.items():
        kind = TYPES.get(type(dtype), "string")
        col: dict[str, object] = {"itemOID": f"IT.{domain}.{name}", "name": name,
                                  "label": label(name), "dataType": kind}
        if kind == "string":
            col["length"] = max(1, cast(int, frame[name].str.len_chars().max()) or 1)
        columns.append(col)
    document = {
        "datasetJSONCreationDateTime": dt.datetime.now(dt.UTC).replace(microsecond=0)
        .isoformat().replace("+00:00", ""),
        "datasetJSONVersion": VERSION, "originator": "mscohort",
        "sourceSystem": {"name": "mscohort", "version": __version__},
        "studyOID": study_id, "itemGroupOID": f"IG.{domain}", "records": frame.height,
        "name": domain,
        "label": DATASET_LABELS.get(domain.removeprefix("SUPP"), domain) if not domain
        .startswith("SUPP") else f"Supplemental Qualifiers for {domain[4:]}",
        "columns": columns, "rows": frame.rows(),
    }
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def read_dataset_json(path: Path) -> pl.DataFrame:
    """A Dataset-JSON file as text columns with ``_row`` (the record number, from 1)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise UnreadableFileError(f"{path.name} is not a JSON file: {exc}") from None
    if not isinstance(doc, dict) or not str(doc.get("datasetJSONVersion", "")).startswith(
            "1.1") or not isinstance(doc.get("columns"), list) or not isinstance(
            doc.get("rows"), list):
        raise UnreadableFileError(f"{path.name} is not a Dataset-JSON 1.1 dataset (it needs "
                                  "datasetJSONVersion 1.1, columns and rows).")
    names: list[str] = []
    for i, c in enumerate(doc["columns"], start=1):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not c["name"]:
            raise UnreadableFileError(f"{path.name}: column {i} is not an object with a "
                                      f"name; got {str(c)[:80]!r}.")
        if c["name"] in names:
            raise UnreadableFileError(f"{path.name}: column {c['name']!r} appears twice "
                                      "(columns " f"{names.index(c['name']) + 1} and {i}).")
        names.append(c["name"])
    for i, r in enumerate(doc["rows"], start=1):
        if not isinstance(r, list) or len(r) != len(names):
            raise UnreadableFileError(
                f"{path.name}: row {i} is not an array of one value per column "
                f"({len(names)}); got {str(r)[:80]!r}.")
        for v in r:
            if isinstance(v, dict | list):
                raise UnreadableFileError(f"{path.name}: row {i} holds {str(v)[:80]!r}, not "
                                          "a single value.")
    frame = pl.DataFrame([[None if v is None else str(v) for v in r] for r in doc["rows"]],
                         schema={n: pl.String for n in names}, orient="row")
    return readers.clean(frame, first_row=1)
