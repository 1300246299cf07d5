"""An import checked against the store before it is made: its issues (with the stored
records it does not bring rechecked, :mod:`mscohort.store.rechecks`) and what it would
change (:func:`mscohort.store.changes.store_diff`), read-only, so that a user sees the diff
first and then accepts it with a name and a reason, or declines and nothing changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from mscohort.ingest import RawStudy
from mscohort.store.changes import StoreDiff
from mscohort.store.duckdb_store import StudyStore
from mscohort.store.kept import decided_words
from mscohort.store.rechecks import birth_recheck
from mscohort.study import Study
from mscohort.validate import ValidationReport, check_study


@dataclass(frozen=True)
class Preview:
    """What importing a study would do.

    ``report`` holds the import's own issues and those of stored records it would make
    invalid (a corrected birth date), but not ``conflicts_with_store``: the changed values
    are in ``diff`` (None when there is no store yet), to be accepted or declined.
    """

    study: Study
    report: ValidationReport
    diff: StoreDiff | None
    version: int = 0  #: the store version the import was compared with (0: no store)

    @property
    def applied(self) -> StoreDiff | None:
        """What an import without choices writes: the diff without the corrections and
        retractions made in mscohort, which it keeps (:mod:`mscohort.store.reimport`)."""
        return None if self.diff is None else self.diff.keeping(self.diff.corrections)

    @property
    def needs_acceptance(self) -> bool:
        """True when the import changes stored values (corrections need who and why); not
        for the values it keeps (corrected in mscohort)."""
        applied = self.applied
        return applied is not None and applied.changed.height > 0

    @property
    def n_added(self) -> int:
        """Records the import adds (not those of the retractions it keeps)."""
        applied = self.applied
        return 0 if applied is None else sum(applied.added.values())

    def kept_words(self) -> list[str]:
        """How many corrections and retractions made in mscohort the import keeps, in the
        words of its summary (``2 corrections made in mscohort kept (the file's value not
        taken)``); empty when none."""
        if self.diff is None:
            return []
        n_retractions = self.diff.n_retractions
        return decided_words("kept", self.diff.corrections.height - n_retractions,
                             n_retractions)

    @property
    def has_missing(self) -> bool:
        """True when stored records are absent from the tables the import brings."""
        return self.diff is not None and self.diff.missing.height > 0


def preview_raw(raw: RawStudy, *, db: str | Path | None = None,
                as_of: dt.date | None = None) -> Preview:
    """Validate ``raw`` and compare it with the store ``db`` (if it exists), read-only."""
    if db is None or not Path(db).exists():
        study, report = check_study(raw, as_of=as_of)
        return Preview(study, report, None)
    with StudyStore(db, read_only=True) as store:
        study, report = check_study(raw, known_patients=store.known_patients(), as_of=as_of)
        diff = store.diff(study, set(raw.tables))
        # the corrections made in the tool are kept by default (store.reimport)
        births = birth_recheck(store.con, study, diff.keeping(diff.corrections))
        version = store.version()
    if births:
        report = ValidationReport.from_issues([report.issues, *births], report.source)
    return Preview(study, report, diff, version)
