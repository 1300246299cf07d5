"""Column mapping: a user's own file, sheet and column names onto the canonical tables.

A mapping is a small TOML file given at import (``--mapping``)::

    [patients]
    file = "demographics.csv"        # optional: the file that holds this table
    [patients.columns]
    patient_id = "MRN"               # canonical name = the column name in your file
    sex = "Gender"

    [edss]
    file = "clinic.xlsx"
    sheet = "EDSS visits"            # optional: the sheet of a workbook
    [edss.columns]
    date = "Visit date"
    edss = "EDSS score"

Only the columns that differ need a line. Renaming happens here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mscohort.errors import UsageError, read_toml
from mscohort.schema import TABLES


@dataclass(frozen=True)
class TableMapping:
    file: str | None = None
    sheet: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source


@dataclass(frozen=True)
class Mapping:
    tables: dict[str, TableMapping] = field(default_factory=dict)
    source: str | None = None

    def for_table(self, name: str) -> TableMapping:
        return self.tables.get(name, TableMapping())


def load_mapping(path: str | Path | None) -> Mapping:
    """Read and check a mapping file; every mistake raises :class:`UsageError` naming it."""
    if path is None:
        return Mapping()
    path = Path(path)
    return parse_mapping(read_toml(path, "mapping file"), f"mapping file {path}")


def parse_mapping(raw: dict[str, object], where: str = "mapping") -> Mapping:
    tables: dict[str, TableMapping] = {}
    for name, spec in raw.items():
        if name not in TABLES:
            raise UsageError(
                f"{where}: [{name}] is not a canonical table; must be one of "
                f"{', '.join(TABLES)}."
            )
        if not isinstance(spec, dict):
            raise UsageError(f"{where}: [{name}] must be a table of settings.")
        unknown = set(spec) - {"file", "sheet", "columns"}
        if unknown:
            raise UsageError(
                f"{where}: [{name}] has unknown setting(s) {', '.join(sorted(unknown))}; "
                "allowed: file, sheet, columns."
            )
        for key in ("file", "sheet"):
            if key in spec and not isinstance(spec[key], str):
                raise UsageError(f"{where}: [{name}] {key} must be a text; got {spec[key]!r}.")
        columns = spec.get("columns", {})
        if not isinstance(columns, dict):
            raise UsageError(f"{where}: [{name}.columns] must be a table of names.")
        canonical = TABLES[name].column_by_name
        for target, source in columns.items():
            if target not in canonical:
                raise UsageError(
                    f"{where}: [{name}.columns] {target} is not a column of {name}; must be one "
                    f"of {', '.join(canonical)}."
                )
            if not isinstance(source, str) or not source.strip():
                raise UsageError(
                    f"{where}: [{name}.columns] {target} must name a column of your file; "
                    f"got {source!r}."
                )
        sources = list(columns.values())
        dupes = sorted({s for s in sources if sources.count(s) > 1})
        if dupes:
            raise UsageError(
                f"{where}: [{name}.columns] maps {', '.join(dupes)} onto more than one column."
            )
        tables[name] = TableMapping(spec.get("file"), spec.get("sheet"), dict(columns))
    return Mapping(tables, where)
