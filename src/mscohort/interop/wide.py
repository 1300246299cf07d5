"""Wide registry sheets (one row per patient, repeated columns EDSS_1, DATE_1, EDSS_2, ...)
read into the canonical tables by a mapping file, then validated and imported like any study.

Mapping (TOML)::

    [sheet]
    file = "registry.xlsx"      # CSV, TSV, XLSX or Parquet, beside the mapping file
    sheet = "Patients"          # for a workbook (default: the first sheet)
    id = "PATID"                # the patient identifier column

    [patients]                  # one value per patient: canonical column = sheet column
    sex = "SEX"
    birth_date = "DOB"
    onset_date = "ONSET"

    [[repeat]]                  # a repeated group: {n} = 1, 2, ... while the columns exist
    table = "edss"
    columns = { date = "VISIT_DATE_{n}", edss = "EDSS_{n}" }

A group whose cells are all empty for a patient is skipped. Every record keeps the sheet row
of its patient, so validation messages point into the sheet. A mapping that names a missing
column, an unknown table or column, or a group without ``{n}`` is a usage error naming it.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import polars as pl

from mscohort.errors import UnreadableFileError, UsageError, read_toml
from mscohort.ingest import readers
from mscohort.ingest.folder import RawStudy, RawTable
from mscohort.issues import empty_issues
from mscohort.schema import TABLES


def _check_columns(where: str, table: str, columns: dict[str, str]) -> None:
    spec = TABLES.get(table)
    if spec is None:
        raise UsageError(f"{where}: {table!r} is not a table; must be one of "
                         f"{', '.join(TABLES)}.")
    for canonical in columns:
        if canonical not in spec.column_by_name or canonical == "patient_id":
            raise UsageError(f"{where}: {canonical!r} is not a column of {table} (the "
                             "patient identifier comes from [sheet] id).")


def read_wide(mapping_path: str | Path) -> RawStudy:
    """The canonical tables of the wide sheet a mapping file describes (module docstring)."""
    mapping_path = Path(mapping_path)
    where = f"wide-sheet mapping {mapping_path}"
    raw = read_toml(mapping_path, "wide-sheet mapping")
    sheet = raw.get("sheet")
    if not isinstance(sheet, dict) or "file" not in sheet or "id" not in sheet:
        raise UsageError(f"{where}: [sheet] must give file and id.")
    unknown = set(raw) - {"sheet", "patients", "repeat"}
    if unknown:
        raise UsageError(f"{where}: unknown section(s) {', '.join(sorted(unknown))}; allowed: "
                         "sheet, patients, repeat.")
    path = mapping_path.parent / str(sheet["file"])
    if not path.exists():
        raise UsageError(f"{where}: [sheet] file {path} does not exist.")
    try:
        if readers.file_kind(path) == "xlsx":
            name = str(sheet.get("sheet") or readers.xlsx_sheets(path)[0])
            frame, label = readers.read_xlsx(path, name), f"{path.name}[{name}]"
        elif readers.file_kind(path) == "parquet":
            frame, label = readers.read_parquet(path), path.name
        else:
            frame, label = readers.read_csv(path), path.name
    except UnreadableFileError as exc:
        raise UsageError(f"{where}: {exc}") from None

    def col(name: str, key: str) -> str:
        if name not in frame.columns:
            have = ", ".join(c for c in frame.columns if c != "_row")
            raise UsageError(f"{where}: {key} names column {name!r}, which {label} does not "
                             f"have (columns: {have}).")
        return name

    pid = pl.col(col(str(sheet["id"]), "[sheet] id")).alias("patient_id")
    patients = {str(k): str(v) for k, v in raw.get("patients", {}).items()}
    _check_columns(f"{where}: [patients]", "patients", patients)
    tables: dict[str, list[pl.DataFrame]] = {"patients": [frame.select(
        "_row", pid, *(pl.col(col(v, f"[patients] {k}")).alias(k) for k, v in patients.items()))]}
    for i, group in enumerate(raw.get("repeat", [])):
        key = f"[[repeat]] {i + 1}"
        table, columns = group.get("table"), group.get("columns")
        if not isinstance(table, str) or not isinstance(columns, dict) or not columns:
            raise UsageError(f"{where}: {key} must give a table and its columns.")
        _check_columns(f"{where}: {key}", table, columns)
        if not all("{n}" in str(v) for v in columns.values()):
            raise UsageError(f"{where}: {key}: every column pattern must contain {{n}}, "
                             f"e.g. EDSS_{{n}}.")
        found = 0
        for n in itertools.count(1):
            names = {k: str(v).replace("{n}", str(n)) for k, v in columns.items()}
            present = [c in frame.columns for c in names.values()]
            if not any(present):
                break
            if not all(present):
                missing = [c for c in names.values() if c not in frame.columns]
                raise UsageError(f"{where}: {key}: {label} has some columns of repeat {n} "
                                 f"but not {', '.join(missing)}.")
            part = frame.select("_row", pid, *(pl.col(c).alias(k) for k, c in names.items()))
            tables.setdefault(table, []).append(
                part.filter(pl.any_horizontal(pl.col(k).is_not_null() for k in names)))
            found += 1
        if found == 0:
            first = next(iter(columns.values()))
            raise UsageError(f"{where}: {key}: {label} has no column "
                             f"{str(first).replace('{n}', '1')!r}.")
    sha = readers.sha256(path)
    raw_tables = {name: RawTable(name, label, path, sha,
                                 pl.concat(parts, how="diagonal").sort("_row", maintain_order=True))
                  for name, parts in tables.items()}
    return RawStudy(mapping_path.parent, raw_tables, empty_issues())
