"""Validate a raw study: parse every column, apply every rule, collect every issue.

Validation is lazy: it never stops at the first problem, so one run lists every issue of
every file. The result is a typed :class:`~mscohort.study.Study` and a
:class:`~mscohort.validate.report.ValidationReport`; a study with errors must not be stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from mscohort.errors import DataValidationError
from mscohort.ingest.folder import RawStudy, RawTable
from mscohort.issues import SOURCE_COLUMN, WRITTEN_COLUMN, Rule, file_issue
from mscohort.schema import PRECISION_SUFFIX, TABLES, Table
from mscohort.study import Study
from mscohort.validate import plausibility, records, relations
from mscohort.validate.causes import root_causes
from mscohort.validate.parse import parse_column
from mscohort.validate.report import ValidationReport

#: Columns of ``known_patients``: patients already stored, for cross-table rules.
KNOWN_PATIENT_COLUMNS = ("patient_id", "birth_date", "birth_date" + PRECISION_SUFFIX)


def _typed_table(
    raw: RawTable, spec: Table, reported_missing: set[str]
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    frame = raw.frame
    issues: list[pl.DataFrame] = []
    found = [c for c in frame.columns[1:] if not c.startswith((SOURCE_COLUMN, WRITTEN_COLUMN))]
    for name in spec.required_columns:
        if name not in frame.columns and name not in reported_missing:
            issues.append(file_issue(
                Rule.MISSING_COLUMN, raw.source,
                f"{raw.source} has no column {name}, which {spec.name} requires; add it or map "
                f"your column onto it (columns found: {', '.join(found) or 'none'})",
                column=name,
            ))
    context = frame.select(
        "_row",
        (pl.col("patient_id") if "patient_id" in frame.columns
         else pl.lit(None, dtype=pl.String).alias("patient_id")),
    )
    series: list[pl.Series] = []
    for col in spec.columns:
        if col.name in frame.columns:
            # the column's name in its source, and a value as written where ingest rewrote it
            extra = [frame[c] for c in (SOURCE_COLUMN + col.name, WRITTEN_COLUMN + col.name)
                     if c in frame.columns]
            out, problems = parse_column(
                context.with_columns(frame[col.name].alias(col.name), *extra), col, raw.source,
                date_format=raw.date_formats.get(col.name),
            )
            series.extend(out)
            issues.extend(problems)
        else:
            series.append(pl.repeat(None, frame.height, dtype=col.dtype, eager=True)
                          .alias(col.name))
            if col.month_precision:
                series.append(pl.repeat(None, frame.height, dtype=pl.String, eager=True)
                              .alias(col.name + PRECISION_SUFFIX))
    typed = pl.DataFrame(series).with_columns(
        pl.lit(raw.source).alias("_file"), frame["_row"]
    )
    typed, problems = records.repeated_keys(typed, spec, raw.source)
    issues.extend(problems)
    issues.extend(records.date_order(typed, spec, raw.source))
    issues.extend(plausibility.check_bounds(typed, spec, raw.source))
    return typed, issues


def check_study(
    raw: RawStudy,
    *,
    known_patients: pl.DataFrame | None = None,
    as_of: dt.date | None = None,
    without_patients: bool = False,
) -> tuple[Study, ValidationReport]:
    """Typed tables and every issue of ``raw``.

    Parameters
    ----------
    raw
        The study as read by :func:`mscohort.ingest.read_study`.
    known_patients
        Patients already in the store (columns :data:`KNOWN_PATIENT_COLUMNS`): their ids
        count as known and their birth dates are checked against new records.
    as_of
        The date after which any date is in the future; today when not given.
    without_patients
        Check the tables on their own, as ``mscohort events`` reads an EDSS and a relapse
        file: no table is required and patient ids are not looked up in a patients table
        (``unknown_patient`` is not checked); every other rule applies.
    """
    as_of = as_of or dt.date.today()
    issues: list[pl.DataFrame] = [raw.issues]
    missing = raw.issues.filter(pl.col("rule") == str(Rule.MISSING_COLUMN))
    typed: dict[str, pl.DataFrame] = {}
    first_import = (known_patients is None or known_patients.height == 0) \
        and not without_patients
    for name, spec in TABLES.items():
        if name not in raw.tables:
            if spec.required_file and first_import and name not in raw.unresolved:
                issues.append(file_issue(
                    Rule.MISSING_FILE, f"{name}.csv",
                    f"the study has no {name} table: add {name}.csv (or .xlsx/.parquet, or a "
                    f"sheet called {name}), or name its file in the mapping",
                ))
            continue
        table = raw.tables[name]
        reported = set(missing.filter(pl.col("file") == table.source)["column"].to_list())
        typed[name], problems = _typed_table(table, spec, reported)
        issues.extend(problems)

    patients = typed.get("patients", pl.DataFrame(schema={
        "patient_id": pl.String(), "birth_date": pl.Date(),
        "birth_date" + PRECISION_SUFFIX: pl.String(), "_row": pl.Int64(),
    }))
    people = patients.select(KNOWN_PATIENT_COLUMNS)
    if known_patients is not None and known_patients.height:
        # a patient this import brings is checked against its birth date in the import (a
        # correction of a stored one); validate/births.py checks the stored records
        kept = known_patients.filter(~pl.col("patient_id").is_in(
            people["patient_id"].drop_nulls().implode()))
        people = pl.concat([kept.select(KNOWN_PATIENT_COLUMNS), people])
    earliest, _ = relations.date_bounds(people, "birth_date")
    births = (
        people.filter(pl.col("patient_id").is_not_null())
        .group_by("patient_id").agg(earliest.min().alias("_birth_earliest"))
    )
    known = births["patient_id"]
    for name, frame in typed.items():
        source = raw.tables[name].source
        if not without_patients:
            issues.extend(relations.unknown_patients(frame, name, source, known))
        issues.extend(relations.dates_in_life(frame, name, source, births, as_of))
    if "relapses" in typed:
        issues.extend(relations.relapse_spacing(typed["relapses"], raw.tables["relapses"].source))
        if "edss" in typed:
            issues.extend(relations.edss_after_relapse(
                typed["edss"], typed["relapses"], raw.tables["edss"].source))
    if "edss" in typed and "patients" in typed:
        issues.extend(relations.onset_after_first_edss(
            typed["patients"], typed["edss"], raw.tables["patients"].source))

    study = Study({
        name: frame.select(*TABLES[name].stored_columns, "_file", "_row")
        for name, frame in typed.items()
    })
    collapsed = root_causes(issues, patients_unreadable=_patients_unreadable(
        raw, first_import), patients=typed.get("patients"))
    return study, ValidationReport.from_issues([collapsed], source=str(raw.root))


def _patients_unreadable(raw: RawStudy, first_import: bool) -> str | None:
    """The file of a patients table that could not be read ("" when it is missing), or
    None when the patients (of this import or the store) are known."""
    if "patients" in raw.unread:
        return raw.unread["patients"]
    if "patients" in raw.unresolved or ("patients" not in raw.tables and first_import):
        return ""
    if "patients" in raw.tables and "patient_id" not in raw.tables["patients"].frame.columns:
        return raw.tables["patients"].source
    return None


def load_study(raw: RawStudy, **kwargs: Any) -> Study:
    """The typed study, or :class:`DataValidationError` listing every error."""
    study, report = check_study(raw, **kwargs)
    if not report.ok:
        raise DataValidationError(report, action="load")
    return study


__all__ = ["check_study", "load_study"]
