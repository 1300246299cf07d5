"""Validation of a staged study a batch of patients at a time (issue #23), with a bounded
issue list.

Every rule of :func:`mscohort.validate.check_study` looks at one row, or at the rows of one
patient (keys all begin with ``patient_id``; relapse spacing, EDSS after a relapse, dates
against birth and onset, the unknown-patient check), so a batch that holds every row of its
patients (:mod:`mscohort.ingest.staging`) gets exactly the issues and the typed rows that the
whole study gives those patients. File-level issues (a missing column, an unused file) are
the same in every batch and are kept once. The typed rows go to Parquet parts on disk
(:class:`TypedParts`), which the store reads in SQL; the issues are counted by rule and only
the first :data:`ROWS_PER_RULE` of each rule, in report order, are kept in memory
(:class:`IssueCollector`); every issue can also be written to a file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from mscohort.errors import bad_argument
from mscohort.ingest.staging import StagedStudy
from mscohort.issues import Severity
from mscohort.schema import TABLES
from mscohort.validate.check import check_study
from mscohort.validate.report import REPORT_COLUMNS, ValidationReport

#: Issues kept in memory per rule (every issue is counted).
ROWS_PER_RULE = 1000
#: Batches validated at once (threads).
WORKERS = 2
#: Compression of the typed parts (temporary files read once by the store: speed over size).
PART_COMPRESSION: Final = "lz4"
_ORDER = ["_order", "file", "row", "column"]


def _in_report_order(issues: pl.DataFrame) -> pl.DataFrame:
    """``issues`` sorted as :meth:`ValidationReport.from_issues` sorts them (stable)."""
    return (issues.with_columns((pl.col("severity") != str(Severity.ERROR)).alias("_order"))
            .sort(_ORDER, nulls_last=False, maintain_order=True).drop("_order"))


class IssueCollector:
    """Issues of many batches: every issue counted by severity and rule, the first
    ``rows_per_rule`` of each rule kept (in report order, as
    :meth:`ValidationReport.bounded` keeps them), every issue written to ``sink`` (a folder
    of Parquet parts) when given."""

    def __init__(self, rows_per_rule: int, sink: Path | None = None) -> None:
        if isinstance(rows_per_rule, bool) or not isinstance(rows_per_rule, int) \
                or rows_per_rule < 0:
            raise bad_argument("rows_per_rule", "a whole number >= 0", rows_per_rule)
        self.rows_per_rule = rows_per_rule
        self.sink = sink
        self._kept = pl.DataFrame(schema=ValidationReport.from_issues([]).issues.schema)
        self._counts: dict[tuple[str, str], int] = {}
        self._parts = 0

    def add(self, issues: pl.DataFrame) -> None:
        """Add the issues of one batch (report columns, any order)."""
        if issues.height == 0:
            return
        for severity, rule, n in issues.group_by("severity", "rule").len().iter_rows():
            self._counts[(severity, rule)] = self._counts.get((severity, rule), 0) + n
        if self.sink is not None:
            self.sink.mkdir(parents=True, exist_ok=True)
            issues.select(REPORT_COLUMNS).write_parquet(self.sink / f"{self._parts:06d}.parquet")
            self._parts += 1
        merged = _in_report_order(pl.concat([self._kept, issues.select(REPORT_COLUMNS)]))
        self._kept = merged.filter(pl.int_range(pl.len()).over("rule") < self.rows_per_rule)

    @property
    def n_kept(self) -> int:
        """Issues held in memory."""
        return self._kept.height

    def report(self, source: str) -> ValidationReport:
        counts = pl.DataFrame(
            [{"severity": s, "rule": r, "n": n} for (s, r), n in self._counts.items()],
            schema={"severity": pl.String, "rule": pl.String, "n": pl.UInt32},
        ).sort(["severity", "n", "rule"], descending=[False, True, False])
        return ValidationReport(self._kept, source, counts)

    def every_issue(self) -> pl.LazyFrame:
        """Every issue added, in report order (read from the sink)."""
        if self.sink is None:
            raise bad_argument("sink", "a folder given to the collector", None)
        if self._parts == 0:
            return self._kept.lazy()
        scan = pl.scan_parquet(self.sink / "*.parquet")
        return (scan.with_columns((pl.col("severity") != str(Severity.ERROR)).alias("_order"))
                .sort(_ORDER, nulls_last=False, maintain_order=True).drop("_order"))


@dataclass(frozen=True)
class TypedParts:
    """The typed tables of a batched validation as Parquet parts,
    ``<folder>/<table>/<batch>.parquet``: each part holds a table's stored columns with
    ``_file`` and ``_row`` (:meth:`mscohort.study.Study.lineage` of that batch)."""

    folder: Path
    rows: dict[str, int]  #: typed rows per table brought (0 for a table not brought)

    def files(self, name: str) -> list[Path]:
        return sorted((self.folder / name).glob("*.parquet"))

    def sql(self, name: str) -> str:
        """A DuckDB table expression reading table ``name`` (it must have parts)."""
        listed = ", ".join("'" + str(p).replace("'", "''") + "'" for p in self.files(name))
        return f"read_parquet([{listed}])"

    def frame(self, name: str, patient_ids: list[str] | None = None) -> pl.DataFrame:
        """Table ``name`` (lineage columns included), only ``patient_ids`` when given."""
        files = self.files(name)
        if not files:
            return pl.DataFrame(schema=TABLES[name].stored_schema())
        scan = pl.scan_parquet(files)
        if patient_ids is not None:
            scan = scan.filter(pl.col("patient_id").is_in(patient_ids))
        return scan.collect()


def _check_one(staged: StagedStudy, k: int, out: Path, known_patients: pl.DataFrame | None,
               as_of: dt.date | None) -> tuple[pl.DataFrame, dict[str, int]]:
    """Validate batch ``k``: its issues, and its typed rows per table (written under
    ``out`` as ``<table>/<k>.parquet``)."""
    study, report = check_study(staged.batch(k), known_patients=known_patients, as_of=as_of)
    rows = {}
    for name, frame in study.tables.items():
        (out / name).mkdir(parents=True, exist_ok=True)
        frame.write_parquet(out / name / f"{k:06d}.parquet", compression=PART_COMPRESSION)
        rows[name] = frame.height
    return report.issues, rows


def check_batches(
    staged: StagedStudy, out: Path, *, known_patients: pl.DataFrame | None = None,
    as_of: dt.date | None = None, rows_per_rule: int = ROWS_PER_RULE,
    issues_sink: Path | None = None, progress: Callable[[int, int], None] | None = None,
    workers: int = WORKERS,
) -> tuple[TypedParts, IssueCollector]:
    """Validate ``staged`` a batch at a time: the typed tables (written under ``out``) and
    the issues (:meth:`IssueCollector.report` gives the bounded report; every issue is in
    ``issues_sink`` when given). ``progress(k, n)`` is told before batch ``k`` of ``n``.

    ``workers`` batches are validated at once (threads: polars works outside Python's
    lock), at most ``workers`` ahead of the one collected; their issues are collected in
    batch order, so the report is the same whatever the number of workers."""
    collector = IssueCollector(rows_per_rule, issues_sink)
    rows = {name: 0 for name in TABLES}
    file_level: pl.DataFrame | None = None
    nulls = pl.col("row").is_null()
    n = staged.n_batches
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        running: dict[int, Future[tuple[pl.DataFrame, dict[str, int]]]] = {}
        for k in range(n):
            for j in range(k, min(n, k + max(1, workers))):
                if j not in running:
                    running[j] = pool.submit(_check_one, staged, j, out, known_patients, as_of)
            if progress is not None:
                progress(k, n)
            issues, batch_rows = running.pop(k).result()
            if file_level is None:
                file_level = issues.filter(nulls)
            elif file_level.height:  # the folder's file-level issues: kept once
                seen = issues.with_row_index("_i").filter(nulls).join(
                    file_level, on=list(REPORT_COLUMNS), how="semi", nulls_equal=True)["_i"]
                issues = issues.with_row_index("_i").filter(
                    ~pl.col("_i").is_in(seen.implode())).drop("_i")
            collector.add(issues)
            for name, height in batch_rows.items():
                rows[name] += height
    return TypedParts(out, rows), collector


__all__ = ["ROWS_PER_RULE", "WORKERS", "IssueCollector", "TypedParts", "check_batches"]
