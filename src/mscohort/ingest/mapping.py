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
from typing import Any

from mscohort.errors import UsageError, bad_usage, read_toml
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


def parse_mapping(raw: dict[str, Any], where: str = "mapping") -> Mapping:
    tables: dict[str, TableMapping] = {}
    for name, spec in raw.items():
        if name not in TABLES:
            raise bad_usage("[table]", f"a canonical table, one of {', '.join(TABLES)}",
                            name, where=where, shown=f"[{name}]")
        if not isinstance(spec, dict):
            raise bad_usage(f"[{name}]", "a table of settings", spec, where=where)
        unknown = set(spec) - {"file", "sheet", "columns"}
        if unknown:
            raise UsageError(
                f"{where}: [{name}] has unknown setting(s) {', '.join(sorted(unknown))}; "
                "allowed: file, sheet, columns."
            )
        for key in ("file", "sheet"):
            if key in spec and not isinstance(spec[key], str):
                raise bad_usage(f"[{name}] {key}", "a text", spec[key], where=where)
        columns = spec.get("columns", {})
        if not isinstance(columns, dict):
            raise bad_usage(f"[{name}.columns]", "a table of names", columns, where=where)
        canonical = TABLES[name].column_by_name
        for target, source in columns.items():
            if target not in canonical:
                raise bad_usage(f"[{name}.columns]", f"keyed by columns of {name}, one of "
                                f"{', '.join(canonical)}", target, where=where,
                                shown=f"{target} (not a column of {name})")
            if not isinstance(source, str) or not source.strip():
                raise bad_usage(f"[{name}.columns] {target}", "the name of a column of your "
                                "file", source, where=where)
        sources = list(columns.values())
        dupes = sorted({s for s in sources if sources.count(s) > 1})
        if dupes:
            raise UsageError(
                f"{where}: [{name}.columns] maps {', '.join(dupes)} onto more than one column."
            )
        tables[name] = TableMapping(spec.get("file"), spec.get("sheet"), dict(columns))
    return Mapping(tables, where)
