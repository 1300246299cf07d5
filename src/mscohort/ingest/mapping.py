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
    date_format = "DD/MM/YYYY"       # optional: how the dates typed as text are written
    [edss.columns]
    date = "Visit date"
    edss = "EDSS score"
    [patients.date_formats]          # optional: a column's own format
    onset_date = "MM/YYYY"

Only the columns that differ need a line. Renaming happens here and nowhere else. Date
formats come from the closed list of :mod:`mscohort.ingest.date_formats`; a table's
``date_format`` is a day format, a column's may be a month-only form where the column allows
month precision. A mapping made for one file applies to a file of another name when that
file is the only one of the study (or the only one with the mapped sheets):
:func:`mscohort.ingest.folder.read_study` says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mscohort.errors import UsageError, bad_usage, read_toml
from mscohort.ingest.date_formats import DATE_FORMATS, DAY_FORMATS, MONTH_FORMATS
from mscohort.schema import TABLES, Column, Kind


@dataclass(frozen=True)
class TableMapping:
    file: str | None = None
    sheet: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source
    date_format: str | None = None  #: the format of the file's text dates (a day format)
    date_formats: dict[str, str] = field(default_factory=dict)  # canonical -> its format

    def format_of(self, column: Column) -> str | None:
        """The declared format of a date column's text values (None: ISO 8601 only)."""
        if column.kind is not Kind.DATE:
            return None
        return self.date_formats.get(column.name, self.date_format)


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
        unknown = set(spec) - {"file", "sheet", "columns", "date_format", "date_formats"}
        if unknown:
            raise UsageError(
                f"{where}: [{name}] has unknown setting(s) {', '.join(sorted(unknown))}; "
                "allowed: file, sheet, columns, date_format, date_formats."
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
        date_format, date_formats = _date_formats(name, spec, where)
        tables[name] = TableMapping(spec.get("file"), spec.get("sheet"), dict(columns),
                                    date_format, date_formats)
    return Mapping(tables, where)


def _date_formats(name: str, spec: dict[str, Any], where: str
                  ) -> tuple[str | None, dict[str, str]]:
    """The ``date_format`` and ``[name.date_formats]`` of one table, checked."""
    table_format = spec.get("date_format")
    if table_format is not None and table_format not in DAY_FORMATS:
        raise bad_usage(f"[{name}] date_format", f"one of {', '.join(DAY_FORMATS)}",
                        table_format, where=where)
    formats = spec.get("date_formats", {})
    if not isinstance(formats, dict):
        raise bad_usage(f"[{name}.date_formats]", "a table of formats", formats, where=where)
    dates = {c.name: c for c in TABLES[name].columns if c.kind is Kind.DATE}
    for column, fmt in formats.items():
        if column not in dates:
            raise bad_usage(f"[{name}.date_formats]", f"keyed by date columns of {name}, one "
                            f"of {', '.join(dates)}", column, where=where,
                            shown=f"{column} (not a date column of {name})")
        allowed = DAY_FORMATS + (MONTH_FORMATS if dates[column].month_precision else ())
        if fmt not in allowed:
            month = "" if dates[column].month_precision else (
                f" (a month-only form needs a column that allows month precision; "
                f"{column} does not)" if fmt in DATE_FORMATS else "")
            raise bad_usage(f"[{name}.date_formats] {column}",
                            f"one of {', '.join(allowed)}{month}", fmt, where=where)
    return table_format, dict(formats)
