"""REDCap projects: the flat export (CSV, raw or label values) with the project's data
dictionary, mapped to the canonical tables by a mapping file, then validated and imported
like any study. Format notes: one export row per record, event and repeating-instrument
instance (``redcap_event_name``, ``redcap_repeat_instrument``, ``redcap_repeat_instance``);
a checkbox field is one column per choice, ``field___code`` (1/0, or Checked/Unchecked in a
label export); choices in the dictionary are ``"1, Female | 2, Male"``.

Mapping (TOML; a ready one for a typical MS project: ``datasets/interop/redcap_ms.toml``)::

    [redcap]
    record_id = "record_id"

    [tables.patients]
    form = "demographics"          # the instrument holding the table's fields
    event = "baseline_arm_1"       # optional: only this event's rows
    columns = { sex = "sex", birth_date = "dob", onset_date = "ms_onset" }
    values = { sex = { "1" = "F", "2" = "M" } }   # optional: choice code -> value

    [tables.edss]                  # a repeating instrument: one row per instance
    form = "edss_visit"
    columns = { date = "visit_date", edss = "edss" }

Rows of a non-repeating form are the export rows without a repeat instrument (of the event,
if named) where any mapped field has a value. A choice field gives its choice label, or the
mapped value of its code when ``values`` maps it (then every code must be mapped); a checkbox
choice ``field___code`` gives true/false. Mistakes are usage errors naming them: a field the
dictionary or the export lacks, an unknown form or event, an unmapped choice code, a checkbox
code the field does not have. A value that is not a choice of its field is a
``bad_category`` error naming the export's row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mscohort.errors import UnreadableFileError, UsageError, read_toml
from mscohort.ingest import readers
from mscohort.ingest.folder import RawStudy, RawTable
from mscohort.issues import Rule, empty_issues, row_issues
from mscohort.schema import TABLES

#: the data dictionary's column names as downloaded from the web page -> as the API gives them
DICTIONARY_HEADERS = {
    "Variable / Field Name": "field_name", "Form Name": "form_name",
    "Field Type": "field_type", "Field Label": "field_label",
    "Choices, Calculations, OR Slider Labels": "select_choices_or_calculations",
}
CHOICE_TYPES = {"radio", "dropdown", "checkbox", "yesno", "truefalse"}
FIXED_CHOICES = {"yesno": {"1": "Yes", "0": "No"}, "truefalse": {"1": "True", "0": "False"}}
CHECKED = {"1": "true", "0": "false", "Checked": "true", "Unchecked": "false"}
CHECKBOX = re.compile(r"^(.+?)___(.+)$")
REPEAT = "redcap_repeat_instrument"
EVENT = "redcap_event_name"


@dataclass(frozen=True)
class Field:
    name: str
    form: str
    kind: str
    choices: dict[str, str]  #: code -> label (choice fields)


def parse_choices(text: str | None) -> dict[str, str]:
    """``"1, Female | 2, Male"`` -> {"1": "Female", "2": "Male"}."""
    out = {}
    for part in (text or "").split("|"):
        code, sep, label = part.strip().partition(",")
        if sep:
            out[code.strip()] = label.strip()
    return out


def read_dictionary(path: Path) -> dict[str, Field]:
    """The project's fields, from its data dictionary (web download or API metadata CSV)."""
    try:
        frame = readers.read_csv(path)
    except UnreadableFileError as exc:
        raise UsageError(f"REDCap data dictionary: {exc}") from None
    frame = frame.rename({k: v for k, v in DICTIONARY_HEADERS.items() if k in frame.columns})
    need = {"field_name", "form_name", "field_type"}
    if not need <= set(frame.columns):
        raise UsageError(f"{path.name} is not a REDCap data dictionary: it needs the columns "
                         f"{', '.join(sorted(need))} (or the web download's headers).")
    choices = frame.get_column("select_choices_or_calculations") if (
        "select_choices_or_calculations" in frame.columns) else pl.Series([None] * frame.height)
    out = {}
    for name, form, kind, text in zip(frame["field_name"], frame["form_name"],
                                      frame["field_type"], choices, strict=True):
        kind = (kind or "").strip()
        found = FIXED_CHOICES.get(kind) or (parse_choices(text) if kind in CHOICE_TYPES
                                            else {})
        out[name] = Field(name, form, kind, found)
    return out


@dataclass(frozen=True)
class TableMap:
    table: str
    form: str
    event: str | None
    columns: dict[str, str]  #: canonical column -> REDCap field (or field___code)
    values: dict[str, dict[str, str]]  #: canonical column -> {code: value}


def load_redcap_mapping(path: str | Path) -> tuple[str, list[TableMap]]:
    path = Path(path)
    where = f"REDCap mapping {path}"
    raw = read_toml(path, "REDCap mapping")
    unknown = set(raw) - {"redcap", "tables"}
    if unknown:
        raise UsageError(f"{where}: unknown section(s) {', '.join(sorted(unknown))}.")
    record_id = str(raw.get("redcap", {}).get("record_id", "record_id"))
    maps = []
    for table, spec in raw.get("tables", {}).items():
        if table not in TABLES:
            raise UsageError(f"{where}: [tables.{table}] is not a table; must be one of "
                             f"{', '.join(TABLES)}.")
        bad = set(spec) - {"form", "event", "columns", "values"}
        if bad or "form" not in spec or not spec.get("columns"):
            extra = f"; unknown: {', '.join(sorted(bad))}" if bad else ""
            raise UsageError(f"{where}: [tables.{table}] needs form and columns (and may have "
                             f"event and values){extra}.")
        for column in spec["columns"]:
            if column not in TABLES[table].column_by_name or column == "patient_id":
                raise UsageError(f"{where}: [tables.{table}.columns] {column!r} is not a column "
                                 f"of {table} (the patient is the record id).")
        maps.append(TableMap(table, str(spec["form"]), spec.get("event"),
                             {k: str(v) for k, v in spec["columns"].items()},
                             {k: {str(c): str(v) for c, v in m.items()}
                              for k, m in spec.get("values", {}).items()}))
    return record_id, maps


def _check(where: str, m: TableMap, fields: dict[str, Field], export: pl.DataFrame,
           events: set[str] | None) -> None:
    forms = {f.form for f in fields.values()}
    if m.form not in forms:
        raise UsageError(f"{where}: [tables.{m.table}] form {m.form!r} is not an instrument of "
                         f"the project (instruments: {', '.join(sorted(forms))}).")
    if m.event is not None and (events is None or m.event not in events):
        raise UsageError(f"{where}: [tables.{m.table}] event {m.event!r} is not in the export ("
                         + ("it has no events" if events is None else
                            f"events: {', '.join(sorted(events))}") + ").")
    for column, name in m.columns.items():
        box = CHECKBOX.match(name)
        base = box.group(1) if box and box.group(1) in fields else name
        if base not in fields:
            raise UsageError(f"{where}: [tables.{m.table}] {column} = {name!r}: the data "
                             "dictionary has no such field.")
        field = fields[base]
        if field.kind == "checkbox":
            if not box:
                raise UsageError(f"{where}: [tables.{m.table}] {column} = {name!r} is a "
                                 "checkbox: name one of its choices, e.g. "
                                 f"{name}___{next(iter(field.choices), '1')}.")
            if box.group(2) not in field.choices:
                raise UsageError(f"{where}: [tables.{m.table}] {column} = {name!r}: checkbox "
                                 f"code {box.group(2)!r} is not a choice of {base} (choices: "
                                 f"{', '.join(field.choices)}).")
        if name not in export.columns:
            raise UsageError(f"{where}: [tables.{m.table}] {column} = {name!r}: the export has "
                             "no such column (export the field, or fix the mapping).")
        codes = m.values.get(column)
        if codes is not None:
            missing = [c for c in field.choices if c not in codes]
            if missing:
                raise UsageError(f"{where}: [tables.{m.table}.values] {column}: choice code(s) "
                                 f"{', '.join(missing)} of {base} are not mapped.")


def _value(column: str, name: str, fields: dict[str, Field], m: TableMap
           ) -> tuple[pl.Expr, pl.Expr | None]:
    """The canonical text of one mapped field, and a flag for values that are no choice."""
    c = pl.col(name)
    box = CHECKBOX.match(name)
    if box and box.group(1) in fields and fields[box.group(1)].kind == "checkbox":
        return c.replace_strict(CHECKED, default=None), c.is_not_null() & ~c.is_in(
            list(CHECKED))
    field = fields[name]
    if not field.choices:
        return c, None
    codes = m.values.get(column) or field.choices
    by_label = {label: codes[code] for code, label in field.choices.items() if code in codes}
    known = list(field.choices) + list(field.choices.values())
    return (c.replace_strict(codes, default=None).fill_null(
        c.replace_strict(by_label, default=None)), c.is_not_null() & ~c.is_in(known))


def _choices_text(fields: dict[str, Field], name: str) -> str:
    base = name if name in fields else CHECKBOX.sub(r"\1", name)
    if fields[base].kind == "checkbox":
        return "1/0 or Checked/Unchecked"
    return ", ".join(f"{k} = {v}" for k, v in fields[base].choices.items())


def read_redcap(export: str | Path, dictionary: str | Path, mapping: str | Path) -> RawStudy:
    """The canonical tables of a REDCap flat export (module docstring)."""
    export, where = Path(export), f"REDCap mapping {mapping}"
    fields = read_dictionary(Path(dictionary))
    record_id, maps = load_redcap_mapping(mapping)
    try:
        frame = readers.read_csv(export)
    except UnreadableFileError as exc:
        raise UsageError(f"REDCap export: {exc}") from None
    if record_id not in frame.columns:
        raise UsageError(f"{where}: the export {export.name} has no record id column "
                         f"{record_id!r}.")
    events = set(frame[EVENT].drop_nulls()) if EVENT in frame.columns else None
    repeat = frame[REPEAT] if REPEAT in frame.columns else pl.Series([None] * frame.height)
    frame = frame.with_columns(repeat.alias("_repeat"))
    repeating = set(frame["_repeat"].drop_nulls())
    tables, issues = {}, []
    sha = readers.sha256(export)
    for m in maps:
        _check(where, m, fields, frame, events)
        rows = frame.filter(pl.col("_repeat") == m.form) if m.form in repeating else frame.filter(
            pl.col("_repeat").is_null())
        if m.event is not None:
            rows = rows.filter(pl.col(EVENT) == m.event)
        rows = rows.filter(pl.any_horizontal(pl.col(f).is_not_null()
                                             for f in m.columns.values()))
        values, flags = [], []
        for column, name in m.columns.items():
            value, bad = _value(column, name, fields, m)
            values.append(value.alias(column))
            if bad is not None:
                wrong = rows.filter(bad).with_columns(pl.col(record_id).alias("patient_id"))
                if wrong.height:
                    flags.append(row_issues(
                        wrong, Rule.BAD_CATEGORY, file=export.name, column=name,
                        value=pl.col(name), message=pl.format(
                            "{} is not a choice of REDCap field {} ({})", pl.col(name),
                            pl.lit(name), pl.lit(_choices_text(fields, name)))))
        issues += flags
        part = rows.select("_row", pl.col(record_id).alias("patient_id"), *values)
        if m.table in tables:
            part = pl.concat([tables[m.table].frame, part], how="diagonal")
        tables[m.table] = RawTable(m.table, f"{export.name} ({m.form})", export, sha, part)
    return RawStudy(export.parent, tables, pl.concat(issues) if issues else empty_issues())


TOKEN_ENV = "MSCOHORT_REDCAP_TOKEN"
_TOKEN = re.compile(r"^[0-9A-Fa-f]{32}$")


def fetch_redcap(url: str, token: str | None, folder: Path) -> tuple[Path, Path]:
    """The project's records (flat CSV, raw values) and data dictionary, fetched with the REDCap
    API through PyCap into ``folder``. The token comes from ``MSCOHORT_REDCAP_TOKEN`` and is
    never written, logged or shown (not even in error messages)."""
    if not token:
        raise UsageError(f"set the REDCap API token in the environment variable {TOKEN_ENV}.")
    if not _TOKEN.match(token):
        raise UsageError(f"{TOKEN_ENV} is not a REDCap API token (32 hexadecimal characters).")
    if not url.endswith("/api/"):
        raise UsageError(f"the REDCap API address must end with /api/; got {url!r}.")
    from redcap import Project  # PyCap
    from redcap.request import RedcapError

    try:
        project = Project(url, token)
        records = project.export_records(format_type="csv", raw_or_label="raw")
        metadata = project.export_metadata(format_type="csv")
    except RedcapError as exc:
        text = str(exc).replace(token, "<token>")
        raise UsageError(f"the REDCap API at {url} refused the request: {text}") from None
    except Exception as exc:  # connection errors of requests, with the URL but not the token
        raise UsageError(f"the REDCap API at {url} cannot be reached "
                         f"({type(exc).__name__}).") from None
    folder.mkdir(parents=True, exist_ok=True)
    export, dictionary = folder / "redcap_export.csv", folder / "redcap_dictionary.csv"
    export.write_text(str(records), encoding="utf-8")
    dictionary.write_text(str(metadata), encoding="utf-8")
    return export, dictionary
