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

    [[repeat]]                  # a repeated group: {n} = 1, 2, ... (every number present)
    table = "edss"
    columns = { date = "VISIT_DATE_{n}", edss = "EDSS_{n}" }

Every numbered block present is read, whatever its number; a number missing between 1 and
the highest is a gap, reported (``numbering_gap``) but not an end. A group whose cells are
all empty for a patient is skipped. ``header_rows = 2`` in ``[sheet]`` reads a two-row header
with merged block titles (``"Visit {n} / EDSS"``: :mod:`.wide_sheet`). Date cells holding an
Excel serial day number are read as dates, with a warning. Every record keeps the sheet row
of its patient, and messages about a value name the sheet's column with the canonical one
(``EDSS_3 (edss)``). A mapping that names a missing column, an unknown table or column, or a
group without ``{n}`` is a usage error naming it.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from mscohort.errors import UnreadableFileError, UsageError, bad_usage, read_toml
from mscohort.ingest import readers
from mscohort.ingest.folder import RawStudy, RawTable
from mscohort.interop.wide_sheet import serial_dates, two_row_header
from mscohort.issues import SOURCE_COLUMN, Rule, empty_issues, file_issue
from mscohort.schema import TABLES, Kind


def _check_columns(where: str, table: str, columns: dict[str, str]) -> None:
    spec = TABLES.get(table)
    if spec is None:
        raise bad_usage("table", f"a canonical table, one of {', '.join(TABLES)}", table,
                        where=where)
    for canonical in columns:
        if canonical not in spec.column_by_name or canonical == "patient_id":
            raise UsageError(f"{where}: {canonical!r} is not a column of {table} (the "
                             "patient identifier comes from [sheet] id).")


def _numbers(frame: pl.DataFrame, columns: dict[str, str]) -> list[str]:
    """Every block number any of the group's patterns finds among the sheet's columns."""
    found: set[str] = set()
    for pattern in columns.values():
        head, _, tail = str(pattern).partition("{n}")
        regex = re.compile(f"^{re.escape(head)}(\\d+){re.escape(tail)}$")
        found.update(hit.group(1) for c in frame.columns if (hit := regex.match(c)))
    return sorted(found, key=lambda n: (int(n), n))


def _block(frame: pl.DataFrame, table: str, names: dict[str, str], pid: pl.Expr, label: str,
           skip_empty: bool = True) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """One block's records (canonical name = sheet column), the sheet column kept per value,
    Excel serial dates read with their warnings; rows with no value skipped if asked."""
    spec, issues, values = TABLES[table], [], []
    base = frame.select("_row", pid, *names.values())
    for k, c in names.items():
        if spec.column_by_name[k].kind is Kind.DATE:
            value, found = serial_dates(base, k, c, label)
            issues.append(found)
        else:
            value = pl.col(c)
        values += [value.alias(k), pl.lit(c).alias(SOURCE_COLUMN + k)]
    part = base.select("_row", "patient_id", *values)
    if skip_empty and names:
        part = part.filter(pl.any_horizontal(pl.col(k).is_not_null() for k in names))
    return part, issues


def read_wide(mapping_path: str | Path) -> RawStudy:
    """The canonical tables of the wide sheet a mapping file describes (module docstring)."""
    mapping_path = Path(mapping_path)
    where = f"wide-sheet mapping {mapping_path}"
    raw = read_toml(mapping_path, "wide-sheet mapping")
    sheet = raw.get("sheet")
    if not isinstance(sheet, dict) or "file" not in sheet or "id" not in sheet:
        raise bad_usage("[sheet]", "a table with file and id", sheet, where=where)
    unknown = set(raw) - {"sheet", "patients", "repeat"}
    if unknown:
        raise UsageError(f"{where}: unknown section(s) {', '.join(sorted(unknown))}; allowed: "
                         "sheet, patients, repeat.")
    header_rows = sheet.get("header_rows", 1)
    if header_rows not in (1, 2):
        raise bad_usage("[sheet] header_rows", "1 or 2", header_rows, where=where)
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
    if header_rows == 2:
        frame = two_row_header(frame)

    def col(name: str, key: str) -> str:
        if name not in frame.columns:
            have = ", ".join(c for c in frame.columns if c != "_row")
            raise UsageError(f"{where}: {key} names column {name!r}, which {label} does not "
                             f"have (columns: {have}).")
        return name

    pid = pl.col(col(str(sheet["id"]), "[sheet] id")).alias("patient_id")
    patients = {str(k): str(v) for k, v in raw.get("patients", {}).items()}
    _check_columns(f"{where}: [patients]", "patients", patients)
    part, issues = _block(frame, "patients", {k: col(v, f"[patients] {k}")
                                              for k, v in patients.items()}, pid, label,
                          skip_empty=False)
    tables: dict[str, list[pl.DataFrame]] = {"patients": [part]}
    for i, group in enumerate(raw.get("repeat", [])):
        key = f"[[repeat]] {i + 1}"
        table, columns = group.get("table"), group.get("columns")
        if not isinstance(table, str) or not isinstance(columns, dict) or not columns:
            raise bad_usage(key, "a table with a table name and its columns", group,
                            where=where)
        _check_columns(f"{where}: {key}", table, columns)
        if not all("{n}" in str(v) for v in columns.values()):
            raise bad_usage(f"{key} columns", "patterns that each contain {n}, e.g. EDSS_{n}",
                            columns, where=where)
        numbers = _numbers(frame, columns)
        if not numbers:
            first = next(iter(columns.values()))
            raise UsageError(f"{where}: {key}: {label} has no column "
                             f"{str(first).replace('{n}', '1')!r}.")
        for n in numbers:
            names = {k: str(v).replace("{n}", n) for k, v in columns.items()}
            missing = [c for c in names.values() if c not in frame.columns]
            if missing:
                raise UsageError(f"{where}: {key}: {label} has some columns of repeat {n} "
                                 f"but not {', '.join(missing)}.")
            part, found = _block(frame, table, names, pid, label)
            tables.setdefault(table, []).append(part)
            issues += found
        present = {int(n) for n in numbers}
        gaps = [str(n) for n in range(1, max(present)) if n not in present]
        if gaps:
            pattern = next(iter(columns.values()))
            issues.append(file_issue(
                Rule.NUMBERING_GAP, label,
                f"{key} ({table}): {label} has no block {', '.join(gaps)} of {pattern} "
                f"(blocks found: {', '.join(numbers)}); every block present is read",
                column=str(pattern), value=", ".join(gaps)))
    sha = readers.sha256(path)
    raw_tables = {name: RawTable(name, label, path, sha,
                                 pl.concat(parts, how="diagonal").sort("_row", maintain_order=True))
                  for name, parts in tables.items()}
    return RawStudy(mapping_path.parent, raw_tables,
                    pl.concat(issues) if issues else empty_issues())
