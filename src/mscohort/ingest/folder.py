"""Find each canonical table's file in a study folder (or workbook) and read it.

Where a table's data are looked for, in order:

1. the ``file`` (and ``sheet``) the mapping names for it;
2. a file named after the table: ``edss.csv``, ``edss.xlsx`` or ``edss.parquet``;
3. a sheet named after the table in a workbook (``*.xlsx``) of the folder.

``path`` may also be a single workbook with one sheet per table. File-level problems
(missing, unreadable, ambiguous or unused files; missing, duplicate or unknown columns)
are returned as issues, so that validation reports them together with row-level ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from mscohort.errors import UnreadableFileError, UsageError, bad_usage
from mscohort.ingest import readers
from mscohort.ingest.date_formats import apply_formats, declared
from mscohort.ingest.encoding import encoding_issues
from mscohort.ingest.mapping import Mapping, TableMapping
from mscohort.ingest.mapping_reuse import retarget
from mscohort.issues import Rule, empty_issues, file_issue, row_issues
from mscohort.schema import PRECISION_SUFFIX, TABLES, Table

_DUPLICATED = re.compile(r"^(.*)_duplicated_\d+$")
#: the derived tables ``mscohort export`` writes beside the canonical ones
DERIVED_PREFIX = "derived_"
PRECISIONS = ("day", "month")


@dataclass(frozen=True)
class RawTable:
    """One table as read: text values under canonical column names, plus ``_row``."""

    table: str
    source: str  #: file name as shown in messages, e.g. ``edss.csv`` or ``study.xlsx[edss]``
    path: Path
    sha256: str
    frame: pl.DataFrame
    #: the declared format of each date column's text values (mapping), converted to ISO
    #: 8601 where they fit; validation names it for a value that does not
    date_formats: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RawStudy:
    """Every table found in a study folder, and the file-level issues met reading it."""

    root: Path
    tables: dict[str, RawTable] = field(default_factory=dict)
    issues: pl.DataFrame = field(default_factory=empty_issues)
    #: tables whose file the mapping names but which does not exist, or whose file could
    #: not be read (already reported)
    unresolved: frozenset[str] = frozenset()
    #: tables whose file could not be read: table -> the file (as in the issues)
    unread: dict[str, str] = field(default_factory=dict)


def _locate(
    root: Path, workbook: Path | None, spec: Table, tm: TableMapping, files: list[Path],
    sheets: dict[Path, list[str]],
) -> tuple[list[tuple[Path, str | None]], pl.DataFrame | None]:
    """Candidate (path, sheet) pairs for a table, or an issue when the mapping points nowhere."""
    name = spec.name
    if tm.file is not None:
        path = (root / tm.file) if workbook is None else (workbook.parent / tm.file)
        if not path.is_file():
            return [], file_issue(
                Rule.MISSING_FILE, tm.file,
                f"the mapping names {tm.file} for table {name}, but there is no such file",
            )
        sheet = tm.sheet or (name if readers.file_kind(path) == "xlsx" else None)
        return [(path, sheet)], None
    if workbook is not None:
        wanted = tm.sheet or name
        hits = [s for s in sheets[workbook] if s.strip().lower() == wanted.lower()]
        return [(workbook, s) for s in hits], None
    by_name = [p for p in files if p.stem.lower() == name and readers.file_kind(p)]
    if by_name:
        return [(p, tm.sheet or name if readers.file_kind(p) == "xlsx" else None)
                for p in by_name], None
    wanted = tm.sheet or name
    return [
        (book, s) for book, names in sheets.items() for s in names
        if s.strip().lower() == wanted.lower()
    ], None


def _canonical_columns(
    frame: pl.DataFrame, spec: Table, tm: TableMapping, source: str
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Rename to canonical names; report mapped-but-absent, duplicate and unknown columns."""
    issues: list[pl.DataFrame] = []
    present = [c for c in frame.columns if c != readers.ROW]
    rename: dict[str, str] = {}
    for target, src in tm.columns.items():
        if src in present:
            rename[src] = target
        else:
            issues.append(file_issue(
                Rule.MISSING_COLUMN, source,
                f"the mapping names column {src!r} for {target}, but {source} has no such "
                f"column; it has: {', '.join(present)}",
                column=target,
            ))
    lower = {c.lower(): c for c in spec.column_by_name}
    lower |= {(c.name + PRECISION_SUFFIX).lower(): c.name + PRECISION_SUFFIX
              for c in spec.columns if c.month_precision}
    for col in present:
        if col in rename:
            continue
        dup = _DUPLICATED.match(col)
        if dup:
            issues.append(file_issue(
                Rule.DUPLICATE_COLUMN, source,
                f"{source} has more than one column called {dup.group(1)!r}; keep one",
                column=dup.group(1),
            ))
            continue
        if col.lower() in lower:
            rename[col] = lower[col.lower()]
    targets = list(rename.values())
    displaced: set[str] = set()
    for target in sorted({t for t in targets if targets.count(t) > 1}):
        cols = [s for s, t in rename.items() if t == target]
        issues.append(file_issue(
            Rule.DUPLICATE_COLUMN, source,
            f"columns {', '.join(map(repr, cols))} all map onto {target}; keep one",
            column=target,
        ))
        displaced.update(cols)
    for col in displaced:
        rename.pop(col)
    for col in present:
        if col in rename or col in displaced or _DUPLICATED.match(col):
            continue
        issues.append(file_issue(
            Rule.UNKNOWN_COLUMN, source,
            f"column {col!r} is not a column of {spec.name}; it is not imported "
            f"(columns: {', '.join(spec.column_by_name)})",
            column=col,
        ))
    kept = [readers.ROW, *rename]
    frame, problems = _precision(frame.select(kept).rename(rename), spec, source)
    frame = apply_formats(frame, spec, declared(spec, tm.date_formats, tm.date_format))
    return frame, issues + problems


#: The renaming of a table read to canonical columns, with its issues (public for
#: :mod:`mscohort.ingest.staging`, which renames each batch of a streamed file as a whole
#: file is renamed here).
canonical_columns = _canonical_columns


def _precision(frame: pl.DataFrame, spec: Table, source: str
               ) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Read back the ``<date>_precision`` column ``mscohort export`` writes: a date of month
    precision (stored as the 15th) is given to the month again (``1962-10``), so the import
    keeps its precision; a precision other than day or month is an error."""
    issues = []
    for col in spec.columns:
        companion = col.name + PRECISION_SUFFIX
        if companion not in frame.columns:
            continue
        if col.name not in frame.columns:
            frame = frame.drop(companion)
            continue
        text = pl.col(companion).str.to_lowercase()
        bad = frame.filter(pl.col(companion).is_not_null() & ~text.is_in(PRECISIONS))
        issues.append(row_issues(
            bad, Rule.BAD_CATEGORY, file=source, column=companion, value=pl.col(companion),
            message=pl.format("{} = '{}' is not a precision (day or month)",
                              pl.lit(companion), pl.col(companion))))
        month = (text == "month") & pl.col(col.name).str.contains(r"^\d{4}-\d{2}-\d{2}$")
        frame = frame.with_columns(
            pl.when(month.fill_null(False)).then(pl.col(col.name).str.slice(0, 7))
            .otherwise(pl.col(col.name)).alias(col.name)).drop(companion)
    return frame, issues


def _read(path: Path, sheet: str | None) -> pl.DataFrame:
    kind = readers.file_kind(path)
    if kind == "xlsx":
        return readers.read_xlsx(path, sheet or path.stem)
    if kind == "parquet":
        return readers.read_parquet(path)
    return readers.read_csv(path)


def read_study(path: str | Path, mapping: Mapping | None = None, *,
               reader: Callable[[Path, str | None], pl.DataFrame] | None = None) -> RawStudy:
    """Read every canonical table found at ``path`` (a folder, or one ``.xlsx`` workbook).

    ``reader`` reads one file (path, sheet) into a text table; the default reads it whole.
    :mod:`mscohort.ingest.staging` passes one that reads only the header, to find and name
    the files of a registry before it streams their rows."""
    read = reader or _read
    root = Path(path)
    mapping = mapping or Mapping()
    if not root.exists():
        raise UsageError(f"study path {root} does not exist.")
    workbook: Path | None = None
    if root.is_file():
        if readers.file_kind(root) != "xlsx":
            raise bad_usage("study path", "a folder or an .xlsx workbook", root,
                            shown=f"{root}, a {root.suffix or 'plain'} file")
        workbook, root = root, root.parent
        files = [workbook]
    else:
        files = sorted(p for p in root.iterdir() if p.is_file() and readers.file_kind(p))
    issues: list[pl.DataFrame] = []
    sheets: dict[Path, list[str]] = {}
    for p in files:
        if readers.file_kind(p) == "xlsx":
            try:
                sheets[p] = readers.xlsx_sheets(p)
            except UnreadableFileError as exc:
                issues.append(file_issue(Rule.UNREADABLE_FILE, p.name, str(exc)))
                sheets[p] = []
    mapping, notes = retarget(mapping, root, files, sheets, read)
    issues.extend(notes)
    tables: dict[str, RawTable] = {}
    used: set[tuple[Path, str | None]] = set()
    unresolved: set[str] = set()
    unread: dict[str, str] = {}
    hashes: dict[Path, str] = {}
    for name, spec in TABLES.items():
        tm = mapping.for_table(name)
        hits, problem = _locate(root, workbook, spec, tm, files, sheets)
        if problem is not None:
            issues.append(problem)
            unresolved.add(name)
            continue
        if len(hits) > 1:
            shown = ", ".join(_label(p, s) for p, s in hits)
            issues.append(file_issue(
                Rule.AMBIGUOUS_FILE, shown,
                f"table {name} could come from {shown}; keep one or name it in the mapping",
            ))
            used.update(hits)
            continue
        if not hits:
            continue  # whether a table is required is decided by validation
        (fpath, sheet) = hits[0]
        used.add((fpath, sheet))
        label = _label(fpath, sheet)
        try:
            frame = read(fpath, sheet)
        except UnreadableFileError as exc:
            issues.append(file_issue(Rule.UNREADABLE_FILE, label, str(exc)))
            unresolved.add(name)
            unread[name] = label
            continue
        frame, problems = _canonical_columns(frame, spec, tm, label)
        issues.extend(problems + encoding_issues(fpath, label))
        if fpath not in hashes:
            hashes[fpath] = readers.sha256(fpath)
        tables[name] = RawTable(name, label, fpath, hashes[fpath], frame,
                                declared(spec, tm.date_formats, tm.date_format))
    used_paths = {p for p, _ in used}
    for p in files:
        derived = p.stem.lower().removeprefix(DERIVED_PREFIX)
        if p not in used_paths and p.stem.lower().startswith(DERIVED_PREFIX) and (
                derived in TABLES):
            issues.append(file_issue(
                Rule.DERIVED_FILE, p.name,
                f"{p.name} is the derived table {p.stem} of an mscohort export; it is "
                "recomputed from the imported tables, not read",
            ))
        elif p not in used_paths:
            issues.append(file_issue(
                Rule.UNUSED_FILE, p.name,
                f"{p.name} matches no table (name it after a table, e.g. edss.csv, or map it); "
                "it is not imported",
            ))
        elif readers.file_kind(p) == "xlsx":
            for s in sheets.get(p, []):
                if (p, s) not in used:
                    issues.append(file_issue(
                        Rule.UNUSED_FILE, _label(p, s),
                        f"sheet {s!r} matches no table; it is not imported",
                    ))
    return RawStudy(root, tables, pl.concat(issues) if issues else empty_issues(),
                    frozenset(unresolved), unread)


def _label(path: Path, sheet: str | None) -> str:
    return f"{path.name}[{sheet}]" if sheet else path.name


def read_tables(files: dict[str, str | Path], mapping: Mapping | None = None) -> RawStudy:
    """Read single tables given as files, e.g. ``{"edss": "edss.csv"}`` (no folder search)."""
    mapping = mapping or Mapping()
    tables: dict[str, RawTable] = {}
    issues: list[pl.DataFrame] = []
    root = Path(".")
    for name, path in files.items():
        path = Path(path)
        if name not in TABLES:
            raise bad_usage("table", f"one of {', '.join(TABLES)}", name)
        if not path.is_file():
            raise UsageError(f"{name} file {path} does not exist.")
        root = path.parent
        label = path.name
        try:
            frame = _read(path, mapping.for_table(name).sheet)
        except UnreadableFileError as exc:
            issues.append(file_issue(Rule.UNREADABLE_FILE, label, str(exc)))
            continue
        frame, problems = _canonical_columns(frame, TABLES[name], mapping.for_table(name), label)
        issues.extend(problems + encoding_issues(path, label))
        tm = mapping.for_table(name)
        tables[name] = RawTable(name, label, path, readers.sha256(path), frame,
                                declared(TABLES[name], tm.date_formats, tm.date_format))
    return RawStudy(root, tables, pl.concat(issues) if issues else empty_issues())
