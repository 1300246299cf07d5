"""The files of ``mscohort events --out``, appended a batch of patients at a time (issue #23).

:class:`EventFiles` writes the events, the per-patient summary and (when asked for) the
milestone times of each batch as it comes, so that memory holds one batch, never the
cohort. A CSV file is byte for byte the one :func:`mscohort.ingest.formulas.write_safe_csv`
writes for the concatenated tables (the header once, formula-like text neutralised); a
Parquet file holds the same rows and types (one row group per batch). Milestone times are
ordered by milestone, then patient, as an unbatched run orders them: each milestone's rows
go to a part file of their own, joined at the end.

Nothing is left half-written: the files are written under temporary names beside the
targets and renamed over them only when every batch is done; after an error the temporary
files are removed and the targets are as they were.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType

import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from mscohort.analyse.disability import EventRun, EventSettings
from mscohort.analyse.event_stream import EventTotals, stream_events
from mscohort.errors import bad_argument
from mscohort.ingest.formulas import safe_csv

#: The formats of ``--out``, by file suffix.
FORMATS = (".csv", ".parquet")


def event_paths(out_file: Path, milestones: bool = False) -> dict[str, Path]:
    """The files beside ``out_file``: ``events`` (itself), ``summary`` (``*_summary``) and,
    with ``milestones``, ``milestones`` (``*_milestones``)."""
    paths = {"events": out_file,
             "summary": out_file.with_name(out_file.stem + "_summary" + out_file.suffix)}
    if milestones:
        paths["milestones"] = out_file.with_name(out_file.stem + "_milestones"
                                                 + out_file.suffix)
    return paths


class _Part:
    """One file being appended to under a temporary name."""

    def __init__(self, path: Path, parquet: bool) -> None:
        self.path = path
        self.started = False
        self._text = None if parquet else path.open("w", encoding="utf-8", newline="")
        self._writer: pq.ParquetWriter | None = None

    def append(self, frame: pl.DataFrame) -> None:
        """Append ``frame``'s rows (a CSV header and a Parquet schema only the first time)."""
        if self._text is not None:
            text = safe_csv(frame)
            self._text.write(text.split("\n", 1)[1] if self.started else text)
        elif self._writer is None:
            table = frame.to_arrow()
            self._writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
            self._writer.write_table(table)
        elif frame.height:
            self._writer.write_table(frame.to_arrow())
        self.started = True

    def close(self) -> None:
        if self._text is not None:
            self._text.close()
        if self._writer is not None:
            self._writer.close()


class EventFiles:
    """``with EventFiles(out, milestones) as files: files.append(run)`` for each batch;
    the files appear when the block ends without an error."""

    def __init__(self, out_file: str | Path, milestones: Sequence[float] = ()) -> None:
        out_file = Path(out_file)
        if out_file.suffix.lower() not in FORMATS:
            raise bad_argument("out_file", "a file ending in .csv or .parquet", out_file,
                               shown=str(out_file))
        self.parquet = out_file.suffix.lower() == ".parquet"
        self.paths = event_paths(out_file, bool(milestones))
        self.milestones = [float(m) for m in milestones]
        tag = f".partial-{os.getpid()}"
        self._parts = {name: _Part(p.with_name(p.name + tag), self.parquet)
                       for name, p in self.paths.items() if name != "milestones"}
        self._mparts = [_Part(self.paths["milestones"].with_name(
            f"{self.paths['milestones'].name}{tag}-{i}"), self.parquet)
            for i in range(len(self.milestones))] if milestones else []

    def append(self, run: EventRun) -> None:
        """Append one batch's events, summary and milestone times."""
        self._parts["events"].append(run.result.events)
        self._parts["summary"].append(run.result.summary)
        if run.milestones is not None:
            for part, m in zip(self._mparts, self.milestones, strict=True):
                part.append(run.milestones.filter(pl.col("milestone") == m))

    def __enter__(self) -> EventFiles:
        return self

    def _all(self) -> list[_Part]:
        return [*self._parts.values(), *self._mparts]

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for part in self._all():
            part.close()
        try:
            if exc_type is None:
                self._finish()
        finally:
            for part in self._all():
                part.path.unlink(missing_ok=True)

    def _finish(self) -> None:
        if self._mparts:
            joined = self.paths["milestones"].with_name(self._mparts[0].path.name + "-all")
            self._join(joined)
            os.replace(joined, self.paths["milestones"])
        for name, part in self._parts.items():
            os.replace(part.path, self.paths[name])

    def _join(self, target: Path) -> None:
        """The milestone part files one after the other (one header; one schema)."""
        if not self.parquet:
            with target.open("w", encoding="utf-8", newline="") as out:
                for i, part in enumerate(self._mparts):
                    with part.path.open(encoding="utf-8", newline="") as src:
                        if i:
                            src.readline()
                        shutil.copyfileobj(src, out)
            return
        writer: pq.ParquetWriter | None = None
        try:
            for part in self._mparts:
                source = pq.ParquetFile(part.path)
                if writer is None:
                    writer = pq.ParquetWriter(target, source.schema_arrow, compression="zstd")
                for batch in source.iter_batches():
                    writer.write_table(pa.Table.from_batches([batch]))
        finally:
            if writer is not None:
                writer.close()


def write_events(batches: Iterable[tuple[pl.DataFrame, pl.DataFrame | None]],
                 settings: EventSettings, out_file: str | Path | None = None,
                 value: str = "edss", milestones: Sequence[float] = (),
                 progress: Callable[[int], None] | None = None) -> EventTotals:
    """Events of each batch ``(visits, relapses)`` of whole patients (in identifier order)
    appended to ``out_file`` and its ``*_summary`` (and ``*_milestones``) files, as
    :func:`~mscohort.analyse.event_stream.stream_events` finds them; ``progress`` is told
    the number of each batch as it begins. Returns the summed counts.

    Example: ``write_events(VisitBatches(store), settings, "events.csv")`` with
    :class:`mscohort.store.visit_batches.VisitBatches`.
    """
    def counted() -> Iterable[tuple[pl.DataFrame, pl.DataFrame | None]]:
        for i, batch in enumerate(batches, start=1):
            if progress is not None:
                progress(i)
            yield batch

    if out_file is None:
        return stream_events(counted(), settings, value, milestones)
    with EventFiles(out_file, milestones) as files:
        return stream_events(counted(), settings, value, milestones, files.append)


__all__ = ["FORMATS", "EventFiles", "event_paths", "write_events"]
