"""A proposed mapping written as the TOML of ``--mapping`` (docs/data-model.md), with a
comment on every line: the confidence, why, and the alternatives."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from mscohort.ingest import readers
from mscohort.ingest.date_formats import declared, propose_formats, undecided
from mscohort.ingest.mapping import Mapping
from mscohort.ingest.propose import Choice, TableProposal
from mscohort.schema import TABLES


def _s(text: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(text, ensure_ascii=False)


def _alternatives(choices: tuple[Choice, ...]) -> str:
    return ("; alternatives: " + ", ".join(f"{c.source!r} {c.confidence:.2f}"
                                           for c in choices)) if choices else ""


def mapping_toml(path: str | Path, proposals: list[TableProposal]) -> str:
    """The TOML text of ``proposals`` for the study at ``path``."""
    lines = [
        f"# Column mapping proposed by `mscohort map {Path(path).name}` on "
        f"{dt.date.today().isoformat()}.",
        "# Check every line: the confidence (0-1) says how sure the proposal is, the",
        "# alternatives what else could fit. Delete a line to leave a column out; edit a name",
        "# to choose another column. Then: mscohort validate ... --mapping this-file.toml",
    ]
    found = {p.table for p in proposals}
    missing = [t for t, spec in TABLES.items() if spec.required_file and t not in found]
    for table in missing:
        lines.append(f"# No sheet or file was found for the required table {table}.")
    formats, open_formats = proposed_formats(path, proposals)
    for p in proposals:
        lines += ["", f"[{p.table}]"]
        lines.append(f"file = {_s(p.source.file)}")
        if p.source.sheet is not None:
            lines.append(f"sheet = {_s(p.source.sheet)}")
        lines.append(f"# table from {p.choice.source}: confidence {p.choice.confidence:.2f} "
                     f"({p.choice.reason}){_alternatives(p.alternatives)}")
        lines.append(f"[{p.table}.columns]")
        for column in TABLES[p.table].columns:
            best, others = p.columns[column.name]
            required = " (required)" if column.required else ""
            if best is None:
                if column.required or others:
                    lines.append(f"# {column.name}{required}: no column found"
                                 f"{_alternatives(others)}")
                continue
            lines.append(f"{column.name} = {_s(best.source)}  # confidence "
                         f"{best.confidence:.2f}{required} ({best.reason})"
                         f"{_alternatives(others)}")
        if formats.get(p.table):
            lines.append(f"[{p.table}.date_formats]")
            lines += [f"{c} = {_s(f)}  # every value typed as text fits this format only"
                      for c, f in formats[p.table].items()]
        for c, fits in open_formats.get(p.table, {}).items():
            lines.append(f"# {c}: its dates typed as text fit {' and '.join(fits)} (no day "
                         f"above 12): declare which under [{p.table}.date_formats], e.g. "
                         f"{c} = {_s(fits[0])}")
    return "\n".join(lines) + "\n"


def proposed_formats(path: str | Path, proposals: list[TableProposal]
                     ) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, tuple[str, ...]]]]:
    """The date format proposed for each date column of ``proposals`` whose text values fit
    exactly one (:func:`mscohort.ingest.date_formats.propose_formats`), and the columns
    whose values fit more than one (:func:`~mscohort.ingest.date_formats.undecided`), read
    from the study at ``path`` under the proposed columns; none when it cannot be read so."""
    from mscohort.errors import UsageError
    from mscohort.ingest.folder import read_study
    from mscohort.ingest.mapping import parse_mapping

    chosen = {p.table: {"file": p.source.file, "sheet": p.source.sheet, "columns": {
        c: best.source for c, (best, _) in p.columns.items() if best is not None}}
        for p in proposals}
    try:
        raw = read_study(path, parse_mapping(chosen_mapping(chosen), "the proposal"))
    except UsageError:
        return {}, {}
    frames = {t: r.frame for t, r in raw.tables.items()}
    return propose_formats(frames), undecided(frames)


def chosen_mapping(tables: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A mapping as :func:`mscohort.ingest.mapping.parse_mapping` reads it, from the
    choices of a form: table -> {"file", "sheet" (or None), "columns": canonical ->
    header, "date_formats": canonical -> format (optional)}; tables without a file are
    left out, and so are the formats of columns not mapped or left empty."""
    out: dict[str, dict[str, Any]] = {}
    for table, spec in tables.items():
        if not spec.get("file"):
            continue
        entry: dict[str, object] = {"file": spec["file"]}
        if spec.get("sheet"):
            entry["sheet"] = spec["sheet"]
        columns = {c: h for c, h in dict(spec.get("columns", {})).items() if h}
        if columns:
            entry["columns"] = columns
        formats = {c: f for c, f in dict(spec.get("date_formats", {})).items() if f}
        if formats:
            entry["date_formats"] = formats
        out[table] = entry
    return out


def mapping_choices(mapping: Mapping, headers: dict[str, list[str]]
                    ) -> dict[str, dict[str, Any]]:
    """A mapping as the choices of a form (the inverse of :func:`chosen_mapping`): each
    table with a file, its sheet (the table's name in a workbook when none is named), its
    columns (those the mapping renames, and those of the file named as the canonical
    column, as reading matches them) and each date column's format (a table's
    ``date_format`` given to every date column without its own). ``headers``: the column
    names of each source, by label (``file`` or ``file[sheet]``)."""
    out: dict[str, dict[str, Any]] = {}
    for table, tm in mapping.tables.items():
        if tm.file is None:
            continue
        sheet = tm.sheet or (table if readers.file_kind(Path(tm.file)) == "xlsx" else None)
        label = f"{tm.file}[{sheet}]" if sheet else tm.file
        have = headers.get(label, [])
        columns = dict(tm.columns)
        for column in TABLES[table].columns:
            same = [h for h in have if h.lower() == column.name.lower()]
            if column.name not in columns and same and same[0] not in columns.values():
                columns[column.name] = same[0]
        out[table] = {"file": tm.file, "sheet": sheet, "columns": columns,
                      "date_formats": declared(TABLES[table], tm.date_formats,
                                               tm.date_format)}
    return out


def plain_toml(mapping: dict[str, dict[str, Any]]) -> str:
    """The TOML text of a mapping as :func:`chosen_mapping` returns it."""
    lines = ["# Column mapping chosen in the mscohort web app (docs/data-model.md)."]
    for table, spec in mapping.items():
        lines += ["", f"[{table}]", f"file = {_s(str(spec['file']))}"]
        if "sheet" in spec:
            lines.append(f"sheet = {_s(str(spec['sheet']))}")
        columns = spec.get("columns", {})
        if columns:
            lines.append(f"[{table}.columns]")
            lines += [f"{c} = {_s(str(h))}" for c, h in dict(columns).items()]
        formats = spec.get("date_formats", {})
        if formats:
            lines.append(f"[{table}.date_formats]")
            lines += [f"{c} = {_s(str(f))}" for c, f in dict(formats).items()]
    return "\n".join(lines) + "\n"
