"""The in-memory study: one typed polars frame per canonical table.

Produced by validation (:func:`mscohort.validate.check_study`) and by reading a store back.
Frames hold the table's stored columns (canonical columns plus ``*_precision`` companions of
partial dates) and, when the study came from files, the lineage columns ``_file`` and
``_row`` that say where each record was read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from mscohort.schema import TABLES

LINEAGE = ("_file", "_row")


def empty_table(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=TABLES[name].stored_schema())


@dataclass(frozen=True)
class Study:
    """Typed canonical tables. Absent optional tables are empty frames with the right columns."""

    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    #: Each table's sorted view, kept with the frame it was made from (a registry-size table
    #: is sorted once, not by every derivation that reads it; a replaced frame is re-sorted).
    _sorted: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def table(self, name: str) -> pl.DataFrame:
        """Table ``name`` with its stored columns only, sorted by its key."""
        spec = TABLES[name]
        frame = self.tables.get(name)
        if frame is None:
            return empty_table(name)
        kept = self._sorted.get(name)
        if kept is not None and kept[0] is frame:
            return kept[1]
        view = frame.select(spec.stored_columns).sort(spec.key, nulls_last=True)
        self._sorted[name] = (frame, view)
        return view

    @classmethod
    def sorted_once(cls, tables: dict[str, pl.DataFrame]) -> Study:
        """A study holding each table only as its sorted view (stored columns, in the order
        of the key; a frame already in that order, as a store reads it, is kept as it is):
        :meth:`table` then returns the frame itself, and a registry-size table is not held
        twice, unsorted and sorted (issue #23). For frames without lineage columns."""
        views = {}
        for name, frame in tables.items():
            spec = TABLES[name]
            view = frame.select(spec.stored_columns)
            views[name] = view if is_key_sorted(view, spec.key) else view.sort(
                spec.key, nulls_last=True)
        study = cls(views)
        study._sorted.update({name: (view, view) for name, view in views.items()})
        return study

    def lineage(self, name: str) -> pl.DataFrame:
        """Table ``name`` with its ``_file`` and ``_row`` lineage columns, as validated."""
        frame = self.tables.get(name)
        return frame if frame is not None else empty_table(name)

    @property
    def patients(self) -> pl.DataFrame:
        return self.table("patients")

    @property
    def edss(self) -> pl.DataFrame:
        return self.table("edss")

    def n_rows(self) -> dict[str, int]:
        return {name: self.tables[name].height if name in self.tables else 0 for name in TABLES}


def is_key_sorted(frame: pl.DataFrame, key: tuple[str, ...]) -> bool:
    """Whether the rows of ``frame`` are in ascending order of the columns ``key`` (compared
    row by row with the previous one, lexicographically; ``key`` columns without nulls)."""
    if frame.height < 2:
        return True
    ordered = pl.col(key[-1]) >= pl.col(key[-1]).shift(1)
    for column in reversed(key[:-1]):
        now, before = pl.col(column), pl.col(column).shift(1)
        ordered = (now > before) | ((now == before) & ordered)
    if frame.select(pl.any_horizontal(pl.col(list(key)).is_null().any())).item():
        return False
    return bool(frame.select(ordered.slice(1).all()).item())
