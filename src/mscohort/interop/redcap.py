"""REDCap projects: the flat export (CSV: raw or label values, raw or label headers) with the
project's data dictionary, mapped to the canonical tables by a mapping file
(:mod:`mscohort.interop.redcap_mapping`; a ready one for a typical MS project:
``datasets/interop/redcap_ms.toml``), then validated and imported like any study.

Format notes: one export row per record, event and repeating-instrument instance
(``redcap_event_name``, ``redcap_repeat_instrument``, ``redcap_repeat_instance``); a checkbox
field is one column per choice, ``field___code`` (1/0, or Checked/Unchecked in a label
export); each instrument has a status column ``<form>_complete`` (0 Incomplete, 1
Unverified, 2 Complete). In a label export, events, instruments, choices and headers carry
labels; they are resolved through the data dictionary (:mod:`.redcap_dictionary`), and a
label that resolves to nothing is a usage error: no row is ever dropped for it.

Rules (``docs/interoperability.md``):

* rows of a non-repeating form are the rows without a repeat instrument (of the event, if
  named) where a mapped field has a value (a checkbox: a ticked box);
* a form marked Incomplete or Unverified is an ``incomplete_form`` warning, or its rows are
  left out (still reported) when the mapping says ``incomplete_forms = "exclude"``;
* a value that is one of the project's missing-data codes, or NA, N/A, NaN, NULL, is
  imported as empty with a ``missing_code`` warning; a treatment stop date so coded is an
  ``unknown_stop_date`` error (empty would mean *ongoing*) unless the mapping says
  ``unknown_stop_date = "ongoing"``;
* a checkbox choice is true when ticked, false when another box of its field is ticked, and
  unknown (empty) when no box is: an unanswered question is not a "no";
* choices that exclude the others (``exclusive`` in the mapping, or REDCap's
  ``@NONEOFTHEABOVE`` action tag) ticked with another choice are a ``checkbox_conflict``
  error.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mscohort.errors import UsageError
from mscohort.ingest import readers
from mscohort.ingest.folder import RawStudy, RawTable
from mscohort.interop.redcap_api import TOKEN_ENV, fetch_redcap
from mscohort.interop.redcap_dictionary import (
    EVENT,
    REPEAT,
    STATUS,
    Field,
    event_of,
    forms,
    instrument_of,
    label_header_names,
    parse_choices,
    read_dictionary,
)
from mscohort.interop.redcap_export import CHECKBOX, read_export
from mscohort.interop.redcap_mapping import RedcapMapping, TableMap, load_redcap_mapping
from mscohort.issues import SOURCE_COLUMN, Rule, empty_issues, row_issues

__all__ = ["TOKEN_ENV", "fetch_redcap", "parse_choices", "read_dictionary", "read_redcap"]

CHECKED_TEXT = ("1", "Checked")
UNCHECKED_TEXT = ("0", "Unchecked")
#: tokens that mean "no value" in many exports; read as empty, but always reported
GENERIC_MISSING = ("NA", "N/A", "NaN", "NULL")


def _check(where: str, m: TableMap, fields: dict[str, Field], export: pl.DataFrame,
           events: set[str] | None) -> None:
    names = forms(fields)
    if m.form not in names:
        raise UsageError(f"{where}: [tables.{m.table}] form {m.form!r} is not an instrument of "
                         f"the project (instruments: {', '.join(sorted(names))}).")
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
            absent = [f"{base}___{c}" for c in field.choices if f"{base}___{c}" not in
                      export.columns]
            if absent and name not in absent:
                raise UsageError(f"{where}: [tables.{m.table}] {column} = {name!r}: the export "
                                 f"lacks {', '.join(absent)}; export every choice of {base} "
                                 "(an unticked group is unknown only if all boxes are seen).")
        if name not in export.columns:
            raise UsageError(f"{where}: [tables.{m.table}] {column} = {name!r}: the export has "
                             "no such column (export the field, or fix the mapping).")
        codes = m.values.get(column)
        if codes is not None:
            missing = [c for c in field.choices if c not in codes]
            if missing:
                raise UsageError(f"{where}: [tables.{m.table}.values] {column}: choice code(s) "
                                 f"{', '.join(missing)} of {base} are not mapped.")


def _checked(field: Field, code: str) -> pl.Expr:
    c = pl.col(f"{field.name}___{code}")
    return c.is_in([*CHECKED_TEXT, field.choices[code]]).fill_null(False)


def _box_flag(field: Field, code: str) -> pl.Expr:
    """A value that is neither ticked nor unticked."""
    c = pl.col(f"{field.name}___{code}")
    return c.is_not_null() & ~c.is_in([*CHECKED_TEXT, *UNCHECKED_TEXT, field.choices[code]])


def _value(column: str, name: str, fields: dict[str, Field], m: TableMap
           ) -> tuple[pl.Expr, pl.Expr | None]:
    """The canonical text of one mapped field, and a flag for values that are no choice."""
    c = pl.col(name)
    box = CHECKBOX.match(name)
    if box and box.group(1) in fields and fields[box.group(1)].kind == "checkbox":
        field, code = fields[box.group(1)], box.group(2)
        answered = pl.any_horizontal(_checked(field, k) for k in field.choices)
        value = (pl.when(_checked(field, code)).then(pl.lit("true"))
                 .when(answered).then(pl.lit("false")).otherwise(None))
        return value, _box_flag(field, code)
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


def _resolve_labels(frame: pl.DataFrame, headers: list[str], fields: dict[str, Field],
                    rm: RedcapMapping, export: Path) -> pl.DataFrame:
    """Unique names for label headers, event labels and instrument labels (module doc)."""
    raw_headers = rm.record_id in headers or (headers and headers[0] in fields) or any(
        h.startswith("redcap_") for h in headers)
    if not raw_headers:
        headers = label_header_names(headers, fields, export.name)
    twice = sorted({h for h in headers if headers.count(h) > 1})
    if twice:
        raise UsageError(f"REDCap export {export.name} has more than one column called "
                         f"{', '.join(twice)}; export it again from REDCap.")
    frame = frame.rename({f"_c{i}": h for i, h in enumerate(headers)})
    if rm.record_id not in frame.columns:
        raise UsageError(f"REDCap mapping: the export {export.name} has no record id column "
                         f"{rm.record_id!r} (columns: {', '.join(frame.columns[1:6])}, ...).")
    if EVENT in frame.columns:
        found = frame[EVENT].drop_nulls().unique().to_list()
        frame = frame.with_columns(pl.col(EVENT).replace_strict(
            {v: event_of(v, rm.events) for v in found}, default=None))
    if REPEAT in frame.columns:
        names = forms(fields)
        lost: dict[str, pl.DataFrame] = {}
        instrument: dict[str, str | None] = {}
        for value in frame[REPEAT].drop_nulls().unique().to_list():
            form = instrument_of(value, names, rm.instruments)
            if form is None:
                lost[value] = frame.filter(pl.col(REPEAT) == value)
            instrument[value] = form
        if lost:
            value, rows = next(iter(lost.items()))
            raise UsageError(
                f"REDCap export {export.name}: redcap_repeat_instrument {value!r} (rows "
                f"{', '.join(map(str, rows['_row'].head(3)))}{', ...' if rows.height > 3 else ''}"
                f"; {rows.height} rows) is neither an instrument of the data dictionary nor "
                "the label of one; name its instrument in the mapping, e.g. [redcap] "
                f"instruments = {{ \"{value}\" = \"<instrument>\" }}. Nothing was imported.")
        frame = frame.with_columns(pl.col(REPEAT).replace_strict(instrument, default=None))
    return frame


def _missing_codes(rows: pl.DataFrame, m: TableMap, rm: RedcapMapping, source: str
                   ) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Missing-data codes of the mapped fields turned into empty cells, each reported."""
    codes = dict(rm.missing_codes)
    codes |= {label: f"{code} ({label})" for code, label in rm.missing_codes.items()
              if label not in codes}
    meaning = {code: (f"the project's missing-data code {code} ({label})" if code in
                      rm.missing_codes else f"the missing-data code {label}")
               for code, label in codes.items()}
    meaning |= {t: f"{t}, read as no value" for t in GENERIC_MISSING if t not in meaning}
    issues = []
    coded = []
    for column, name in m.columns.items():
        if CHECKBOX.match(name):  # ticked or not: 1/0, Checked/Unchecked
            continue
        hit = pl.col(name).is_in(list(meaning))
        rows_hit = rows.filter(hit)
        if rows_hit.height:
            text = pl.col(name).replace_strict(meaning, default=None)
            stop = m.table == "treatments" and column == "stop_date"
            if stop and rm.unknown_stop_date == "error":
                rule, message = Rule.UNKNOWN_STOP_DATE, pl.format(
                    "stop date {} = '{}' is {}: unknown, not ongoing; give the date, or set "
                    "[redcap] unknown_stop_date = \"ongoing\"", pl.lit(name), pl.col(name), text)
            elif stop:
                rule, message = Rule.MISSING_CODE, pl.format(
                    "stop date {} = '{}' is {}: imported as ongoing, as the mapping says "
                    "(unknown_stop_date = \"ongoing\")", pl.lit(name), pl.col(name), text)
            else:
                rule, message = Rule.MISSING_CODE, pl.format(
                    "{} = '{}' is {}; imported as empty", pl.lit(name), pl.col(name), text)
            issues.append(row_issues(rows_hit, rule, file=source, column=name,
                                     value=pl.col(name), message=message))
            coded.append(pl.when(hit).then(None).otherwise(pl.col(name)).alias(name))
    return (rows.with_columns(coded) if coded else rows), issues


def _status(rows: pl.DataFrame, m: TableMap, rm: RedcapMapping, source: str
            ) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Incomplete and Unverified forms reported, or left out as the mapping says."""
    status = f"{m.form}_complete"
    if status not in rows.columns:
        return rows, []
    label = pl.col(status).replace_strict(STATUS, default=pl.col(status))
    unfinished = label.is_in(["Incomplete", "Unverified"])
    hit = rows.filter(unfinished)
    if not hit.height:
        return rows, []
    exclude = rm.incomplete_forms == "exclude"
    what = ("left out, as the mapping says (incomplete_forms = \"exclude\")" if exclude else
            "imported; its empty fields are unknown")
    issue = row_issues(hit, Rule.INCOMPLETE_FORM, file=source, column=status,
                       value=pl.col(status), message=pl.format(
                           "form {} is marked {}: {}", pl.lit(m.form), label, pl.lit(what)))
    return (rows.filter(~unfinished) if exclude else rows), [issue]


def _checkboxes(rows: pl.DataFrame, m: TableMap, fields: dict[str, Field],
                rm: RedcapMapping, where: str, source: str) -> list[pl.DataFrame]:
    """Exclusive checkbox choices ticked with another choice, and missing-data codes ticked
    in a checkbox field's code columns (``field___unk``), each reported (module docstring)."""
    issues = []
    bases = {box.group(1) for n in m.columns.values()
             if (box := CHECKBOX.match(n)) and box.group(1) in fields}
    codes = {code.lower(): (code, label) for code, label in rm.missing_codes.items()}
    for base in sorted(bases):
        field = fields[base]
        for column in rows.columns:
            box = CHECKBOX.match(column)
            if not box or box.group(1) != base or box.group(2).lower() not in codes or (
                    box.group(2) in field.choices):
                continue
            code, label = codes[box.group(2).lower()]
            hit = rows.filter(pl.col(column).is_in(CHECKED_TEXT))
            issues.append(row_issues(hit, Rule.MISSING_CODE, file=source, column=column,
                                     value=pl.col(column), message=(
                                         f"{base}: the project's missing-data code {code} "
                                         f"({label}) is ticked; the field's unticked choices "
                                         "are imported as unknown")))
        only = set(rm.exclusive.get(base, ())) | set(field.none_of_the_above)
        wrong = only - set(field.choices)
        if wrong:
            raise UsageError(f"{where}: [redcap] exclusive {base}: code(s) "
                             f"{', '.join(sorted(wrong))} are not choices of {base} (choices: "
                             f"{', '.join(field.choices)}).")
        for code in sorted(only):
            others = [k for k in field.choices if k != code]
            ticked = pl.concat_str([pl.when(_checked(field, k)).then(pl.lit(field.choices[k]))
                                    for k in field.choices], separator=", ", ignore_nulls=True)
            hit = rows.filter(_checked(field, code) & pl.any_horizontal(
                _checked(field, k) for k in others))
            issues.append(row_issues(hit, Rule.CHECKBOX_CONFLICT, file=source, column=base,
                                     value=ticked, message=pl.format(
                                         "{}: '{}' excludes every other choice, but {} are "
                                         "ticked", pl.lit(base), pl.lit(field.choices[code]),
                                         ticked)))
    return issues


def read_redcap(export: str | Path, dictionary: str | Path, mapping: str | Path) -> RawStudy:
    """The canonical tables of a REDCap flat export (module docstring)."""
    export, where = Path(export), f"REDCap mapping {mapping}"
    fields = read_dictionary(Path(dictionary))
    rm = load_redcap_mapping(mapping)
    for base in rm.exclusive:
        if base not in fields or fields[base].kind != "checkbox":
            raise UsageError(f"{where}: [redcap] exclusive {base}: the data dictionary has no "
                             "checkbox field of that name.")
    frame = _resolve_labels(*read_export(export), fields, rm, export)
    record_id = rm.record_id
    events = set(frame[EVENT].drop_nulls()) if EVENT in frame.columns else None
    repeat = frame[REPEAT] if REPEAT in frame.columns else pl.Series([None] * frame.height,
                                                                     dtype=pl.String)
    frame = frame.with_columns(repeat.alias("_repeat"),
                               pl.col(record_id).alias("patient_id"))
    repeating = set(frame["_repeat"].drop_nulls())
    tables: dict[str, RawTable] = {}
    issues: list[pl.DataFrame] = []
    sha = readers.sha256(export)
    for m in rm.tables:
        if m.event is not None:
            m = TableMap(m.table, m.form, event_of(m.event, rm.events), m.columns, m.values)
        _check(where, m, fields, frame, events)
        rows = frame.filter(pl.col("_repeat") == m.form) if m.form in repeating else frame.filter(
            pl.col("_repeat").is_null())
        if m.event is not None:
            rows = rows.filter(pl.col(EVENT) == m.event)

        def present(name: str) -> pl.Expr:
            box = CHECKBOX.match(name)
            if box and box.group(1) in fields:
                return _checked(fields[box.group(1)], box.group(2))
            return pl.col(name).is_not_null()

        rows = rows.filter(pl.any_horizontal(present(f) for f in m.columns.values()))
        rows, found = _status(rows, m, rm, export.name)
        issues += found
        rows, found = _missing_codes(rows, m, rm, export.name)
        issues += found
        issues += _checkboxes(rows, m, fields, rm, where, export.name)
        values = []
        for column, name in m.columns.items():
            value, bad = _value(column, name, fields, m)
            values += [value.alias(column), pl.lit(name).alias(SOURCE_COLUMN + column)]
            if bad is not None:
                issues.append(row_issues(
                    rows.filter(bad), Rule.BAD_CATEGORY, file=export.name, column=name,
                    value=pl.col(name), message=pl.format(
                        "{} is not a choice of REDCap field {} ({})", pl.col(name),
                        pl.lit(name), pl.lit(_choices_text(fields, name)))))
        part = rows.select("_row", "patient_id", *values)
        if m.table in tables:
            part = pl.concat([tables[m.table].frame, part], how="diagonal")
        tables[m.table] = RawTable(m.table, f"{export.name} ({m.form})", export, sha, part)
    return RawStudy(export.parent, tables, pl.concat(issues) if issues else empty_issues())
