"""A mapping made for one file applied to a file of another name (a corrected copy saved as
``clinic_v2.xlsx``, a monthly export with the date in its name).

A table's ``file`` that the study does not hold is read from another file when exactly one
file can be meant: the study's only data file of the same kind, or else the only one (not
named by the mapping) that holds every sheet the mapping names for it (workbooks) or every
column it maps (CSV, TSV, Parquet). The substitution is reported as the note
``mapping_file_renamed`` ("the mapping was made for X; it is applied to Y"), never made
silently; when no single file fits, the mapping's file stays missing (``missing_file``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import polars as pl

from mscohort.errors import UnreadableFileError
from mscohort.ingest import readers
from mscohort.ingest.mapping import Mapping
from mscohort.issues import Rule, file_issue


def retarget(
    mapping: Mapping, root: Path, files: list[Path], sheets: dict[Path, list[str]],
    read: Callable[[Path, str | None], pl.DataFrame],
) -> tuple[Mapping, list[pl.DataFrame]]:
    """``mapping`` with each file name the study at ``root`` (``files``, the sheets of its
    workbooks) does not hold replaced by the one file meant, and a note per replacement."""
    names = {tm.file for tm in mapping.tables.values() if tm.file is not None}
    absent = sorted(n for n in names if not (root / n).is_file())
    if not absent:
        return mapping, []
    named = {(root / n).resolve() for n in names if (root / n).is_file()}
    free = [p for p in files if p.resolve() not in named]
    chosen: dict[str, Path] = {}
    notes: list[pl.DataFrame] = []
    for name in absent:
        kind = readers.file_kind(Path(name))
        same_kind = [p for p in free if readers.file_kind(p) == kind]
        if len(same_kind) == 1 and len(files) == 1:
            target, why = same_kind[0], "the only file of the study"
        else:
            fitting = [p for p in same_kind if _fits(mapping, name, p, sheets, read)]
            if len(fitting) != 1:
                continue
            target = fitting[0]
            why = ("the only workbook with its sheets" if kind == "xlsx" else
                   "the only file with its columns")
        chosen[name] = target
        notes.append(file_issue(
            Rule.MAPPING_FILE_RENAMED, target.name,
            f"the mapping was made for {name}; it is applied to {target.name}, {why}",
            value=name))
    if not chosen:
        return mapping, []
    tables = {t: replace(tm, file=chosen[tm.file].name) if tm.file in chosen else tm
              for t, tm in mapping.tables.items()}
    return Mapping(tables, mapping.source), notes


def _fits(mapping: Mapping, name: str, path: Path, sheets: dict[Path, list[str]],
          read: Callable[[Path, str | None], pl.DataFrame]) -> bool:
    """Whether ``path`` holds every sheet (workbook) or column (other files) that the
    mapping names for the file ``name``."""
    specs = [(t, tm) for t, tm in mapping.tables.items() if tm.file == name]
    if readers.file_kind(path) == "xlsx":
        have = {s.strip().lower() for s in sheets.get(path, [])}
        return all((tm.sheet or t).strip().lower() in have for t, tm in specs)
    try:
        columns = set(read(path, None).columns)
    except UnreadableFileError:
        return False
    return all(set(tm.columns.values()) <= columns for _, tm in specs)


def retarget_folder(mapping: Mapping, folder: Path) -> tuple[Mapping, list[str]]:
    """:func:`retarget` for the study folder ``folder`` (an upload), with the notes as
    text (for a page to say what was applied to what)."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and readers.file_kind(p))
    sheets: dict[Path, list[str]] = {}
    for p in files:
        if readers.file_kind(p) == "xlsx":
            try:
                sheets[p] = readers.xlsx_sheets(p)
            except UnreadableFileError:
                sheets[p] = []
    retargeted, notes = retarget(mapping, folder, files, sheets, _read_whole)
    return retargeted, [str(n["message"][0]) for n in notes]


def _read_whole(path: Path, sheet: str | None) -> pl.DataFrame:
    kind = readers.file_kind(path)
    return readers.read_parquet(path) if kind == "parquet" else readers.read_csv(path)


__all__ = ["retarget", "retarget_folder"]
