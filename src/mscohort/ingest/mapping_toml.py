"""A proposed mapping written as the TOML of ``--mapping`` (docs/data-model.md), with a
comment on every line: the confidence, why, and the alternatives."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

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
    return "\n".join(lines) + "\n"


def chosen_mapping(tables: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A mapping as :func:`mscohort.ingest.mapping.parse_mapping` reads it, from the
    choices of a form: table -> {"file", "sheet" (or None), "columns": canonical ->
    header}; tables without a file are left out."""
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
        out[table] = entry
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
    return "\n".join(lines) + "\n"
