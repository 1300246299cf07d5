"""An upload that needs a mapping before it can be checked: data files or sheets that match
no table by name (a clinic's "Patient list", "Clinic visits") and no mapping, so that a
required table is missing (``missing_file``) or, on a re-import, nothing would be read at
all. The check page then leads to the mapping page (:mod:`mscohort.web.views_mapping`)
instead of reporting ``patients.csv`` as missing."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mscohort.errors import UnreadableFileError
from mscohort.ingest import readers
from mscohort.issues import Rule
from mscohort.schema import TABLES
from mscohort.store.preview import Preview
from mscohort.web.workspace import Staged

#: the issues a mapping resolves: shown as "needs a mapping", not as rows of the check
RESOLVED_BY_MAPPING = (str(Rule.MISSING_FILE), str(Rule.UNUSED_FILE))


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


@dataclass(frozen=True)
class MappingNeeded:
    """Why an upload without a mapping needs one.

    ``files``: the uploaded data files; ``missing``: the required tables no sheet or file is
    named after (empty on a re-import, where none is required but none was read);
    ``unused``: each data file or sheet that matches no table, with the sheets of a
    workbook none of whose sheets matches (file, sheets).
    """

    files: tuple[str, ...]
    missing: tuple[str, ...]
    unused: tuple[tuple[str, tuple[str, ...]], ...]

    def verdict(self) -> str:
        """``clinic.xlsx needs a mapping: no sheet or file is named after the patients and
        edss tables.``"""
        subject = _and(list(self.files)) if len(self.files) <= 3 else \
            f"The {len(self.files)} uploaded files"
        tables = (f"the {_and(list(self.missing))} table{'s' if len(self.missing) > 1 else ''}"
                  if self.missing else "a table, so nothing would be imported")
        return (f"{subject} need{'s' if len(self.files) == 1 else ''} a mapping: no sheet or "
                f"file is named after {tables}.")

    def unmatched(self) -> str:
        """``Matching no table by name: the sheets Patient list, Clinic visits and DMTs of
        clinic.xlsx.``"""
        parts = [f"the sheet{'s' if len(sheets) > 1 else ''} {_and(list(sheets))} of {label}"
                 if sheets else label for label, sheets in self.unused]
        return f"Matching no table by name: {_and(parts)}."


def mapping_needed(staged: Staged, preview: Preview) -> MappingNeeded | None:
    """What an upload without a mapping lacks (:class:`MappingNeeded`), or None when it
    has a mapping, is a REDCap project, reads every table it needs, or holds no file that
    matches no table (a file really missing stays a ``missing_file`` error)."""
    if staged.mapping is not None or staged.redcap:
        return None
    issues = preview.report.issues
    unused = issues.filter(pl.col("rule") == str(Rule.UNUSED_FILE))["file"].to_list()
    lacking = issues.filter(pl.col("rule") == str(Rule.MISSING_FILE)).height > 0
    if not unused or not (lacking or not preview.study.tables):
        return None
    missing = tuple(name for name, spec in TABLES.items()
                    if spec.required_file and name not in preview.study.tables) \
        if lacking else ()
    return MappingNeeded(tuple(staged.files), missing,
                         tuple((label, _sheets(staged, label)) for label in unused))


def _sheets(staged: Staged, label: str) -> tuple[str, ...]:
    """The sheets of the uploaded workbook ``label`` (none for another file, or a sheet)."""
    path = staged.data / label
    if label not in staged.files or readers.file_kind(path) != "xlsx":
        return ()
    try:
        return tuple(readers.xlsx_sheets(path))
    except UnreadableFileError:
        return ()
