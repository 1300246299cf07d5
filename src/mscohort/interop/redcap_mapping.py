"""The REDCap mapping file: which instrument and fields hold each mscohort table, and how the
project codes what is missing, unfinished or exclusive (``docs/interoperability.md``)::

    [redcap]
    record_id = "record_id"
    missing_codes = { UNK = "Unknown", NASK = "Not asked", NA = "Not applicable" }
    incomplete_forms = "warn"        # or "exclude": Incomplete/Unverified forms
    unknown_stop_date = "error"      # or "ongoing": a stop date coded missing
    exclusive = { relapse_treatment = ["3"] }   # checkbox choices that exclude the others
    instruments = { "EDSS assessment" = "edss_visit" }   # instrument labels, if not derived
    events = { "Baseline visit (Arm 1: Arm 1)" = "baseline_arm_1" }

    [tables.edss]
    form = "edss_visit"
    columns = { date = "visit_date", edss = "edss" }
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mscohort.errors import UsageError, bad_usage, read_toml
from mscohort.interop.redcap_dictionary import parse_choices
from mscohort.schema import TABLES

INCOMPLETE = ("warn", "exclude")
UNKNOWN_STOP = ("error", "ongoing")
SETTINGS = {"record_id", "missing_codes", "incomplete_forms", "unknown_stop_date",
            "exclusive", "instruments", "events"}


@dataclass(frozen=True)
class TableMap:
    table: str
    form: str
    event: str | None
    columns: dict[str, str]  #: canonical column -> REDCap field (or field___code)
    values: dict[str, dict[str, str]]  #: canonical column -> {code: value}


@dataclass(frozen=True)
class RedcapMapping:
    tables: list[TableMap]
    record_id: str = "record_id"
    #: the project's missing-data codes: code -> label (REDCap "Missing Data Codes")
    missing_codes: dict[str, str] = field(default_factory=dict)
    incomplete_forms: str = "warn"
    unknown_stop_date: str = "error"
    exclusive: dict[str, tuple[str, ...]] = field(default_factory=dict)
    instruments: dict[str, str] = field(default_factory=dict)  #: label -> instrument
    events: dict[str, str] = field(default_factory=dict)  #: label -> unique event name


def _names(where: str, key: str, value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise bad_usage(f"[redcap] {key}", "a table of names", value, where=where)
    return {str(k): v for k, v in value.items()}


def _settings(where: str, raw: object) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise bad_usage("[redcap]", "a table of settings", raw, where=where)
    unknown = set(raw) - SETTINGS
    if unknown:
        raise UsageError(f"{where}: [redcap] has unknown setting(s) "
                         f"{', '.join(sorted(unknown))}; allowed: {', '.join(sorted(SETTINGS))}.")
    out: dict[str, Any] = {"record_id": str(raw.get("record_id", "record_id"))}
    codes = raw.get("missing_codes", {})
    if isinstance(codes, str):  # as REDCap's project setting writes them: "UNK, Unknown | ..."
        codes = parse_choices(codes)
    elif isinstance(codes, list):
        codes = {str(c): str(c) for c in codes}
    out["missing_codes"] = _names(where, "missing_codes", codes)
    for key, allowed in (("incomplete_forms", INCOMPLETE), ("unknown_stop_date", UNKNOWN_STOP)):
        value = raw.get(key, allowed[0])
        if value not in allowed:
            raise bad_usage(f"[redcap] {key}", " or ".join(allowed), value, where=where)
        out[key] = value
    exclusive = raw.get("exclusive", {})
    if not isinstance(exclusive, dict) or not all(
            isinstance(v, list) and v for v in exclusive.values()):
        raise bad_usage("[redcap] exclusive", "a table mapping a checkbox field to a list of "
                        'its choice codes, e.g. { relapse_treatment = ["3"] }', exclusive,
                        where=where)
    out["exclusive"] = {str(k): tuple(str(c) for c in v) for k, v in exclusive.items()}
    out["instruments"] = _names(where, "instruments", raw.get("instruments", {}))
    out["events"] = _names(where, "events", raw.get("events", {}))
    return out


def load_redcap_mapping(path: str | Path) -> RedcapMapping:
    path = Path(path)
    where = f"REDCap mapping {path}"
    raw = read_toml(path, "REDCap mapping")
    unknown = set(raw) - {"redcap", "tables"}
    if unknown:
        raise UsageError(f"{where}: unknown section(s) {', '.join(sorted(unknown))}.")
    settings = _settings(where, raw.get("redcap", {}))
    maps = []
    tables = raw.get("tables", {})
    if not isinstance(tables, dict):
        raise bad_usage("[tables]", "one [tables.<table>] per table", tables, where=where)
    for table, spec in tables.items():
        if table not in TABLES:
            raise bad_usage("[tables.<table>]", f"a canonical table, one of {', '.join(TABLES)}",
                            table, where=where, shown=f"[tables.{table}]")
        bad = set(spec) - {"form", "event", "columns", "values"}
        if bad or "form" not in spec or not spec.get("columns"):
            extra = f"; unknown: {', '.join(sorted(bad))}" if bad else ""
            raise bad_usage(f"[tables.{table}]", "a table with form and columns (and optional "
                            "event and values)", sorted(spec), where=where,
                            shown=f"keys {', '.join(sorted(spec)) or 'none'}{extra}")
        for column in spec["columns"]:
            if column not in TABLES[table].column_by_name or column == "patient_id":
                raise UsageError(f"{where}: [tables.{table}.columns] {column!r} is not a column "
                                 f"of {table} (the patient is the record id).")
        maps.append(TableMap(table, str(spec["form"]), spec.get("event"),
                             {k: str(v) for k, v in spec["columns"].items()},
                             {k: {str(c): str(v) for c, v in m.items()}
                              for k, m in spec.get("values", {}).items()}))
    return RedcapMapping(maps, **settings)
