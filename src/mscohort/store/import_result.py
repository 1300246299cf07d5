"""What one import did (:class:`ImportResult`), shared by the store and its writers."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from mscohort.store.reimport import CORRECTION_SCHEMA, describe
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

    @property
    def n_kept(self) -> int:
        """Corrections made in the tool that the import kept (the file's value not taken)."""
        return int((self.corrections["decision"] == "kept").sum())

    @property
    def n_overwritten(self) -> int:
        """Corrections made in the tool that the import overwrote with the file's value."""
        return int((self.corrections["decision"] == "overwritten").sum())

    def corrections_text(self) -> list[str]:
        """One line per correction kept or overwritten, in words."""
        return [f"  {r['decision']}: {r['table']} {r['record']} [{r['column']}] ("
                f"{r['file']} row {r['row']}): {describe(r)}"
                for r in self.corrections.iter_rows(named=True)]

    @property
    def changed(self) -> bool:
        return self.import_id is not None

    @property
    def rows_already_stored(self) -> dict[str, int]:
        """Rows read that were already stored (identical), per table."""
        return {t: n - self.rows_added.get(t, 0) - self.rows_changed.get(t, 0)
                for t, n in self.rows_read.items() if n}

    def summary(self) -> str:
        stored = sum(self.rows_already_stored.values())
        decided = "".join(
            f"; {n} correction{'s' if n != 1 else ''} made in mscohort {what}"
            for n, what in ((self.n_kept, "kept (the file's value not taken)"),
                            (self.n_overwritten, "overwritten with the file's value")) if n)
        if not self.changed:
            return (f"nothing new: every row ({stored}) is already stored; the store is "
                    f"unchanged{decided}")
        parts = [f"{t} +{n}" for t, n in self.rows_added.items() if self.rows_read.get(t)]
        parts += [f"{t} {n} changed" for t, n in self.rows_changed.items() if n]
        parts += [f"{t} {n} retracted" for t, n in self.rows_retracted.items() if n]
        already = "" if not stored else "; already stored (kept as they were): " + ", ".join(
            f"{t} {n}" for t, n in self.rows_already_stored.items() if n)
        return (f"import {self.import_id}: " + ", ".join(parts) + already + decided
                + f" (store version {self.import_id})")
