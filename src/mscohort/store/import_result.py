"""What one import did (:class:`ImportResult`), shared by the store and its writers."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from mscohort.store.kept import decided_words
from mscohort.store.reimport import CORRECTION_SCHEMA, RECORD_COLUMN, describe
from mscohort.store.retractions import n_kept_retractions
from mscohort.validate import ValidationReport


@dataclass(frozen=True)
class ImportResult:
    """What one import did: the import id, which is the new store version (None when
    nothing was new), and rows per table read, added, changed (corrected) and retracted;
    ``corrections``: the stored values corrected in the tool that the files would change,
    each ``kept`` or ``overwritten`` (column ``decision``; :mod:`mscohort.store.reimport`)."""

    import_id: int | None
    rows_read: dict[str, int]
    rows_added: dict[str, int]
    report: ValidationReport
    rows_changed: dict[str, int] = field(default_factory=dict)
    rows_retracted: dict[str, int] = field(default_factory=dict)
    corrections: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(
        schema={**CORRECTION_SCHEMA, "decision": pl.String}))

    def _n(self, decision: str, retractions: bool) -> int:
        is_record = self.corrections["column"] == RECORD_COLUMN
        return int(((self.corrections["decision"] == decision)
                    & (is_record if retractions else ~is_record)).sum())

    @property
    def n_kept(self) -> int:
        """Corrections of values made in the tool that the import kept (the file's value
        not taken)."""
        return self._n("kept", retractions=False)

    @property
    def n_overwritten(self) -> int:
        """Corrections of values made in the tool that the import overwrote with the file's
        value."""
        return self._n("overwritten", retractions=False)

    @property
    def n_kept_retractions(self) -> int:
        """Retractions made in the tool that the import kept (the file's record not added;
        :mod:`mscohort.store.retractions`)."""
        return self._n("kept", retractions=True)

    @property
    def n_overwritten_retractions(self) -> int:
        """Retractions made in the tool that the import undid (the file's record added
        again)."""
        return self._n("overwritten", retractions=True)

    def corrections_text(self) -> list[str]:
        """One line per correction (or retraction) kept or overwritten, in words."""
        return [f"  {r['decision']}: {r['table']} {r['record']}"
                + ("" if r["column"] == RECORD_COLUMN else f" [{r['column']}]")
                + f" ({r['file']} row {r['row']}): {describe(r)}"
                for r in self.corrections.iter_rows(named=True)]

    @property
    def changed(self) -> bool:
        return self.import_id is not None

    @property
    def rows_already_stored(self) -> dict[str, int]:
        """Rows read that were already stored (identical), per table; not the records of
        kept retractions (read, but left retracted)."""
        gone = n_kept_retractions(self.corrections.filter(pl.col("decision") == "kept"))
        return {t: n - self.rows_added.get(t, 0) - self.rows_changed.get(t, 0)
                - gone.get(t, 0) for t, n in self.rows_read.items() if n}

    def summary(self) -> str:
        stored = sum(self.rows_already_stored.values())
        decided = "".join(
            f"; {words}" for words in
            decided_words("kept", self.n_kept, 0)
            + decided_words("overwritten", self.n_overwritten, 0)
            + decided_words("kept", 0, self.n_kept_retractions)
            + decided_words("overwritten", 0, self.n_overwritten_retractions))
        if not self.changed:
            read = sum(n for n in self.rows_read.values())
            every = "every row" if stored == read else "every other row"
            return (f"nothing new: {every} ({stored}) is already stored; the store is "
                    f"unchanged{decided}")
        parts = [f"{t} +{n}" for t, n in self.rows_added.items() if self.rows_read.get(t)]
        parts += [f"{t} {n} changed" for t, n in self.rows_changed.items() if n]
        parts += [f"{t} {n} retracted" for t, n in self.rows_retracted.items() if n]
        already = "" if not stored else "; already stored (kept as they were): " + ", ".join(
            f"{t} {n}" for t, n in self.rows_already_stored.items() if n)
        return (f"import {self.import_id}: " + ", ".join(parts) + already + decided
                + f" (store version {self.import_id})")
