"""A registry's study folder staged on disk in patient batches, for validation a batch at a
time (issue #23): memory holds one batch, not the whole study.

:func:`stage_study` finds and names the files as :func:`mscohort.ingest.read_study` does
(same file search, same file-level issues), reading only their headers; then streams each
file once (polars' streaming engine) into Parquet parts, one per batch of patients. The
patients file's ids, sorted, are cut into ranges of ``batch_patients`` ids; a row's batch is
the range its ``patient_id`` falls in (``patient_id`` text as read: trimmed, missing tokens
empty; an id of no patient falls in a range too, and an empty one in the first), so every
row of one patient, in every table, is in the same batch whatever the order of the files:
nothing assumes sorted input. A folder written in patient order is thus staged, validated
and stored in that order (the store's reads by patient range stay fast).
:func:`StagedStudy.batch` reads one batch back as a :class:`RawStudy` whose tables hold
exactly the rows ``read_study`` gives for those patients, in file order, with the same
``_row`` (the row as a spreadsheet shows it).

Small files (under :data:`STREAM_MIN_BYTES`) and CSV files that are not UTF-8 are read whole
by the usual readers and then staged, so their edge cases are read exactly as before.
Workbooks are not staged (:func:`stage_study` returns None: read them whole).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import polars as pl

from mscohort.errors import UnreadableFileError
from mscohort.ingest import readers
from mscohort.ingest.encoding import file_encoding
from mscohort.ingest.folder import RawStudy, RawTable, canonical_columns, read_study
from mscohort.ingest.mapping import Mapping
from mscohort.schema import TABLES

#: Files at least this large are streamed; smaller ones are read whole and then staged.
STREAM_MIN_BYTES = 1 << 20
#: Compression of the staged parts (temporary files read once: speed over size).
PART_COMPRESSION: Final = "lz4"
BATCH = "_batch"


def _clean_names(names: list[str]) -> list[str]:
    """Column names as :func:`mscohort.ingest.readers._clean` gives them."""
    return [(n.replace("\ufeff", "").strip() or f"_unnamed_{i + 1}") for i, n in
            enumerate(names)]


def _clean_lazy(frame: pl.LazyFrame, first_row: int) -> pl.LazyFrame:
    """:func:`mscohort.ingest.readers._clean` as a lazy query (streamed), except the drop of
    empty unnamed columns, which needs the whole file (:func:`_empty_unnamed`)."""
    names = frame.collect_schema().names()
    frame = frame.rename(dict(zip(names, _clean_names(names), strict=True)))
    cols = frame.collect_schema().names()
    frame = frame.with_columns(
        pl.col(c).cast(pl.String).str.strip_chars() for c in cols
    ).with_columns(
        pl.when(pl.col(c).is_in(readers.MISSING_TOKENS)).then(None).otherwise(pl.col(c))
        .alias(c) for c in cols
    )
    frame = frame.with_row_index(readers.ROW, offset=first_row).with_columns(
        pl.col(readers.ROW).cast(pl.Int64))
    if len(cols) > 0:
        frame = frame.filter(~pl.all_horizontal(pl.exclude(readers.ROW).is_null()))
    return frame


def _source(path: Path) -> pl.LazyFrame:
    """The cleaned text rows of one CSV or Parquet file, as a lazy (streamed) query."""
    kind = readers.file_kind(path)
    small = path.stat().st_size < STREAM_MIN_BYTES
    if kind == "parquet":
        if small:
            return readers.read_parquet(path).lazy()
        try:
            scan = pl.scan_parquet(path)
            scan = scan.select(pl.all().cast(pl.String))
        except Exception as exc:
            raise UnreadableFileError(f"{path.name} cannot be read as Parquet: {exc}") from None
        return _clean_lazy(scan, first_row=1)
    if small or file_encoding(path) not in ("utf-8", "utf-8-sig"):
        return readers.read_csv(path).lazy()
    with path.open("rb") as fh:
        head = fh.read(1 << 16).removeprefix(b"\xef\xbb\xbf")
    end = head.find(b"\n")
    header = head[:end if end >= 0 else None].decode("utf-8", errors="replace")
    try:
        scan = pl.scan_csv(path, separator=readers.separator(path, header),
                           infer_schema=False, truncate_ragged_lines=False)
        scan.collect_schema()
    except Exception as exc:
        raise UnreadableFileError(f"{path.name} cannot be read as CSV: {exc}".strip()) from None
    return _clean_lazy(scan, first_row=2)


def _empty_unnamed(frame: pl.LazyFrame) -> list[str]:
    """Unnamed columns with no value at all (spreadsheet artefacts, dropped as
    :func:`mscohort.ingest.readers._clean` drops them)."""
    unnamed = [c for c in frame.collect_schema().names() if c.startswith("_unnamed_")]
    if not unnamed:
        return []
    counts = frame.select(pl.col(unnamed).is_not_null().sum()).collect(engine="streaming")
    return [c for c in unnamed if counts[c][0] == 0]


@dataclass(frozen=True)
class StagedTable:
    """One table's file staged in batches: the header as read (canonical names), and the
    folder of its Parquet parts (``_batch=k/*.parquet``, the file's own column names)."""

    raw: RawTable  #: the table with an empty frame (its canonical columns only)
    parts: Path
    columns: tuple[str, ...]  #: the file's cleaned column names kept, with ``_row``
    rows: int  #: rows read (non-empty records)


@dataclass(frozen=True)
class StagedStudy:
    """A study folder staged in ``n_batches`` patient batches (see the module notes)."""

    header: RawStudy  #: as ``read_study`` reads it, every frame empty
    tables: dict[str, StagedTable] = field(default_factory=dict)
    n_batches: int = 1
    mapping: Mapping = field(default_factory=Mapping)

    def batch(self, k: int) -> RawStudy:
        """Batch ``k`` as ``read_study`` reads those patients' rows: canonical columns,
        file order, ``_row`` kept; its issues are the file-level issues of the folder and
        the row issues of these rows."""
        tables: dict[str, RawTable] = {}
        issues = [self.header.issues]
        mapping = self.mapping
        for name, staged in self.tables.items():
            folder = staged.parts / f"{BATCH}={k}"
            files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
            frame = (pl.read_parquet(files).sort(readers.ROW) if files else
                     pl.DataFrame(schema={c: pl.Int64 if c == readers.ROW else pl.String
                                          for c in staged.columns}))
            frame = frame.select(staged.columns)
            renamed, problems = canonical_columns(frame, TABLES[name],
                                                   mapping.for_table(name), staged.raw.source)
            issues += [p.filter(pl.col("row").is_not_null()) for p in problems]
            tables[name] = RawTable(name, staged.raw.source, staged.raw.path,
                                    staged.raw.sha256, renamed, staged.raw.date_formats)
        return RawStudy(self.header.root, tables, pl.concat(issues),
                        self.header.unresolved, self.header.unread)


def _names(frame: pl.LazyFrame) -> list[str]:
    return [c for c in frame.collect_schema().names() if c != readers.ROW]


def _patient_column(columns: list[str], name: str, mapping: Mapping) -> str | None:
    """The file's column that becomes ``patient_id`` (the rename of ``read_study``)."""
    probe = pl.DataFrame({c: [c] for c in columns}, schema={c: pl.String for c in columns})
    renamed, _ = canonical_columns(probe.with_columns(pl.lit(0, pl.Int64).alias(readers.ROW)),
                                    TABLES[name], mapping.for_table(name), "")
    return renamed["patient_id"][0] if "patient_id" in renamed.columns else None


def stage_study(path: str | Path, out: str | Path, batch_patients: int,
                mapping: Mapping | None = None) -> StagedStudy | None:
    """Stage the study folder ``path`` under ``out`` in batches of about ``batch_patients``
    patients (the rows of its patients file, hashed); None when it is a workbook or holds
    one, or has no patients table with ``patient_id`` (read it whole with ``read_study``:
    the report's notes on unreadable patients count every row)."""
    root = Path(path)
    mapping = mapping or Mapping()
    if root.is_file() or (root.is_dir() and any(
            readers.file_kind(p) == "xlsx" for p in root.iterdir() if p.is_file())):
        return None
    sources: dict[Path, pl.LazyFrame] = {}
    dropped: dict[Path, list[str]] = {}

    def header(fpath: Path, sheet: str | None) -> pl.DataFrame:
        frame = _source(fpath)
        sources[fpath] = frame
        dropped[fpath] = _empty_unnamed(frame)
        names = [c for c in frame.collect_schema().names() if c not in dropped[fpath]]
        return pl.DataFrame(schema={c: pl.Int64 if c == readers.ROW else pl.String
                                    for c in names})

    head = read_study(root, mapping, reader=header)
    patients = head.tables.get("patients")
    if patients is None or "patient_id" not in patients.frame.columns:
        return None
    people = sources[patients.path].drop(dropped[patients.path])
    who = _patient_column(_names(people), "patients", mapping)
    # batch k holds the patient ids from the k-th bound (inclusive) to the next, in sorted
    # order: a folder written in patient order is staged, and stored, in that order
    bounds = (people.select(pl.col(who or "patient_id").alias("id")).drop_nulls().unique()
              .sort("id").gather_every(batch_patients).slice(1)
              .collect(engine="streaming").to_series())
    out = Path(out)
    tables: dict[str, StagedTable] = {}
    for name, table in head.tables.items():
        frame = sources[table.path].drop(dropped[table.path])
        columns = frame.collect_schema().names()
        who = _patient_column(_names(frame), name, mapping)
        of = pl.col(who) if who is not None else pl.lit(None, pl.String)
        parts = out / name
        batch = pl.lit(bounds).search_sorted(of, side="right").alias(BATCH)
        try:
            frame.with_columns(batch).sink_parquet(
                pl.PartitionBy(parts, key=BATCH, include_key=False), mkdir=True,
                compression=PART_COMPRESSION)
        except (pl.exceptions.ComputeError, pl.exceptions.PolarsError) as exc:
            raise UnreadableFileError(f"{table.path.name} cannot be read as CSV: {exc}"
                                      .strip()) from None
        rows = pl.scan_parquet(parts / "**" / "*.parquet").select(pl.len()).collect().item() \
            if any(parts.rglob("*.parquet")) else 0
        tables[name] = StagedTable(table, parts, tuple(columns), int(rows))
    return StagedStudy(head, tables, bounds.len() + 1, mapping)


__all__ = ["STREAM_MIN_BYTES", "StagedStudy", "StagedTable", "stage_study"]
